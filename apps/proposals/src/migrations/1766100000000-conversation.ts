import { migrationSchema } from '@plaza/event-store';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Comments, reports and the per-round pseudonym secret of the proposals service. The ledger only ever sees a
 * salted commitment to a comment's body or a report's reason and the author's pseudonym; the text, its salt and
 * the resident's identity live here, where moderation hides the text and erasure deletes text and salt for good
 * (body and salt NULL, the row and its events stay). `version` is the comment's (report's) stream version.
 *
 * Also: proposal_view rows written before ProposalSubmitted v2 carry the author's id; they get the legacy
 * pseudonym the upcaster gives the stored v1 event, so the read model and a rebuild agree.
 */
export class Conversation1766100000000 implements MigrationInterface {
  name = 'Conversation1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.round_pseudonym_secrets (
        round_id   uuid PRIMARY KEY,
        secret     bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Who is behind a pseudonym of this service, for this service only (notifying the author of a proposal or a
    // comment); never published, removed with the resident's data.
    await queryRunner.query(`
      CREATE TABLE ${s}.pseudonym_residents (
        round_id    uuid NOT NULL,
        pseudonym   text NOT NULL,
        resident_id text NOT NULL,
        PRIMARY KEY (round_id, pseudonym)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.comments (
        comment_id       uuid PRIMARY KEY,
        round_id         uuid NOT NULL,
        proposal_id      uuid NOT NULL,
        reply_to         uuid REFERENCES ${s}.comments (comment_id),
        root_id          uuid NOT NULL,
        author_id        text NOT NULL,
        author_pseudonym text NOT NULL,
        staff            boolean NOT NULL,
        proposal_author  boolean NOT NULL,
        body             text,
        salt             text,
        deleted          boolean NOT NULL DEFAULT false,
        hidden_reason    text,
        hidden_by        text,
        erased           boolean NOT NULL DEFAULT false,
        posted_at        timestamptz NOT NULL,
        edited_at        timestamptz,
        version          integer NOT NULL,
        CHECK ((body IS NULL) = (salt IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX comments_thread_idx ON ${s}.comments (proposal_id, posted_at) WHERE reply_to IS NULL`);
    await queryRunner.query(`CREATE INDEX comments_root_idx ON ${s}.comments (root_id, posted_at)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.reports (
        report_id          uuid PRIMARY KEY,
        round_id           uuid NOT NULL,
        proposal_id        uuid NOT NULL,
        comment_id         uuid REFERENCES ${s}.comments (comment_id),
        reporter_id        text NOT NULL,
        reporter_pseudonym text NOT NULL,
        reason             text,
        salt               text,
        status             text NOT NULL CHECK (status IN ('open', 'dismissed', 'actioned')),
        decided_by         text,
        decided_at         timestamptz,
        filed_at           timestamptz NOT NULL,
        version            integer NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX reports_open_idx ON ${s}.reports (round_id, filed_at) WHERE status = 'open'`);
    await queryRunner.query(`CREATE INDEX reports_target_idx ON ${s}.reports (proposal_id, comment_id)`);
    await queryRunner.query(`
      UPDATE ${s}.proposal_view
         SET state = (state - 'authorId') || jsonb_build_object('authorPseudonym',
               encode(sha256(convert_to('plaza.legacy-author/1' || chr(10) || (state->>'authorId'), 'UTF8')), 'hex'))
       WHERE state ? 'authorId'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.reports`);
    await queryRunner.query(`DROP TABLE ${s}.comments`);
    await queryRunner.query(`DROP TABLE ${s}.pseudonym_residents`);
    await queryRunner.query(`DROP TABLE ${s}.round_pseudonym_secrets`);
  }
}
