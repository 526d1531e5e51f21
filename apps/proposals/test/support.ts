import type { RoundConfig } from '@plaza/contracts';
import type { Role, ServiceDefinition } from '@plaza/nest-runtime';
import { TestClock } from '@plaza/testing';
import { sql } from '../../../test/support/db';
import { http, Stack, type HttpResult, type ServiceName } from '../../../test/support/stack';
import { RoundScheduler, type TickResult } from '../src/rounds/round.scheduler';
import { proposalsService } from '../src/service';

/** The shared stack with the proposals service on a controllable clock and its schedule timer off. */
export class ProposalsStack extends Stack {
  constructor(
    readonly clock = new TestClock(new Date('2027-01-10T09:00:00.000Z')),
    settings: Partial<Record<ServiceName, Record<string, string>>> = {},
  ) {
    super(settings);
  }

  override definition(name: ServiceName): ServiceDefinition {
    if (name !== 'proposals') return super.definition(name);
    return proposalsService({ ...this.env(name), SCHEDULER_INTERVAL_MS: '0' }, { clock: this.clock.now });
  }

  /** One scheduler pass, as the production timer would run it. */
  tick(): Promise<TickResult> {
    return this.app('proposals').get(RoundScheduler).tick();
  }

  /** Events in the proposals service's log (to prove a refused or invalid command wrote nothing). */
  async eventCount(): Promise<number> {
    const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${this.schemas.proposals}".events`);
    return Number(row!.n);
  }

  /** Calls the proposals API as `as` (a role, or a role and subject), or without a token. */
  api(as?: Role | { role: Role; sub: string } | { token: string }, headers: Record<string, string> = {}) {
    const token = as === undefined ? undefined : typeof as === 'string' ? this.token(as) : 'token' in as ? as.token : this.token(as.role, as.sub);
    // Bodies stay loosely typed (HttpResult's default): the tests read arbitrary JSON.
    const call = (method: string, path: string, body?: unknown): Promise<HttpResult> =>
      http(method, `${this.url('proposals')}${path}`, body, { headers, ...(token === undefined ? {} : { token }) });
    return {
      get: (path: string) => call('GET', path),
      post: (path: string, body?: unknown) => call('POST', path, body ?? {}),
      patch: (path: string, body: unknown) => call('PATCH', path, body),
      put: (path: string, body: unknown) => call('PUT', path, body),
      delete: (path: string) => call('DELETE', path),
    };
  }
}

export function roundConfig(overrides: Partial<RoundConfig> = {}): RoundConfig {
  return {
    name: 'Green Budget 2027',
    currency: 'PLN',
    units: [
      { id: 'north', name: 'North district', kind: 'district', budget: 2_000_000_00 },
      { id: 'greenery', name: 'Greenery (city-wide)', kind: 'category', budget: 1_000_000_00 },
    ],
    schedule: {},
    ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', minAge: 16, paperPolicy: 'refuse-if-voted-online' },
    ...overrides,
  };
}
