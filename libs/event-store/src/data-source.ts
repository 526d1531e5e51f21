import { Client } from 'pg';
import { DataSource, type MixedList } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { keepErrorListener, logConnectionErrors, pgWithErrorListeners, type ConnectionErrorListener } from './connection-errors';
import { consoleLogger } from './logger';
import { eventStoreMigrations } from './migrations';
import { quoteIdent } from './sql';

/** Where the services' PostgreSQL lives unless DATABASE_URL says otherwise (trust auth in development). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface EventStoreDataSourceConfig {
  readonly url?: string;
  /** The service's own schema; every event-store table and the migrations table live in it. */
  readonly schema: string;
  /** Migration classes by import, in order; defaults to `eventStoreMigrations` alone. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration lists
  readonly migrations?: MixedList<Function | string>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity lists
  readonly entities?: MixedList<Function | string>;
  readonly poolSize?: number;
  readonly applicationName?: string;
  readonly logging?: PostgresConnectionOptions['logging'];
  /** Hears a pooled connection's loss (every pooled client keeps this listener); defaults to a console warning. */
  readonly onConnectionError?: ConnectionErrorListener;
}

/**
 * DataSource options for a service: its own schema, migrations listed by import (bundles break globs),
 * and never `synchronize` — the schema changes only through migrations.
 */
export function createDataSourceOptions(config: EventStoreDataSourceConfig): PostgresConnectionOptions {
  quoteIdent(config.schema);
  // TypeORM quotes the schema of its migrations table without escaping embedded quotes.
  if (config.schema.includes('"')) throw new RangeError(`schema name must not contain '"': ${config.schema}`);
  return {
    type: 'postgres',
    url: config.url ?? DEFAULT_DATABASE_URL,
    schema: config.schema,
    entities: config.entities ?? [],
    migrations: config.migrations ?? eventStoreMigrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: config.logging ?? false,
    applicationName: config.applicationName,
    poolSize: config.poolSize,
    // A lost connection must fail its query (503 / retry), never end the process: see keepErrorListener.
    driver: pgWithErrorListeners(config.onConnectionError ?? logConnectionErrors(consoleLogger)),
  };
}

/**
 * Creates the schema (TypeORM would otherwise fail creating its migrations table in it) and runs the pending
 * migrations, serialized by an advisory lock so replicas starting together don't race. Returns the names run.
 */
export async function runMigrations(
  config: EventStoreDataSourceConfig,
): Promise<string[]> {
  const url = config.url ?? DEFAULT_DATABASE_URL;
  const schema = quoteIdent(config.schema);
  const client = keepErrorListener(new Client({ connectionString: url }), config.onConnectionError ?? logConnectionErrors(consoleLogger));
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [`plaza-migrations:${config.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    const dataSource = new DataSource({ ...createDataSourceOptions(config), poolSize: 1 });
    await dataSource.initialize();
    try {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await client.end();
  }
}

/** Drops a schema and everything in it; for tests and throwaway environments. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = keepErrorListener(new Client({ connectionString: url }), logConnectionErrors(consoleLogger));
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
