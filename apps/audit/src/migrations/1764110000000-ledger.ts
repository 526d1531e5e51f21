import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * The tamper-evident ledger: one row per consumed event, in consumption order, with its RFC 9162 leaf hash
 * over the event's RFC 8785 canonical bytes. Append-only in the database itself; `ledger_head` holds the
 * size and serializes appends so indexes have no gaps.
 */
export class Ledger1764110000000 implements MigrationInterface {
  name = 'Ledger1764110000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.ledger_entries (
        index        bigint PRIMARY KEY,
        event_id     uuid NOT NULL UNIQUE,
        leaf_hash    bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
        canonical    bytea NOT NULL,
        event_type   text NOT NULL,
        round_id     text NOT NULL,
        producer     text NOT NULL,
        topic        text NOT NULL,
        partition    integer NOT NULL,
        kafka_offset bigint NOT NULL,
        appended_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX ledger_entries_round_idx ON ${s}.ledger_entries (round_id, index)`);
    await queryRunner.query(`CREATE TABLE ${s}.ledger_head (id boolean PRIMARY KEY DEFAULT true CHECK (id), size bigint NOT NULL)`);
    await queryRunner.query(`INSERT INTO ${s}.ledger_head (id, size) VALUES (true, 0)`);
    await queryRunner.query(`
      CREATE FUNCTION ${s}.ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % is not allowed', TG_OP USING ERRCODE = 'P0001';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ${s}.ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ${s}.ledger_entries_append_only()`);
    await queryRunner.query(`
      CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ${s}.ledger_entries
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.ledger_entries_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.ledger_entries`);
    await queryRunner.query(`DROP TABLE ${s}.ledger_head`);
    await queryRunner.query(`DROP FUNCTION ${s}.ledger_entries_append_only()`);
  }
}
