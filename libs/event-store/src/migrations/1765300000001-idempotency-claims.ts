import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from './schema-of';

/**
 * Idempotency keys recorded with the command's events: each claim gets an id, and the transaction that appends the
 * command's events moves its key from `in-progress` to `applied` under that id (EventStore.appendInTransaction). A
 * claim taken over after its lease gets a new id, so the first holder's late append rolls back instead of writing
 * a second time; an `applied` key is never run again.
 */
export class IdempotencyClaims1765300000001 implements MigrationInterface {
  readonly name = 'IdempotencyClaims1765300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.idempotency_keys ADD COLUMN claim_id uuid`);
    await queryRunner.query(`ALTER TABLE ${s}.idempotency_keys DROP CONSTRAINT idempotency_keys_state_check`);
    await queryRunner.query(`ALTER TABLE ${s}.idempotency_keys ADD CONSTRAINT idempotency_keys_state_check CHECK (state IN ('in-progress', 'applied', 'done'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DELETE FROM ${s}.idempotency_keys WHERE state = 'applied'`);
    await queryRunner.query(`ALTER TABLE ${s}.idempotency_keys DROP CONSTRAINT idempotency_keys_state_check`);
    await queryRunner.query(`ALTER TABLE ${s}.idempotency_keys ADD CONSTRAINT idempotency_keys_state_check CHECK (state IN ('in-progress', 'done'))`);
    await queryRunner.query(`ALTER TABLE ${s}.idempotency_keys DROP COLUMN claim_id`);
  }
}
