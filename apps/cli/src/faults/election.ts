import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { RoundConfig } from '@plaza/contracts';
import { verifyBundle } from '@plaza/bundle';
import { exportBundle } from '../commands/audit-export';
import { pollUntil } from '../import/http';
import { PlazaApi } from '../import/plaza-api';
import { registerVoters, waitForResults, waitForVerification } from '../import/run-import';

export interface ElectionSpec {
  /** Ballots to cast: one voter each, spread over the units. */
  readonly ballots: number;
  readonly units: number;
  readonly proposalsPerUnit: number;
  /** Ballots in flight at once. */
  readonly concurrency: number;
  /** Distinguishes the voters of one round from another's. */
  readonly name: string;
}

/** What the senders saw: every ballot either accepted (a receipt) or a client-visible error after the retries. */
export interface CastLog {
  readonly sent: number;
  /** Receipt event ids of accepted ballots, by voter index. */
  readonly receipts: Map<number, string>;
  /** Ballots whose sender gave up (an answer other than 2xx after every retry), with the last error. */
  readonly errors: { voter: number; message: string }[];
  /** Answers that were retried (503s, cut connections…), which the client then got through. */
  retries: number;
  /** When each accepted ballot was first sent and finally answered (ms since the epoch). */
  readonly accepted: { sentAt: number; doneAt: number; eventId: string }[];
}

/** A synthetic round (several units, approval ballots) driven through the services with the CLI's own client. */
export class Election {
  roundId = '';
  private proposals = new Map<string, string[]>();
  private readonly unitIds: string[];

  constructor(
    private readonly api: PlazaApi,
    readonly spec: ElectionSpec,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.unitIds = Array.from({ length: spec.units }, (_, i) => `district-${i + 1}`);
  }

  voter(i: number): { identity: string; unitId: string } {
    return { identity: `${this.spec.name}-voter-${i}`, unitId: this.unitIds[i % this.unitIds.length]! };
  }

  /** Round, proposals accepted per unit, every voter on the roll, voting open and known to the voting service. */
  async setup(timeoutMs = 600_000): Promise<void> {
    const config: RoundConfig = {
      name: `Fault suite: ${this.spec.name}`,
      currency: 'EUR',
      units: this.unitIds.map((id, i) => ({ id, name: `District ${i + 1}`, kind: 'district', budget: 1_000_000_00 })),
      schedule: {},
      ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
      outcome: { rule: 'greedy' },
      eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
    } as RoundConfig;
    this.roundId = await this.api.createRound(config);
    await this.api.changePhase(this.roundId, 'submission');
    const submitted: { unitId: string; id: string; cost: number }[] = [];
    for (const unitId of this.unitIds) {
      for (let p = 0; p < this.spec.proposalsPerUnit; p++) {
        const cost = (p + 1) * 90_000_00;
        const id = await this.api.submitProposal(this.roundId, { unitId, title: `${unitId} project ${p + 1}`, description: 'A synthetic project of the fault suite.', estimatedCost: cost });
        submitted.push({ unitId, id, cost });
      }
    }
    await this.api.changePhase(this.roundId, 'review');
    for (const s of submitted) {
      await this.api.acceptProposal(this.roundId, s.id, s.cost, 'Feasible.');
      this.proposals.set(s.unitId, [...(this.proposals.get(s.unitId) ?? []), s.id]);
    }
    const voters = Array.from({ length: this.spec.ballots }, (_, i) => this.voter(i));
    if (!(await registerVoters(this.api, this.roundId, voters, timeoutMs))) throw new Error('the voting service has no voter roll import');
    await this.api.changePhase(this.roundId, 'voting');
    await this.api.waitForVotingView(this.roundId, 'voting', submitted.length, timeoutMs);
  }

  /** Voter i's choices: one to three of the unit's projects, a fixed function of i. */
  choices(i: number): string[] {
    const ids = this.proposals.get(this.voter(i).unitId)!;
    const picks = 1 + (i % 3);
    return Array.from({ length: Math.min(picks, ids.length) }, (_, k) => ids[(i * 7 + k * 3) % ids.length]!).filter((id, k, all) => all.indexOf(id) === k);
  }

