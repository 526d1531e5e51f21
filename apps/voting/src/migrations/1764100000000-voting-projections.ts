import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent } from '@plaza/event-store';

/**
 * The voting service's own tables: the Kafka-fed projection of rounds and accepted proposals it validates
 * ballots against, the per-round pseudonym secrets (never in any event), and the current ballot of each
 * pseudonym (written in the same transaction as the BallotCast event).
 */
export class VotingProjections1764100000000 implements MigrationInterface {
  name = 'VotingProjections1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent((queryRunner.connection.options as { schema?: string }).schema ?? 'voting');
    await queryRunner.query(`
      CREATE TABLE ${s}.rounds (
        round_id    uuid PRIMARY KEY,
        name        text NOT NULL,
        currency    text NOT NULL,
        phase       text NOT NULL,
        districts   jsonb NOT NULL,
        ballot      jsonb NOT NULL,
        rule        text NOT NULL,
        updated_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.proposals (
        proposal_id uuid PRIMARY KEY,
        round_id    uuid NOT NULL,
        district_id text NOT NULL,
        status      text NOT NULL,
        cost        bigint
      )`);
    await queryRunner.query(`CREATE INDEX proposals_round_district_idx ON ${s}.proposals (round_id, district_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.round_secrets (
        round_id    uuid PRIMARY KEY,
        secret      bytea NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.ballot_box (
        round_id        uuid NOT NULL,
        voter_pseudonym text NOT NULL,
        district_id     text NOT NULL,
        ballot_event_id uuid NOT NULL,
        ballot_version  integer NOT NULL,
        approvals       jsonb NOT NULL,
        channel         text NOT NULL,
        cast_at         timestamptz NOT NULL,
        PRIMARY KEY (round_id, voter_pseudonym)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent((queryRunner.connection.options as { schema?: string }).schema ?? 'voting');
    for (const t of ['ballot_box', 'round_secrets', 'proposals', 'rounds']) await queryRunner.query(`DROP TABLE ${s}.${t}`);
  }
}
