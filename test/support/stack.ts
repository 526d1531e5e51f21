import 'reflect-metadata';
import { auditService } from '../../apps/audit/src/service';
import { proposalsService } from '../../apps/proposals/src/service';
import { votingService } from '../../apps/voting/src/service';
import { dropSchema } from '@plaza/event-store';
import { KafkaAdmin } from '@plaza/kafka';
import { startService, type Role, type RunningService, type ServiceDefinition } from '@plaza/nest-runtime';
import { serviceTestEnv, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, uniqueName } from '@plaza/testing';
import { authEnv, tokenFor } from './auth';

export type ServiceName = 'proposals' | 'voting' | 'audit';

/**
 * The three services in this process, each with a fresh schema, all on a fresh topic prefix, so a test
 * file sees only its own events. Services can be stopped and started again on the same schema (restarts).
 */
export class Stack {
  readonly prefix = uniqueName('t').replace('_', '');
  readonly schemas: Record<ServiceName, string> = {
    proposals: uniqueName('proposals'),
    voting: uniqueName('voting'),
    audit: uniqueName('audit'),
  };
  private readonly running = new Map<ServiceName, RunningService>();
  /** More instances of a service on the same schema and topics (several instances behind one origin). */
  private readonly extras: RunningService[] = [];

  /** `settings`: more environment for a service, over the defaults (e.g. a low rate limit to test it). */
  constructor(private readonly settings: Partial<Record<ServiceName, Record<string, string>>> = {}) {}

  env(name: ServiceName): Record<string, string> {
    return {
      ...serviceTestEnv(this.schemas[name], this.prefix),
      // As under `npm start`: proposals hosts the development identity provider (a test helper), voting signs
      // voting-code tokens with its own key, audit only verifies.
      ...(name === 'proposals' ? authEnv('signs', { AUTH_DEV_IDP: 'true' }) : authEnv(name === 'voting' ? 'voting' : 'verifies')),
      ...this.settings[name],
    };
  }

  /** A bearer token the services accept, for one role or several (subject defaults to `test-<roles>`). */
  token(roles: Role | readonly Role[], sub?: string): string {
    return tokenFor(roles, sub);
  }

  definition(name: ServiceName): ServiceDefinition {
    const env = this.env(name);
    return name === 'proposals' ? proposalsService(env) : name === 'voting' ? votingService(env) : auditService(env);
  }

  async start(...names: ServiceName[]): Promise<void> {
    for (const name of names.length ? names : (['proposals', 'voting', 'audit'] as const)) {
      if (!this.running.has(name)) this.running.set(name, await startService(this.definition(name)));
    }
  }

  /** Starts one more instance of `name` on the same schema and topics; stop it with its app.close(). */
  async startInstance(name: ServiceName): Promise<RunningService> {
    const instance = await startService(this.definition(name));
    this.extras.push(instance);
    return instance;
  }

  async stop(...names: ServiceName[]): Promise<void> {
    for (const name of names.length ? names : [...this.running.keys()]) {
      const service = this.running.get(name);
      this.running.delete(name);
      await service?.app.close();
    }
  }

  url(name: ServiceName): string {
    const service = this.running.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service.url;
  }

  app(name: ServiceName) {
    const service = this.running.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service.app;
  }

  /** Stops everything, drops the schemas and the topics. */
  async destroy(): Promise<void> {
    for (const extra of this.extras.splice(0)) await extra.app.close().catch(() => undefined);
    await this.stop();
    for (const schema of Object.values(this.schemas)) await dropSchema(TEST_DATABASE_URL, schema);
    const admin = new KafkaAdmin({ brokers: TEST_KAFKA_BROKERS, clientId: 'plaza-test-cleanup' });
    await admin
      .deleteTopics((['proposals', 'voting', 'audit'] as const).map((p) => `${this.prefix}.${p}.events`))
      .catch(() => undefined);
    await admin.disconnect();
  }
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  /** Response headers, lower-case names (e.g. `etag`). */
  headers: Record<string, string>;
}

export interface HttpOptions {
  /** Sent as `Authorization: Bearer <token>` (e.g. `stack.token('admin')`). */
  token?: string;
  headers?: Record<string, string>;
}

/** JSON over HTTP, the way a client would talk to the services. */
export async function http<T = any>(method: string, url: string, body?: unknown, options: HttpOptions = {}): Promise<HttpResult<T>> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: Object.fromEntries(res.headers) };
}
