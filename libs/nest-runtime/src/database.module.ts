import { Inject, Logger, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createDataSourceOptions, EventStore, IdempotencyStore, logConnectionErrors } from '@plaza/event-store';
import type { MixedList } from 'typeorm';
import { DataSource } from 'typeorm';

export interface DatabaseOptions {
  readonly url: string;
  readonly schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration lists
  readonly migrations: MixedList<Function | string>;
  readonly applicationName: string;
  readonly poolSize?: number;
}

export const DB_SCHEMA = Symbol('DB_SCHEMA');

/** The service's PostgreSQL (its own schema) and its event store. Migrations are run before boot, not here. */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...createDataSourceOptions({
            url: options.url,
            schema: options.schema,
            migrations: options.migrations,
            // Per schema, so an operator (or a test) can tell this service's connections from another deployment's.
            applicationName: `${options.applicationName}:${options.schema}`.slice(0, 63),
            poolSize: options.poolSize ?? 20,
            // Every pooled client keeps this listener: a lost connection is logged, its query answered 503.
            onConnectionError: logConnectionErrors(new Logger('PostgreSQL')),
          }),
          // Nest's default retries hide a wrong DATABASE_URL for minutes; fail fast instead.
          retryAttempts: 2,
          retryDelay: 500,
        }),
      ],
      providers: [
        { provide: DB_SCHEMA, useValue: options.schema },
        { provide: EventStore, useFactory: (ds: DataSource) => new EventStore(ds, { schema: options.schema }), inject: [DataSource] },
        { provide: IdempotencyStore, useFactory: (ds: DataSource) => new IdempotencyStore(ds, options.schema), inject: [DataSource] },
      ],
      exports: [DB_SCHEMA, EventStore, IdempotencyStore, TypeOrmModule],
    };
  }
}

export const InjectSchema = () => Inject(DB_SCHEMA);
