import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * Signed checkpoints (one per size, sizes strictly increasing), the development signing key, and the
 * recount verdicts. Checkpoints and verdicts are append-only like the ledger itself.
 */
export class Checkpoints1764120000000 implements MigrationInterface {
  name = 'Checkpoints1764120000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.checkpoints (
        size       bigint PRIMARY KEY,
        root_hash  bytea NOT NULL CHECK (octet_length(root_hash) = 32),
        time       text NOT NULL,
        origin     text NOT NULL,
        key_name   text NOT NULL,
        key_id     text NOT NULL,
        signature  text NOT NULL,
        body       text NOT NULL,
        note       text NOT NULL,
        event_id   uuid NOT NULL UNIQUE,
        signed_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // Kept in the database only for development (NODE_ENV != production); production passes LEDGER_SIGNING_KEY.
    await queryRunner.query(`
      CREATE TABLE ${s}.dev_signing_key (
        id          boolean PRIMARY KEY DEFAULT true CHECK (id),
        private_pem text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.verifications (
        declared_event_id uuid PRIMARY KEY,
        declared_index    bigint NOT NULL,
        round_id          text NOT NULL,
        unit_id           text NOT NULL,
        status            text NOT NULL CHECK (status IN ('verified', 'disputed')),
        differences       jsonb NOT NULL,
        declared          jsonb NOT NULL,
        recomputed        jsonb NOT NULL,
        ledger_size       bigint NOT NULL,
        event_id          uuid NOT NULL UNIQUE,
        verified_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX verifications_round_idx ON ${s}.verifications (round_id, declared_index)`);
    for (const table of ['checkpoints', 'verifications']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${s}.${table}
        FOR EACH ROW EXECUTE FUNCTION ${s}.ledger_entries_append_only()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.verifications`);
    await queryRunner.query(`DROP TABLE ${s}.dev_signing_key`);
    await queryRunner.query(`DROP TABLE ${s}.checkpoints`);
  }
}
