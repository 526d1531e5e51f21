import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * Sealed ballots (BallotCast schemaVersion 2): the content of every ballot version (choices, points and the salt
 * of its commitment) stays here, in the voting service, never in an event, until the close opens the ballots
 * that count. One row per BallotCast, written in the ballot's own transaction. Ballots cast before this
 * migration (schemaVersion 1, choices already public) are copied from the event store with no salt.
 */
export class BallotSecrets1764140000000 implements MigrationInterface {
  name = 'BallotSecrets1764140000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.ballot_secrets (
        event_id         uuid PRIMARY KEY,
        round_id         uuid NOT NULL,
        voter_pseudonym  text NOT NULL,
        unit_id          text NOT NULL,
        ballot_id        uuid NOT NULL,
        -- the version in the voter's ballot stream: cast order per voter
        ballot_version   integer NOT NULL,
        channel          text NOT NULL,
        choices          jsonb NOT NULL,
        points           jsonb,
        -- 64 hex digits; NULL for a ballot cast unsealed (schemaVersion 1), whose choices are in its event
        salt             text,
        cast_at          timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX ballot_secrets_round_idx ON ${s}.ballot_secrets (round_id, voter_pseudonym, ballot_version)`);
    await queryRunner.query(`
      INSERT INTO ${s}.ballot_secrets (event_id, round_id, voter_pseudonym, unit_id, ballot_id, ballot_version, channel, choices, points, salt, cast_at)
      SELECT event_id, round_id::uuid, payload->>'voterPseudonym', payload->>'unitId', (payload->>'ballotId')::uuid, stream_version,
             payload->>'channel', payload->'choices', payload->'points', NULL, occurred_at
        FROM ${s}.events WHERE type = 'BallotCast' AND schema_version = 1`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.ballot_secrets`);
  }
}
