import { Client, type Pool, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { expectEventually, TEST_DATABASE_URL, uniqueName } from '@plaza/testing';
import { createDataSourceOptions } from '../src/data-source';

/**
 * A connection PostgreSQL ends (`pg_terminate_backend`, what a server restart does to every session) while no
 * listener is on its client used to end the whole process with an unhandled `'error'` event. pg-pool removes its
 * own listener when it hands a client out and TypeORM adds its listener a microtask later, so a client fresh out of
 * the pool is exactly such a client — as is one checked out by any code that is not a TypeORM query runner.
 * With createDataSourceOptions every pooled client keeps a listener of its own: the loss is reported, the client's
 * next query fails (a 503 / a retry upstream), and the pool opens a new connection. Without it this file's jest
 * worker dies.
 */
describe('createDataSourceOptions: a lost pooled connection never ends the process', () => {
  const losses: Error[] = [];
  const applicationName = uniqueName('conn_errors');
  const dataSource = new DataSource({
    ...createDataSourceOptions({ url: TEST_DATABASE_URL, schema: 'public', applicationName, poolSize: 4, onConnectionError: (e) => losses.push(e) }),
  });
  const admin = new Client({ connectionString: TEST_DATABASE_URL });

  beforeAll(async () => {
    await dataSource.initialize();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.end();
    await dataSource.destroy();
  });

  const pool = () => (dataSource.driver as PostgresDriver).master as Pool;
  const terminate = async (pids: number[]) =>
    (await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS pid', [pids])).rows.filter((r) => r.ok).length;
  const pidOf = async (client: PoolClient) => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

  it('a client checked out of the pool (no pool or TypeORM listener) loses its connection: reported, then replaced', async () => {
    const client = await pool().connect();
    // pg-pool took its own listener off when it handed the client out; only the permanent one is left.
    expect(client.listenerCount('error')).toBe(1);
    const pid = await pidOf(client);
    const before = losses.length;
    expect(await terminate([pid])).toBe(1);
    await expectEventually(() => expect(losses.length).toBeGreaterThan(before));
    expect((losses[before] as Error & { code?: string }).code).toBe('57P01');
    await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable|terminat/i);
    client.release(true);
    // The pool opens a new connection for the next caller.
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('every idle and every held connection cut at once (a server restart, as PostgreSQL sees it): queries fail, then work again', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0))', [applicationName]);
    await Promise.all([1, 2, 3].map(() => dataSource.query('SELECT 1')));
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    expect(rows.length).toBeGreaterThan(1);
    expect(await terminate(rows.map((r) => r.pid))).toBe(rows.length);
    await expect(runner.query('SELECT 1')).rejects.toThrow();
    await runner.release();
    await expectEventually(async () => expect(await dataSource.query('SELECT 2 AS two')).toEqual([{ two: 2 }]));
  });
});
