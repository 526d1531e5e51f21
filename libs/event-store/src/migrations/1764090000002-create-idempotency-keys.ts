import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from './schema-of';

/**
 * One row per (caller, Idempotency-Key) a command endpoint was called with: claimed while the command runs,
 * then holding the first answer (status + body) until it expires. Owned by IdempotencyStore.
 */
export class CreateIdempotencyKeys1764090000002 implements MigrationInterface {
  readonly name = 'CreateIdempotencyKeys1764090000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.idempotency_keys (
        caller          text NOT NULL,
        key             text NOT NULL,
        request_hash    text NOT NULL,
        state           text NOT NULL CHECK (state IN ('in-progress', 'done')),
        status          integer,
        body            jsonb,
        claimed_at      timestamptz NOT NULL,
        expires_at      timestamptz NOT NULL,
        PRIMARY KEY (caller, key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_expires_at ON ${s}.idempotency_keys (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.idempotency_keys`);
  }
}
