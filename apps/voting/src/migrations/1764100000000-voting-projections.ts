import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from '@plaza/event-store';

/**
 * The voting service's own tables (nothing was deployed before contracts v2, so this first migration holds
 * them all): the Kafka-fed projection of rounds and proposals that ballots are validated against, the
 * per-round pseudonym secrets (never in any event), registered pseudonyms, each pseudonym's current ballot
 * per unit (written in the ballot's transaction), paper batches, and the declared results.
 */
export class VotingProjections1764100000000 implements MigrationInterface {
  name = 'VotingProjections1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.rounds (
        round_id         uuid PRIMARY KEY,
        config           jsonb NOT NULL,
        phase            text NOT NULL,
        updated_at       timestamptz NOT NULL,
        -- set in the transaction that appends VotingClosed and every ResultsDeclared
        closed_event_id  uuid,
        closed_at        timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.proposals (
        proposal_id   uuid PRIMARY KEY,
        round_id      uuid NOT NULL,
        unit_id       text NOT NULL,
        title         text NOT NULL,
        status        text NOT NULL,
        cost          bigint,
        -- position in the round's acceptance order (the tally's last tie-breaker); new on each (re)acceptance
        accepted_seq  integer
      )`);
    await queryRunner.query(`CREATE INDEX proposals_round_unit_idx ON ${s}.proposals (round_id, unit_id)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.round_secrets (
        round_id    uuid PRIMARY KEY,
        secret      bytea NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.voters (
        round_id       uuid NOT NULL,
        pseudonym      text NOT NULL,
        unit_id        text NOT NULL,
        age_band       text,
        source         text NOT NULL,
        -- voting codes: when the code was used to sign in (single use)
        signed_in_at   timestamptz,
        registered_at  timestamptz NOT NULL,
        PRIMARY KEY (round_id, pseudonym)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.ballot_box (
        round_id        uuid NOT NULL,
        voter_pseudonym text NOT NULL,
        unit_id         text NOT NULL,
        ballot_event_id uuid NOT NULL,
        ballot_version  integer NOT NULL,
        choices         jsonb NOT NULL,
        points          jsonb,
        channel         text NOT NULL,
        batch_id        uuid,
        cast_at         timestamptz NOT NULL,
        PRIMARY KEY (round_id, voter_pseudonym, unit_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.paper_batches (
        batch_id        uuid PRIMARY KEY,
        round_id        uuid NOT NULL,
        unit_id         text NOT NULL,
        operator_id     text NOT NULL,
        sheets_counted  integer NOT NULL,
        entered         integer NOT NULL DEFAULT 0,
        status          text NOT NULL,
        opened_at       timestamptz NOT NULL,
        closed_at       timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.results (
        round_id   uuid NOT NULL,
        unit_id    text NOT NULL,
        event_id   uuid NOT NULL,
        payload    jsonb NOT NULL,
        PRIMARY KEY (round_id, unit_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    for (const t of ['results', 'paper_batches', 'ballot_box', 'voters', 'round_secrets', 'proposals', 'rounds']) await queryRunner.query(`DROP TABLE ${s}.${t}`);
  }
}
