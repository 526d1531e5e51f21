export * from './connection-errors';
export * from './data-source';
export * from './errors';
export * from './health';
export * from './idempotency-store';
export {
  EventStore,
  type AppendOptions,
  type AppendResult,
  type StoredEvent,
  schemaOf,
} from './event-store';
export { type EventStoreLogger, consoleLogger } from './logger';
export * from './migrations';
export { migrationSchema } from './migrations/schema-of';
/** Re-exported: the envelope minus the coordinates the store assigns (one definition, in @plaza/contracts). */
export type { NewEvent } from '@plaza/contracts';
export * from './outbox-relay';
export * from './projection-runner';
export * from './projection-rebuild';
export * from './topic-rebuild-source';
export { quoteIdent } from './sql';
export * from './roles';
