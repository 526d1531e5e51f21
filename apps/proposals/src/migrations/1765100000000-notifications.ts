import { migrationSchema } from '@plaza/event-store';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notifications context (apps/proposals/src/notifications): who follows what, each resident's notifications,
 * their e-mail address and the mail outbox. Personal data of the service, never events: nothing here goes to the
 * ledger, and every row can be deleted. notify_round/notify_proposal are what the projection keeps of the
 * proposals topic to know whom an event concerns (a proposal's author, a round's accepted proposals).
 */
export class Notifications1765100000000 implements MigrationInterface {
  name = 'Notifications1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.notify_round (
        round_id uuid PRIMARY KEY,
        name     text NOT NULL,
        phase    text NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.notify_proposal (
        proposal_id uuid PRIMARY KEY,
        round_id    uuid NOT NULL,
        author_id   text,
        title       text NOT NULL,
        status      text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX notify_proposal_round_status_idx ON ${s}.notify_proposal (round_id, status)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.follow (
        resident_id text NOT NULL,
        round_id    uuid NOT NULL,
        -- the zero UUID: the round itself
        proposal_id uuid NOT NULL,
        created_at  timestamptz NOT NULL,
        PRIMARY KEY (resident_id, round_id, proposal_id)
      )`);
    await queryRunner.query(`CREATE INDEX follow_target_idx ON ${s}.follow (round_id, proposal_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.notification (
        notification_id uuid PRIMARY KEY,
        resident_id     text NOT NULL,
        kind            text NOT NULL,
        event_id        uuid NOT NULL,
        round_id        uuid NOT NULL,
        proposal_id     uuid,
        data            jsonb NOT NULL,
        created_at      timestamptz NOT NULL,
        read_at         timestamptz,
        CONSTRAINT notification_once UNIQUE (resident_id, event_id, kind)
      )`);
    await queryRunner.query(`CREATE INDEX notification_resident_idx ON ${s}.notification (resident_id, created_at DESC, notification_id DESC)`);
    await queryRunner.query(`CREATE INDEX notification_unread_idx ON ${s}.notification (resident_id) WHERE read_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE ${s}.resident_email (
        resident_id text PRIMARY KEY,
        email       text NOT NULL,
        source      text NOT NULL CHECK (source IN ('token', 'resident')),
        updated_at  timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.mail_outbox (
        notification_id uuid PRIMARY KEY REFERENCES ${s}.notification (notification_id) ON DELETE CASCADE,
        to_address      text NOT NULL,
        subject         text NOT NULL,
        body            text NOT NULL,
        created_at      timestamptz NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        sent_at         timestamptz,
        failed_at       timestamptz,
        last_error      text
      )`);
    await queryRunner.query(`CREATE INDEX mail_outbox_due_idx ON ${s}.mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    for (const table of ['mail_outbox', 'resident_email', 'notification', 'follow', 'notify_proposal', 'notify_round']) {
      await queryRunner.query(`DROP TABLE ${s}.${table}`);
    }
  }
}
