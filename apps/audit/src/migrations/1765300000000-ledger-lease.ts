import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * The ledger writer's lease: one row naming the audit instance that appends to the ledger and signs checkpoints,
 * the fencing token of its term (incremented at every takeover) and when the lease lapses (database clock). Every
 * ledger append and every checkpoint checks the token in its own transaction; each entry and each checkpoint records
 * the token it was written under (NULL before this migration), so the writers' terms can be read back from the data.
 */
export class LedgerLease1765300000000 implements MigrationInterface {
  name = 'LedgerLease1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.ledger_lease (
        id          boolean PRIMARY KEY DEFAULT true CHECK (id),
        holder      text,
        token       bigint NOT NULL DEFAULT 0,
        expires_at  timestamptz NOT NULL DEFAULT '-infinity',
        acquired_at timestamptz
      )`);
    await queryRunner.query(`INSERT INTO ${s}.ledger_lease (id) VALUES (true)`);
    await queryRunner.query(`ALTER TABLE ${s}.checkpoints ADD COLUMN lease_token bigint`);
    await queryRunner.query(`ALTER TABLE ${s}.ledger_entries ADD COLUMN lease_token bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.checkpoints DROP COLUMN lease_token`);
    await queryRunner.query(`ALTER TABLE ${s}.ledger_entries DROP COLUMN lease_token`);
    await queryRunner.query(`DROP TABLE ${s}.ledger_lease`);
  }
}
