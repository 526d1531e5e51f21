import { randomBytes } from 'node:crypto';

/** PostgreSQL the tests use: DATABASE_URL, or the local server the README names. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Kafka the tests use: KAFKA_BROKERS (comma-separated), or the broker infra/kafka/kafka.sh runs. */
export const TEST_KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());

/** A short random name for a schema, topic prefix or consumer group, unique per test file. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}
