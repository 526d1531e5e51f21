import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from './env';

/**
 * The environment every service under test starts with: the test PostgreSQL and Kafka, its own schema, the
 * test file's topic prefix, an ephemeral port and quiet logs (TEST_LOG_LEVEL to hear more). Auth and
 * service-specific settings go on top.
 */
export function serviceTestEnv(schema: string, topicPrefix: string): Record<string, string> {
  return {
    DATABASE_URL: TEST_DATABASE_URL,
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    DB_SCHEMA: schema,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  };
}

/** A clock the test moves by hand; pass `clock.now` as a service's `options.clock` (its CLOCK). */
export class TestClock {
  constructor(private current: Date) {}
  readonly now = (): Date => new Date(this.current);
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