  /**
   * Casts every ballot, at most `concurrency` in flight, each with the client's retries (same Idempotency-Key).
   * `progress` hears the number of ballots answered so far (accepted or given up).
   */
  async cast(castLog: CastLog, progress: (answered: number) => void = () => undefined): Promise<void> {
    let next = 0;
    let answered = 0;
    const worker = async () => {
      while (next < this.spec.ballots) {
        const i = next++;
        const { identity, unitId } = this.voter(i);
        const sentAt = Date.now();
        try {
          const receipt = await this.api.castBallot(this.roundId, identity, { unitId, choices: this.choices(i) });
          castLog.receipts.set(i, receipt.eventId);
          castLog.accepted.push({ sentAt, doneAt: Date.now(), eventId: receipt.eventId });
        } catch (error) {
          castLog.errors.push({ voter: i, message: PlazaApi.describe(error).slice(0, 300) });
        }
        progress(++answered);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.spec.concurrency, this.spec.ballots) }, worker));
  }

  /** Closes voting and waits for the declaration and the audit service's recount. */
  async close(timeoutMs = 600_000): Promise<{ results: number; recount: string; differences: string[] }> {
    await this.api.changePhase(this.roundId, 'closed');
    const results = await waitForResults(this.api, this.roundId, timeoutMs);
    if (!results) throw new Error('the voting service has no results API');
    const recount = await waitForVerification(this.api, this.roundId, timeoutMs);
    return { results: results.length, recount: recount.status, differences: recount.differences };
  }
}

export function newCastLog(sent: number): CastLog {
  return { sent, receipts: new Map(), errors: [], retries: 0, accepted: [] };
}

export interface StoreCheck {
  /** Accepted ballots (a receipt) missing from the voting store or from the ledger. */
  readonly lostInStore: number;
  readonly lostInLedger: number;
  /** Extra BallotCast events: a voter's second cast (each voter cast once) or a ledger entry for an event twice. */
  readonly duplicated: number;
  /** Ballots in the store whose sender saw an error (accepted, but the client was not told). */
  readonly acceptedUnseen: number;
  readonly storeBallots: number;
  readonly ledgerBallots: number;
}

/** Reads the voting store and the audit ledger of a round straight from PostgreSQL (the checker's own view). */
export class Stores {
  constructor(
    private readonly databaseUrl: string,
    readonly votingSchema: string,
    readonly auditSchema: string,
  ) {}

  private async query<T>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** The partition of the voting topic carrying a round's events (from the ledger, once one arrived). */
  async votingPartition(roundId: string): Promise<number | undefined> {
    const rows = await this.query<{ partition: number }>(
      `SELECT partition FROM "${this.auditSchema}".ledger_entries WHERE round_id = $1 AND producer = 'voting' LIMIT 1`,
      [roundId],
    );
    return rows[0]?.partition;
  }

