import type { EntityManager, QueryRunner } from 'typeorm';

/** Quotes a PostgreSQL identifier (schema or table name) so any configured name is safe in DDL and DML. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 63 || name.includes('\0')) {
    throw new RangeError(`invalid PostgreSQL identifier: ${JSON.stringify(name)}`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

export interface QueryRows<T> {
  readonly rows: T[];
  readonly rowCount: number;
}

/**
 * Runs SQL on the manager's connection and returns rows and the affected count alike for every command
 * (TypeORM's plain `query()` returns `[rows, count]` for UPDATE/DELETE but `rows` otherwise).
 */
export async function runQuery<T = Record<string, unknown>>(
  target: EntityManager | QueryRunner,
  sql: string,
  params: readonly unknown[] = [],
): Promise<QueryRows<T>> {
  const isManager = 'connection' in target && 'transaction' in target && typeof target.transaction === 'function';
  const manager = isManager ? (target as EntityManager) : undefined;
  const runner = manager ? (manager.queryRunner ?? manager.connection.createQueryRunner()) : (target as QueryRunner);
  const owned = manager !== undefined && manager.queryRunner === undefined;
  try {
    const result = await runner.query(sql, params as unknown[], true);
    return { rows: (result.records ?? []) as T[], rowCount: result.affected ?? 0 };
  } finally {
    if (owned) await runner.release();
  }
}
