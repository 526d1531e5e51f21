import type { QueryRunner } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { quoteIdent } from '../sql';

/**
 * The quoted schema the migration targets: the DataSource's `schema` option, so one migration class serves
 * every service (and every test's random schema) without string templating at build time.
 */
export function migrationSchema(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as PostgresConnectionOptions).schema;
  if (!schema) {
    throw new Error('event-store migrations need the DataSource option `schema` (each service owns its schema)');
  }
  return quoteIdent(schema);
}
