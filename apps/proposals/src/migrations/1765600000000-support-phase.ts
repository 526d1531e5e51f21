import { migrationSchema } from '@plaza/event-store';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The support phase: each round's supporter pseudonym secret (never published, never in an event) and the
 * supports held now (a read model of the supporters' streams, for counts and the selection).
 */
export class SupportPhase1765600000000 implements MigrationInterface {
  name = 'SupportPhase1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.supports (
        round_id    uuid NOT NULL,
        proposal_id uuid NOT NULL,
        supporter   text NOT NULL,
        PRIMARY KEY (round_id, supporter, proposal_id)
      )`);
    await queryRunner.query(`CREATE INDEX supports_proposal_idx ON ${s}.supports (proposal_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.supports`);
  }
}
