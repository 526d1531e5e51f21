import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * Insider controls (issue #10): eligibility changes waiting for a second administrator while voting is open (the
 * pending voters as pseudonyms, never resident ids), who handled each paper batch and who confirmed it, how many
 * of its sheets replaced an online ballot, when a round's pseudonym secret was destroyed, and which registrations
 * are not public yet (made before voting opened).
 */
export class InsiderControls1765100000000 implements MigrationInterface {
  name = 'InsiderControls1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.eligibility_changes (
        change_id     uuid PRIMARY KEY,
        round_id      uuid NOT NULL,
        kind          text NOT NULL,
        requested_by  text NOT NULL,
        -- roll: [{pseudonym, unit_id, age_band}] to register; codes: the unit and how many
        voters        jsonb,
        unit_id       text,
        count         integer,
        status        text NOT NULL,
        requested_at  timestamptz NOT NULL,
        confirmed_by  text,
        confirmed_at  timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX eligibility_changes_round_idx ON ${s}.eligibility_changes (round_id)`);
    await queryRunner.query(`ALTER TABLE ${s}.paper_batches ADD COLUMN operators text[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`UPDATE ${s}.paper_batches SET operators = ARRAY[operator_id]`);
    await queryRunner.query(`ALTER TABLE ${s}.paper_batches ADD COLUMN overrides integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE ${s}.paper_batches ADD COLUMN confirmed_by text`);
    await queryRunner.query(`ALTER TABLE ${s}.paper_batches ADD COLUMN confirmed_at timestamptz`);
    await queryRunner.query(`ALTER TABLE ${s}.round_secrets ALTER COLUMN secret DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${s}.round_secrets ADD COLUMN destroyed_at timestamptz`);
    await queryRunner.query(`ALTER TABLE ${s}.rounds ADD COLUMN published_at timestamptz`);
    // Registrations made before voting opens are published together when it opens (one sorted batch, one time).
    await queryRunner.query(`ALTER TABLE ${s}.voters ADD COLUMN published boolean NOT NULL DEFAULT true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.voters DROP COLUMN published`);
    await queryRunner.query(`ALTER TABLE ${s}.rounds DROP COLUMN published_at`);
    await queryRunner.query(`ALTER TABLE ${s}.round_secrets DROP COLUMN destroyed_at`);
    await queryRunner.query(`ALTER TABLE ${s}.round_secrets ALTER COLUMN secret SET NOT NULL`);
    for (const c of ['confirmed_at', 'confirmed_by', 'overrides', 'operators']) await queryRunner.query(`ALTER TABLE ${s}.paper_batches DROP COLUMN ${c}`);
    await queryRunner.query(`DROP TABLE ${s}.eligibility_changes`);
  }
}
