import { migrationSchema } from '@plaza/event-store';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit service's recount of each declared support selection (append-only, like verifications). */
export class SupportVerifications1765600000000 implements MigrationInterface {
  name = 'SupportVerifications1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.support_verifications (
        declared_event_id uuid PRIMARY KEY,
        declared_index    bigint NOT NULL,
        round_id          text NOT NULL,
        status            text NOT NULL CHECK (status IN ('verified', 'disputed')),
        differences       jsonb NOT NULL,
        declared          jsonb NOT NULL,
        recomputed        jsonb NOT NULL,
        ledger_size       bigint NOT NULL,
        verified_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX support_verifications_round_idx ON ${s}.support_verifications (round_id, declared_index)`);
    await queryRunner.query(`
      CREATE TRIGGER support_verifications_no_update_delete BEFORE UPDATE OR DELETE ON ${s}.support_verifications
      FOR EACH ROW EXECUTE FUNCTION ${s}.ledger_entries_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${migrationSchema(queryRunner)}.support_verifications`);
  }
}
