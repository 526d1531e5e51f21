export * from './data-source';
export * from './errors';
export * from './health';
export {
  EventStore,
  type AppendOptions,
  type AppendResult,
  type NewEvent,
  type StoredEvent,
  schemaOf,
} from './event-store';
export { type EventStoreLogger, consoleLogger } from './logger';
export * from './migrations';
export * from './outbox-relay';
export * from './projection-runner';
export { quoteIdent } from './sql';
