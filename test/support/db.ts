import { Client } from 'pg';
import { TEST_DATABASE_URL } from '@plaza/testing';

/** Runs one query on the test database (to look behind the APIs: events written, ledger rows, dead letters). */
export async function sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
