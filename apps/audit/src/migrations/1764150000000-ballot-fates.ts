import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * What a receipt check tells a resident beyond inclusion: whether a later version of the same voter's ballot in
 * the same unit is in the ledger (`ballot_entries`, one row per BallotCast entry, written with the entry), and
 * whether the audit service's own recount counted the ballot at the close (`counted_ballots`, written once per
 * round by the recount, with `round_counts` marking that it ran).
 */
export class BallotFates1764150000000 implements MigrationInterface {
  name = 'BallotFates1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.ballot_entries (
        event_id        uuid PRIMARY KEY,
        round_id        text NOT NULL,
        stream_id       text NOT NULL,
        stream_version  integer NOT NULL,
        unit_id         text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX ballot_entries_stream_idx ON ${s}.ballot_entries (stream_id, unit_id, stream_version)`);
    await queryRunner.query(`
      INSERT INTO ${s}.ballot_entries (event_id, round_id, stream_id, stream_version, unit_id)
      SELECT event_id, round_id, e->>'streamId', (e->>'streamVersion')::integer, e#>>'{payload,unitId}'
        FROM (SELECT event_id, round_id, convert_from(canonical, 'UTF8')::jsonb AS e FROM ${s}.ledger_entries WHERE event_type = 'BallotCast') b`);
    await queryRunner.query(`CREATE TABLE ${s}.round_counts (round_id text PRIMARY KEY, counted integer NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`);
    await queryRunner.query(`CREATE TABLE ${s}.counted_ballots (event_id uuid PRIMARY KEY, round_id text NOT NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    for (const t of ['counted_ballots', 'round_counts', 'ballot_entries']) await queryRunner.query(`DROP TABLE ${s}.${t}`);
  }
}
