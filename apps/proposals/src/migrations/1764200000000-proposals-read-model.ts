import { migrationSchema } from '@plaza/event-store';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The proposals service's read model: one row per round and per proposal with its current state, written in
 * the same transaction as the events that changed it, so lists and the scheduler never fold the event log.
 * The events stay the truth; these rows can be rebuilt by folding each stream.
 */
export class ProposalsReadModel1764200000000 implements MigrationInterface {
  name = 'ProposalsReadModel1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.round_view (
        round_id          uuid PRIMARY KEY,
        name              text NOT NULL,
        phase             text NOT NULL,
        state             jsonb NOT NULL,
        next_scheduled_at timestamptz,
        version           integer NOT NULL,
        created_at        timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX round_view_due_idx ON ${s}.round_view (next_scheduled_at) WHERE next_scheduled_at IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE ${s}.proposal_view (
        proposal_id    uuid PRIMARY KEY,
        round_id       uuid NOT NULL,
        unit_id        text NOT NULL,
        status         text NOT NULL,
        title          text NOT NULL,
        description    text NOT NULL,
        estimated_cost bigint NOT NULL,
        cost           bigint,
        state          jsonb NOT NULL,
        version        integer NOT NULL,
        submitted_at   timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX proposal_view_round_unit_idx ON ${s}.proposal_view (round_id, unit_id, status)`);
    await queryRunner.query(`CREATE INDEX proposal_view_round_status_idx ON ${s}.proposal_view (round_id, status)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.proposal_view`);
    await queryRunner.query(`DROP TABLE ${s}.round_view`);
  }
}
