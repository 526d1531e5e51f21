import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { databaseUser, grantRuntimeAccess, runMigrations } from '@plaza/event-store';
import { Logger } from 'nestjs-pino';
import type { MixedList } from 'typeorm';
import type { ServiceConfig } from './config';
import { configureHttp } from './http';
import { answerClientErrors } from './input';

export interface ServiceDefinition {
  readonly name: string;
  readonly description: string;
  readonly module: DynamicModule;
  readonly config: ServiceConfig & { DB_SCHEMA: string };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration lists
  readonly migrations: MixedList<Function | string>;
}

export interface RunningService {
  readonly app: INestApplication;
  readonly url: string;
}

/** Migrates (unless MIGRATE_ON_START=false), builds and starts one Plaza service; resolves once it listens. */
export async function startService(def: ServiceDefinition): Promise<RunningService> {
  if (def.config.MIGRATE_ON_START) {
    const migrationUrl = def.config.MIGRATION_DATABASE_URL ?? def.config.DATABASE_URL;
    await runMigrations({ url: migrationUrl, schema: def.config.DB_SCHEMA, migrations: def.migrations });
    // Least privilege (README "Deploy"): the migration role owns the schema, the runtime role gets its grants.
    const runtimeRole = databaseUser(def.config.DATABASE_URL);
    if (def.config.MIGRATION_DATABASE_URL && runtimeRole && runtimeRole !== databaseUser(migrationUrl)) {
      await grantRuntimeAccess(migrationUrl, def.config.DB_SCHEMA, runtimeRole);
    }
  }
  // No body-parser: InputInterceptor reads bodies within each route's limits (README "Input limits").
  const app = await NestFactory.create(def.module, { bufferLogs: true, abortOnError: false, bodyParser: false });
  app.useLogger(app.get(Logger));
  (app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void }).set('trust proxy', trustProxy(def.config.TRUST_PROXY));
  configureHttp(app, { title: `Plaza ${def.name} API`, description: def.description });
  answerClientErrors(app.getHttpServer());
  await app.listen(def.config.PORT, def.config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : def.config.PORT;
  return { app, url: `http://${def.config.HOST}:${port}` };
}

/** Runs a service as a process: prints its URL, exits non-zero with a readable message when boot fails. */
export function runServiceProcess(define: () => ServiceDefinition): void {
  let def: ServiceDefinition;
  try {
    def = define();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  startService(def).then(
    ({ url }) => process.stdout.write(`plaza ${def.name} listening on ${url} (OpenAPI: ${url}/docs)\n`),
    (error: unknown) => {
      process.stderr.write(`plaza ${def.name} failed to start: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}

/** TRUST_PROXY as Express takes it: a boolean, a hop count, or the list of trusted addresses as given. */
export function trustProxy(value: string): boolean | number | string {
  const v = value.trim();
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}
