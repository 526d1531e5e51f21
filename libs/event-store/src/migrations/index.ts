import { CreateConsumerTables1764090000001 } from './1764090000001-create-consumer-tables';
import { CreateEventStore1764090000000 } from './1764090000000-create-event-store';
import { CreateIdempotencyKeys1764090000002 } from './1764090000002-create-idempotency-keys';
import { IdempotencyClaims1765300000001 } from './1765300000001-idempotency-claims';

export { CreateConsumerTables1764090000001, CreateEventStore1764090000000, CreateIdempotencyKeys1764090000002, IdempotencyClaims1765300000001 };

/**
 * The event store's migrations, in order. A service lists them first and appends its own projection
 * migrations: `migrations: [...eventStoreMigrations, CreateBallotView1764100000000]`.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration lists
export const eventStoreMigrations: Function[] = [
  CreateEventStore1764090000000,
  CreateConsumerTables1764090000001,
  CreateIdempotencyKeys1764090000002,
  IdempotencyClaims1765300000001,
];
