import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationSchema } from './schema-of';

/**
 * Consumer-side bookkeeping: which events a consumer applied (written in the projection's own transaction,
 * so redelivery is harmless), and the messages it parked instead of applying.
 */
export class CreateConsumerTables1764090000001 implements MigrationInterface {
  readonly name = 'CreateConsumerTables1764090000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.processed_events (
        consumer        text NOT NULL,
        event_id        uuid NOT NULL,
        topic           text NOT NULL,
        partition       integer NOT NULL,
        kafka_offset    bigint NOT NULL,
        processed_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    // "offset" is a reserved word in SQL, hence kafka_offset.
    await queryRunner.query(`
      CREATE TABLE ${s}.dead_letters (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        consumer        text NOT NULL,
        topic           text NOT NULL,
        partition       integer NOT NULL,
        kafka_offset    bigint NOT NULL,
        key             text,
        value           bytea,
        headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
        event_id        text,
        event_type      text,
        reason          text NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT dead_letters_message_key UNIQUE (consumer, topic, partition, kafka_offset)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.dead_letters`);
    await queryRunner.query(`DROP TABLE ${s}.processed_events`);
  }
}
