import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from './schema-of';

/**
 * The service's event log, which is also its transactional outbox, and the relay's checkpoint.
 *
 * `transaction_id` (xid8, 64-bit so it never wraps) records the writing transaction: the relay reads only rows
 * whose transaction is older than every transaction still running, which is what makes it skip nothing when
 * identity values commit out of order (see OutboxRelay).
 */
export class CreateEventStore1764090000000 implements MigrationInterface {
  // Explicit, because bundlers rename classes and TypeORM takes the migration's timestamp from its name.
  readonly name = 'CreateEventStore1764090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await queryRunner.query(`
      CREATE TABLE ${s}.events (
        position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id        uuid NOT NULL,
        stream_id       text NOT NULL,
        stream_version  integer NOT NULL CHECK (stream_version >= 1),
        type            text NOT NULL,
        schema_version  integer NOT NULL CHECK (schema_version >= 1),
        round_id        text NOT NULL,
        occurred_at     timestamptz NOT NULL,
        producer        text NOT NULL,
        correlation_id  text NOT NULL,
        causation_id    text,
        payload         jsonb NOT NULL,
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT events_event_id_key UNIQUE (event_id),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
      )`);
    // The relay's scan: (transaction_id, position) > checkpoint, in that order.
    await queryRunner.query(`CREATE INDEX events_transaction_position_idx ON ${s}.events (transaction_id, position)`);
    await queryRunner.query(`
      CREATE FUNCTION ${s}.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events is append-only: % is not allowed (record a compensating event instead)', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    // Statement-level, so even an UPDATE or DELETE that matches no row is refused, and TRUNCATE (which skips
    // row triggers) too. ENABLE ALWAYS keeps it firing under session_replication_role = replica.
    await queryRunner.query(`
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${s}.events
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.events_append_only()`);
    await queryRunner.query(`ALTER TABLE ${s}.events ENABLE ALWAYS TRIGGER events_append_only`);

    await queryRunner.query(`
      CREATE TABLE ${s}.relay_checkpoints (
        name                 text PRIMARY KEY,
        last_transaction_id  xid8 NOT NULL DEFAULT '0',
        last_position        bigint NOT NULL DEFAULT 0,
        updated_at           timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.relay_checkpoints`);
    await queryRunner.query(`DROP TABLE ${s}.events`);
    await queryRunner.query(`DROP FUNCTION ${s}.events_append_only()`);
  }
}
