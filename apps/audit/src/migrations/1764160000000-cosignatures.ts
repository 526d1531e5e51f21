import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * Witness cosignatures (C2SP tlog-cosignature, Ed25519 cosignature/v1) of signed checkpoints: at most one per
 * witness key and checkpoint, checked before they are stored, append-only like the checkpoints they cosign.
 */
export class Cosignatures1764160000000 implements MigrationInterface {
  name = 'Cosignatures1764160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.cosignatures (
        size         bigint NOT NULL REFERENCES ${s}.checkpoints (size),
        key_name     text NOT NULL,
        key_id       text NOT NULL,
        verifier_key text NOT NULL,
        cosigned_at  bigint NOT NULL,
        line         text NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (size, key_name, key_id)
      )`);
    await queryRunner.query(`
      CREATE TRIGGER cosignatures_no_update_delete BEFORE UPDATE OR DELETE ON ${s}.cosignatures
      FOR EACH ROW EXECUTE FUNCTION ${s}.ledger_entries_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${migrationSchema(queryRunner)}.cosignatures`);
  }
}
