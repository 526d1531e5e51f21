import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { TEST_DATABASE_URL } from './env';

/**
 * Jest global setup for the int and e2e tiers: PostgreSQL must answer, and a Kafka broker must run
 * (started with infra/kafka/kafka.sh unless KAFKA_BROKERS names one). Idempotent: an already running
 * broker is reused.
 */
export default async function globalSetup(): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  if (!process.env.KAFKA_BROKERS) {
    execFileSync('bash', [join(__dirname, '..', '..', '..', 'infra', 'kafka', 'kafka.sh'), 'start'], { stdio: 'inherit' });
  }
}