  /** Events the voting relay has not published yet (the outbox backlog). */
  async relayBacklog(): Promise<number> {
    const rows = await this.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${this.votingSchema}".events WHERE position > coalesce((SELECT max(last_position) FROM "${this.votingSchema}".relay_checkpoints), 0)`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** True once the audit ledger holds the event. */
  async inLedger(eventId: string): Promise<boolean> {
    const rows = await this.query(`SELECT 1 FROM "${this.auditSchema}".ledger_entries WHERE event_id = $1`, [eventId]);
    return rows.length > 0;
  }

  /** The process id of the audit instance holding the ledger lease (its holder is `host:pid:nonce`). */
  async leaseHolderPid(): Promise<number | undefined> {
    const rows = await this.query<{ holder: string | null }>(`SELECT holder FROM "${this.auditSchema}".ledger_lease WHERE expires_at > clock_timestamp()`);
    const pid = Number(rows[0]?.holder?.split(':')[1]);
    return Number.isInteger(pid) ? pid : undefined;
  }

  /**
   * Makes PostgreSQL slow to take the voting store's writes: a transaction of its own holds `table` in EXCLUSIVE
   * mode (INSERTs wait, SELECTs go on) for `holdMs`, lets go for `gapMs`, and again, for `forMs` in all.
   */
  async holdWrites(table: string, forMs: number, holdMs: number, gapMs: number): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const until = Date.now() + forMs;
      while (Date.now() < until) {
        await client.query('BEGIN');
        await client.query(`LOCK TABLE "${this.votingSchema}"."${table}" IN EXCLUSIVE MODE`);
        await new Promise((r) => setTimeout(r, holdMs));
        await client.query('COMMIT');
        await new Promise((r) => setTimeout(r, gapMs));
      }
    } finally {
      await client.end();
    }
  }

  async checkpointCount(): Promise<number> {
    const rows = await this.query<{ n: string }>(`SELECT count(*) AS n FROM "${this.auditSchema}".checkpoints`);
    return Number(rows[0]?.n ?? 0);
  }

  /** Waits until the ledger holds every BallotCast of the store for the round and a checkpoint covers the ledger. */
  async waitForLedger(roundId: string, timeoutMs: number): Promise<void> {
    await pollUntil(
      `the audit ledger to hold every ballot of round ${roundId} under a signed checkpoint`,
      async () => {
        const [row] = await this.query<{ store: string; ledger: string; head: string; signed: string | null }>(
          `SELECT (SELECT count(*) FROM "${this.votingSchema}".events WHERE round_id = $1 AND type = 'BallotCast') AS store,
                  (SELECT count(*) FROM "${this.auditSchema}".ledger_entries WHERE round_id = $1 AND event_type = 'BallotCast') AS ledger,
                  (SELECT size FROM "${this.auditSchema}".ledger_head) AS head,
                  (SELECT max(size) FROM "${this.auditSchema}".checkpoints) AS signed`,
          [roundId],
        );
        return row && row.store === row.ledger && row.signed !== null && Number(row.signed) >= Number(row.head) ? true : undefined;
      },
      timeoutMs,
      500,
    );
  }

  async check(roundId: string, log: CastLog): Promise<StoreCheck> {
    const store = await this.query<{ event_id: string; stream_id: string; stream_version: number }>(
      `SELECT event_id, stream_id, stream_version FROM "${this.votingSchema}".events WHERE round_id = $1 AND type = 'BallotCast'`,
      [roundId],
    );
    const ledger = await this.query<{ event_id: string }>(
      `SELECT event_id FROM "${this.auditSchema}".ledger_entries WHERE round_id = $1 AND event_type = 'BallotCast'`,
      [roundId],
    );
    const inStore = new Set(store.map((r) => r.event_id));
    const inLedger = new Map<string, number>();
    for (const r of ledger) inLedger.set(r.event_id, (inLedger.get(r.event_id) ?? 0) + 1);
    const receipts = [...log.receipts.values()];
    const streams = new Set(store.map((r) => r.stream_id));
    const ledgerTwice = [...inLedger.values()].reduce((n, c) => n + (c - 1), 0);
    const known = new Set(receipts);
    return {
      lostInStore: receipts.filter((id) => !inStore.has(id)).length,
      lostInLedger: receipts.filter((id) => !inLedger.has(id)).length,
      duplicated: store.length - streams.size + ledgerTwice,
      acceptedUnseen: store.filter((r) => !known.has(r.event_id)).length,
      storeBallots: store.length,
      ledgerBallots: ledger.length,
    };
  }
}

/** Exports the round's audit bundle with `plaza audit export` and checks it with `plaza verify`'s own code. */
export async function bundleVerifies(auditUrl: string, roundId: string): Promise<{ ok: boolean; failure?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-faults-bundle-'));
  try {
    await exportBundle(roundId, { out: join(dir, 'bundle'), url: auditUrl });
    const report = await verifyBundle(join(dir, 'bundle'));
    return report.ok ? { ok: true } : { ok: false, failure: report.failure ? JSON.stringify(report.failure).slice(0, 300) : 'not ok' };
  } catch (error) {
    return { ok: false, failure: (error as Error).message.slice(0, 300) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
