import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * Code sign-in attempts per client address, in PostgreSQL so the limit holds across every voting instance (one
 * process's memory would let each instance grant its own quota). A fixed window per key; a key over its limit is
 * blocked until `blocked_until`. Rows are purged once both lapsed.
 */
export class SignInLimits1765300000000 implements MigrationInterface {
  name = 'SignInLimits1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.sign_in_limits (
        key           text NOT NULL,
        throttler     text NOT NULL,
        hits          integer NOT NULL,
        window_ends   timestamptz NOT NULL,
        blocked_until timestamptz,
        PRIMARY KEY (key, throttler)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.sign_in_limits`);
  }
}
