import type { DataSource } from 'typeorm';
import { schemaOf, toPosition } from './event-store';
import { relayStatus, type RelayStatus } from './outbox-relay';
import { quoteIdent, runQuery } from './sql';

export interface EventStoreHealth {
  /** Highest position in the log (0 when empty). */
  readonly lastPosition: number;
  readonly relay: RelayStatus;
}

/**
 * One query's worth of health for a readiness probe: the events table answers, and how far the outbox relay
 * is behind. Throws when the database or the schema is unreachable.
 */
export async function eventStoreHealth(
  dataSource: DataSource,
  options: { readonly schema?: string; readonly relayName?: string } = {},
): Promise<EventStoreHealth> {
  const schema = options.schema ?? schemaOf(dataSource);
  const { rows } = await runQuery<{ last: string }>(
    dataSource.manager,
    `SELECT coalesce(max(position), 0) AS last FROM ${quoteIdent(schema)}.events`,
  );
  const relay = await relayStatus(dataSource.manager, { schema, name: options.relayName });
  return { lastPosition: toPosition(rows[0].last), relay };
}
