import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * The ledger key's history: each handover (the new key's private half kept here so a restart signs with it, like
 * the development key) and each revocation, with the ledger index of the entry that records it. Append-only.
 */
export class KeyHistory1764170000000 implements MigrationInterface {
  name = 'KeyHistory1764170000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.key_history (
        seq           serial PRIMARY KEY,
        kind          text NOT NULL CHECK (kind IN ('handover', 'revocation')),
        ledger_index  bigint NOT NULL UNIQUE,
        from_size     bigint NOT NULL,
        verifier_key  text NOT NULL,
        private_pem   text,
        reason        text,
        note          text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TRIGGER key_history_no_update_delete BEFORE UPDATE OR DELETE ON ${s}.key_history
      FOR EACH ROW EXECUTE FUNCTION ${s}.ledger_entries_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${migrationSchema(queryRunner)}.key_history`);
  }
}
