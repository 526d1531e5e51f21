import * as pg from 'pg';
import { describeError, type EventStoreLogger } from './logger';

/** What a lost connection's `'error'` event is handed to; it must not throw. */
export type ConnectionErrorListener = (error: Error) => void;

/** Logs a lost connection as a warning: the query that used it fails on its own and is answered 503 / retried. */
export function logConnectionErrors(logger: Pick<EventStoreLogger, 'warn'>, what = 'PostgreSQL connection'): ConnectionErrorListener {
  return (error) => logger.warn(`${what} lost: ${describeError(error)} (its query fails and is retried; the pool opens a new connection)`);
}

/**
 * Gives a pg client an `'error'` listener for its whole life. node-postgres emits a lost connection (the server
 * restarted, `pg_terminate_backend`, a cut socket) as an `'error'` event on the client, and an `'error'` event with
 * no listener ends the Node process. TypeORM and pg-pool add and remove their own listeners as a client is checked
 * out and back, which leaves moments with none: a client pg-pool has just handed out (pool listener removed) whose
 * TypeORM query runner attaches its listener a microtask later, while the same socket read still delivers a
 * `FATAL 57P01 terminating connection` right behind the `ReadyForQuery`. The error is not lost by handling it
 * here: the client is marked not queryable, so the next query on it rejects and the pool drops it.
 */
export function keepErrorListener<C extends pg.ClientBase>(client: C, onError: ConnectionErrorListener): C {
  client.on('error', (error: Error) => {
    try {
      onError(error);
    } catch {
      // A listener that throws would bring back the crash this exists to prevent.
    }
  });
  return client;
}

/**
 * The `pg` module as TypeORM's `driver` option, with a Pool that gives every client it opens a permanent
 * `'error'` listener (`keepErrorListener`) before anyone else sees the client. Everything else is `pg`'s own.
 */
export function pgWithErrorListeners(onError: ConnectionErrorListener): typeof pg {
  class ListeningPool extends pg.Pool {
    constructor(config?: pg.PoolConfig) {
      super(config);
      // 'connect' is emitted synchronously for a new client, before it is handed to the first caller.
      this.on('connect', (client) => keepErrorListener(client, onError));
    }
  }
  // A prototype link, not a copy: pg's lazy `native` getter and `defaults` stay pg's own.
  return Object.defineProperty(Object.create(pg) as typeof pg, 'Pool', { value: ListeningPool, enumerable: true });
}
