// `node dist/apps/cli/src/bench/ballots-bench.js [--out FILE]`: casts ballots over HTTP against running services
// and measures the raw baselines of the same broker and database. infra/bench.js (`npm run bench`) starts the
// services and runs this; it can also be pointed at services started elsewhere (see the README).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { mulberry32 } from '@plaza/bundle';
import type { RoundConfig } from '@plaza/contracts';
import { mapPool } from '../import/http';
import { PlazaApi, type ServiceUrls } from '../import/plaza-api';
import { registerVoters, waitForResults } from '../import/run-import';
import { CachedTokens, DevIdpTokens, findDevKey, LocalSigner, type TokenSource } from '../import/tokens';
import { kafkaProduceBaseline, pgInsertBaseline, rate, type Rate } from './baselines';
import { CpuSampler, kafkaPids, postgresPids, type ProcessGroups } from './cpu';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return v;
};

const ROOT = join(__dirname, '..', '..', '..', '..', '..');

interface Settings {
  urls: ServiceUrls;
  databaseUrl: string;
  brokers: string[];
  ballots: number;
  concurrency: number;
  proposals: number;
  votingSchema: string;
  auditSchema: string;
  pids: Record<string, number>;
  skip: Set<string>;
}

function settings(): Settings {
  const pids: Record<string, number> = {};
  for (const part of env('BENCH_PIDS', '').split(',').filter(Boolean)) {
    const [name, pid] = part.split('=');
    pids[name] = Number(pid);
  }
  return {
    urls: {
      proposals: env('PROPOSALS_URL', 'http://127.0.0.1:3001'),
      voting: env('VOTING_URL', 'http://127.0.0.1:3002'),
      audit: env('AUDIT_URL', 'http://127.0.0.1:3003'),
    },
    databaseUrl: env('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test'),
    brokers: env('KAFKA_BROKERS', '127.0.0.1:9092').split(',').map((b) => b.trim()),
    ballots: num('BENCH_BALLOTS', 20_000),
    concurrency: num('BENCH_CONCURRENCY', 64),
    proposals: num('BENCH_PROPOSALS', 20),
    votingSchema: env('BENCH_VOTING_SCHEMA', 'voting'),
    auditSchema: env('BENCH_AUDIT_SCHEMA', 'audit'),
    pids,
    skip: new Set(env('BENCH_SKIP', '').split(',').filter(Boolean)),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface BallotsBenchResult {
  readonly ballots: number;
  readonly concurrency: number;
  readonly accepted: Rate;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** From the last accepted ballot until the voting outbox relay had published every event. */
  readonly relayCaughtUpMs?: number;
  /** From the last accepted ballot until the audit ledger held every BallotCast of the round. */
  readonly ledgerCaughtUpMs?: number;
  /** Ballots cast until the ledger held them all, end to end. */
  readonly endToEnd?: Rate;
  /** CPU while ballots were being cast. */
  readonly cpu: ReturnType<CpuSampler['stop']>;
  /** CPU from the last accepted ballot until relay and ledger had caught up. */
  readonly catchUpCpu: ReturnType<CpuSampler['stop']>;
  readonly loadAverage: number[];
  readonly tokenSource: string;
  readonly voterRegistration?: Rate;
  readonly closeToResultsMs?: number;
  readonly notes: string[];
}

async function tokenSource(api: { proposals: ServiceUrls['proposals'] }, notes: string[]): Promise<TokenSource> {
  const key = findDevKey(ROOT, process.env['BENCH_DEV_KEY']);
  if (key) return new CachedTokens(new LocalSigner(key.pem));
  notes.push('no dev signing key found: tokens come from POST /auth/dev/token, one request per voter before the timed part');
  const { HttpClient } = await import('../import/http');
  return new CachedTokens(new DevIdpTokens(new HttpClient(api.proposals)));
}

async function scalar(db: Client, sql: string, values: unknown[] = []): Promise<number> {
  const rows = (await db.query(sql, values)).rows as Record<string, unknown>[];
  return Number(Object.values(rows[0] ?? { v: 0 })[0] ?? 0);
}

/** Transactions with an xid, oldest first: any of them holds back every outbox relay's watermark. */
async function oldestXidHolders(db: Client): Promise<string> {
  const rows = (
    await db.query(
      `SELECT pid, application_name, state, backend_xid::text AS xid, round(extract(epoch FROM now() - xact_start)::numeric, 1) AS age_s, left(query, 80) AS query
         FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY xact_start LIMIT 3`,
    )
  ).rows as Record<string, unknown>[];
  return rows.length ? rows.map((r) => JSON.stringify(r)).join('; ') : 'none';
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<number | undefined> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      process.stderr.write(`[bench] gave up waiting for ${what} after ${timeoutMs / 1000} s\n`);
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function ballotsBench(s: Settings): Promise<BallotsBenchResult> {
  const notes: string[] = [];
  const tokens = await tokenSource(s.urls, notes);
  const api = new PlazaApi(s.urls, tokens);
  const unitId = 'centre';
  const config: RoundConfig = {
    name: 'Bench round',
    currency: 'PLN',
    units: [{ id: unitId, name: 'Centre', kind: 'district', budget: 10_000_000_00 }],
    schedule: {},
    ballot: { type: 'approval', minPicks: 1, maxPicks: 5 },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
  };
  const roundId = await api.createRound(config);
  await api.changePhase(roundId, 'submission');
  const proposalIds: string[] = [];
  for (let i = 0; i < s.proposals; i++) {
    const id = await api.submitProposal(roundId, { unitId, title: `Bench project ${i + 1}`, description: '', estimatedCost: (i + 1) * 10_000_00 });
    proposalIds.push(id);
  }
  await api.changePhase(roundId, 'review');
  for (const [i, id] of proposalIds.entries()) await api.acceptProposal(roundId, id, (i + 1) * 10_000_00, 'bench');

  const voters = Array.from({ length: s.ballots }, (_, i) => `bench-${roundId.slice(-12)}-${i}`);
  let voterRegistration: Rate | undefined;
  const regStarted = performance.now();
  if (await registerVoters(api, roundId, voters.map((identity) => ({ identity, unitId })), 60_000)) {
    voterRegistration = rate(voters.length, performance.now() - regStarted);
  } else notes.push('the voting service has no voter roll import yet: ballots were cast without registration');

  await api.changePhase(roundId, 'voting');
  await api.waitForVotingView(roundId, 'voting', proposalIds.length, 60_000);

  const rnd = mulberry32(42);
  const ballots = voters.map((identity) => {
    const k = 1 + Math.floor(rnd() * 5);
    const picks = new Set<string>();
    while (picks.size < k) picks.add(proposalIds[Math.floor(rnd() * proposalIds.length)]);
    return { identity, choices: [...picks] };
  });
  // Tokens are signed before the clock starts: the bench measures voting, not the identity provider.
  const signStarted = performance.now();
  await mapPool(voters, 16, (v) => tokens.token(v, ['resident']));
  notes.push(`signed ${voters.length} resident tokens (${tokens.kind}) in ${((performance.now() - signStarted) / 1000).toFixed(1)} s, before timing`);

  const db = new Client({ connectionString: s.databaseUrl });
  await db.connect();
  const groups: ProcessGroups = { postgres: postgresPids, kafka: kafkaPids, 'bench client': () => [process.pid] };
  for (const [name, pid] of Object.entries(s.pids)) groups[name] = () => [pid];
  const sampler = new CpuSampler(groups);
  const latencies: number[] = [];
  // Other work on the machine skews every figure: record how busy it was just before.
  const loadAverage = loadavg().map((x) => Number(x.toFixed(2)));
  sampler.start();
  const started = performance.now();
  await mapPool(ballots, s.concurrency, async (b) => {
    const t0 = performance.now();
    await api.castBallot(roundId, b.identity, { unitId, choices: b.choices });
    latencies.push(performance.now() - t0);
  });
  const castMs = performance.now() - started;
  const lastAccepted = performance.now();

  const castCpu = sampler.stop();
  sampler.start();

  const vs = `"${s.votingSchema.replace(/"/g, '""')}"`;
  const as = `"${s.auditSchema.replace(/"/g, '""')}"`;
  let relayCaughtUpMs: number | undefined;
  let ledgerCaughtUpMs: number | undefined;
  let blockerNoted = false;
  try {
    // Both probes run side by side from the moment the last ballot was accepted.
    [relayCaughtUpMs, ledgerCaughtUpMs] = await Promise.all([
      waitFor(
        'the voting outbox relay',
        async () => {
          // The relay goes in (transaction_id, position) order, so "caught up" is: nothing after its checkpoint.
          const done =
            (await scalar(
              db,
              `SELECT count(*) FROM ${vs}.events e, ${vs}.relay_checkpoints c
                WHERE (e.transaction_id, e.position) > (c.last_transaction_id, c.last_position)`,
            )) === 0;
          if (!done && !blockerNoted && performance.now() - lastAccepted > 5_000) {
            blockerNoted = true;
            notes.push(`relay still behind 5 s after the last ballot; oldest transactions holding an xid: ${await oldestXidHolders(db)}`);
          }
          return done;
        },
        120_000,
      ),
      waitFor(
        'the audit ledger',
        async () =>
          (await scalar(db, `SELECT count(*) FROM ${as}.ledger_entries WHERE round_id = $1 AND event_type = 'BallotCast'`, [roundId])) >= s.ballots,
        120_000,
      ),
    ]);
  } catch (error) {
    notes.push(`catch-up not measured: ${(error as Error).message} (set BENCH_VOTING_SCHEMA / BENCH_AUDIT_SCHEMA)`);
  }
  const catchUpCpu = sampler.stop();
  await db.end();

  let closeToResultsMs: number | undefined;
  const closeStarted = performance.now();
  try {
    await api.changePhase(roundId, 'closed');
    const results = await waitForResults(api, roundId, 300_000);
    if (results) closeToResultsMs = performance.now() - closeStarted;
    else notes.push('the voting service has no results API yet: close → ResultsDeclared not measured');
  } catch (error) {
    notes.push(`closing failed: ${PlazaApi.describe(error)}`);
  }

  latencies.sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(1));
  return {
    ballots: s.ballots,
    concurrency: s.concurrency,
    accepted: rate(s.ballots, castMs),
    latencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
    ...(relayCaughtUpMs !== undefined ? { relayCaughtUpMs: Math.round(relayCaughtUpMs) } : {}),
    ...(ledgerCaughtUpMs !== undefined
      ? { ledgerCaughtUpMs: Math.round(ledgerCaughtUpMs), endToEnd: rate(s.ballots, lastAccepted - started + ledgerCaughtUpMs) }
      : {}),
    cpu: castCpu,
    catchUpCpu,
    tokenSource: tokens.kind,
    loadAverage,
    ...(voterRegistration ? { voterRegistration } : {}),
    ...(closeToResultsMs !== undefined ? { closeToResultsMs: Math.round(closeToResultsMs) } : {}),
    notes,
  };
}

export interface BaselineResults {
  kafkaBatch100?: Rate;
  kafkaSingle?: Rate;
  pgSingleRow?: Rate;
  pgBatch100?: Rate;
}

export async function baselines(s: Settings): Promise<BaselineResults> {
  const out: BaselineResults = {};
  if (!s.skip.has('kafka')) {
    out.kafkaBatch100 = await kafkaProduceBaseline({ brokers: s.brokers, messages: 20_000, batchSize: 100, concurrency: 4 });
    out.kafkaSingle = await kafkaProduceBaseline({ brokers: s.brokers, messages: 3_000, batchSize: 1, concurrency: 64 });
  }
  if (!s.skip.has('pg')) {
    out.pgSingleRow = await pgInsertBaseline({ databaseUrl: s.databaseUrl, rows: 10_000, batchSize: 1, connections: 16 });
    out.pgBatch100 = await pgInsertBaseline({ databaseUrl: s.databaseUrl, rows: 50_000, batchSize: 100, connections: 4 });
  }
  return out;
}

export function formatTable(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

const fmtRate = (r: Rate | undefined, unit: string) => (r ? `${r.perSecond.toLocaleString('en-US')} ${unit}/s  (${r.count.toLocaleString('en-US')} in ${r.seconds} s)` : 'n/a');

export function summarize(b: BallotsBenchResult | undefined, base: BaselineResults): string {
  const rows: [string, string][] = [];
  if (b) {
    rows.push(['ballots accepted (HTTP)', `${fmtRate(b.accepted, 'ballots')}, concurrency ${b.concurrency}`]);
    rows.push(['accept latency', `p50 ${b.latencyMs.p50} ms, p90 ${b.latencyMs.p90} ms, p99 ${b.latencyMs.p99} ms, max ${b.latencyMs.max} ms`]);
    rows.push(['voting relay caught up', b.relayCaughtUpMs !== undefined ? `${b.relayCaughtUpMs} ms after the last ballot` : 'n/a']);
    rows.push(['audit ledger caught up', b.ledgerCaughtUpMs !== undefined ? `${b.ledgerCaughtUpMs} ms after the last ballot` : 'n/a']);
    rows.push(['end to end (in ledger)', fmtRate(b.endToEnd, 'ballots')]);
    if (b.voterRegistration) rows.push(['voter roll import', fmtRate(b.voterRegistration, 'voters')]);
    if (b.closeToResultsMs !== undefined) rows.push(['close → ResultsDeclared', `${b.closeToResultsMs} ms`]);
    rows.push(['CPU while casting', `${b.cpu.wallSeconds} s window on ${b.cpu.cores} cores, load average before ${b.loadAverage.join(' ')}`]);
    for (const [name, use] of Object.entries(b.cpu.groups)) rows.push([`  ${name}`, `${use.cpuSeconds} s = ${use.percentOfCore} % of a core`]);
    rows.push(['CPU while catching up', `${b.catchUpCpu.wallSeconds} s window`]);
    for (const [name, use] of Object.entries(b.catchUpCpu.groups)) rows.push([`  ${name}`, `${use.cpuSeconds} s = ${use.percentOfCore} % of a core`]);
  }
  rows.push(['kafka produce, batches of 100', fmtRate(base.kafkaBatch100, 'msgs')]);
  rows.push(['kafka produce, one per send', fmtRate(base.kafkaSingle, 'msgs')]);
  rows.push(['pg INSERT, one row per commit', fmtRate(base.pgSingleRow, 'rows')]);
  rows.push(['pg INSERT, 100 rows per commit', fmtRate(base.pgBatch100, 'rows')]);
  return formatTable(rows) + (b?.notes.length ? b.notes.map((n) => `  note: ${n}\n`).join('') : '');
}

async function main(): Promise<void> {
  const s = settings();
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  let ballots: BallotsBenchResult | undefined;
  let error: string | undefined;
  if (!s.skip.has('ballots')) {
    try {
      ballots = await ballotsBench(s);
    } catch (e) {
      error = PlazaApi.describe(e);
      process.stderr.write(`[bench] ballots over HTTP failed: ${error}\n`);
    }
  }
  const base = await baselines(s);
  process.stdout.write(summarize(ballots, base));
  const result = { ballots, baselines: base, ...(error ? { error } : {}) };
  if (out) writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  if (error) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`[bench] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  });
}
