// `npm run bench -- --scenario city`: a synthetic round shaped like the largest real ones (250,000 voters across 20
// districts, ~400 projects), once with approval and once with knapsack ballots, driven over the services' HTTP APIs
// from roll import to verified results: setup, roll import, opening, casting, relay and ledger catch-up, close to
// declared results, bundle export (`plaza audit export`) and `plaza verify`. Each phase reports its wall time and
// the peak resident memory of every process taking part (the three services, this client, and the export and
// verify processes). infra/bench.js starts the services and runs this:
//   node dist/apps/cli/src/bench/city-bench.js [--voters 250000] [--districts 20] [--projects 400]
//     [--ballot-types approval,knapsack] [--concurrency 64] [--out FILE]
// The same service environment as ballots-bench (PROPOSALS_URL, VOTING_URL, AUDIT_URL, BENCH_AUDIT_SCHEMA,
// BENCH_PIDS, BENCH_DEV_KEY).
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { mulberry32 } from '@plaza/bundle';
import type { RoundConfig } from '@plaza/contracts';
import { mapPool } from '../import/http';
import { PlazaApi, type ServiceUrls } from '../import/plaza-api';
import { registerVoters, waitForResults } from '../import/run-import';
import { CachedTokens, findDevKey, LocalSigner } from '../import/tokens';
import { formatTable } from './ballots-bench';

const ROOT = join(__dirname, '..', '..', '..', '..', '..');
const CLI = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const int = (name: string, fallback: number) => {
  const v = Number(arg(name) ?? fallback);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number`);
  return v;
};

/** Resident set size now and its peak since start (VmHWM), in MB, of a live process; undefined once it is gone. */
function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** The highest resident memory each process reached during a phase (sampled every 200 ms). */
class MemorySampler {
  private readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly pids: Map<string, number>) {}
  start(): void {
    this.peaks.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }
  sample(): void {
    for (const [name, pid] of this.pids) {
      const m = memoryOf(pid);
      if (m) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, m.rss));
    }
  }
  stop(): Record<string, number> {
    clearInterval(this.timer);
    this.sample();
    return Object.fromEntries([...this.peaks].map(([k, v]) => [k, Math.round(v)]));
  }
}

/** Runs the plaza CLI in a child process and reports its exit code, output and peak memory (VmHWM before exit). */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; peakMb: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const timer = setInterval(() => {
      const m = child.pid ? memoryOf(child.pid) : undefined;
      if (m) peak = Math.max(peak, m.hwm, m.rss);
    }, 100);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)));
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, peakMb: Math.round(peak) });
    });
  });
}

export interface Phase {
  readonly name: string;
  readonly seconds: number;
  /** Peak resident memory (MB) per process during the phase. */
  readonly peakRssMb: Record<string, number>;
  readonly detail?: string;
}

export interface CityRound {
  readonly ballotType: 'approval' | 'knapsack';
  readonly roundId: string;
  readonly voters: number;
  readonly districts: number;
  readonly projects: number;
  readonly ballotsPerSecond?: number;
  readonly verified: boolean;
  readonly phases: Phase[];
}

async function cityRound(
  ballotType: 'approval' | 'knapsack',
  size: { voters: number; districts: number; projects: number; concurrency: number },
  api: PlazaApi,
  tokens: CachedTokens,
  auditUrl: string,
  pids: Map<string, number>,
  auditSchema: string,
  db: Client,
): Promise<CityRound> {
  const phases: Phase[] = [];
  const sampler = new MemorySampler(pids);
  const phase = async <T>(name: string, work: () => Promise<T>, detail?: (value: T) => string, extra?: () => Record<string, number>): Promise<T> => {
    process.stdout.write(`[city] ${ballotType}: ${name}…\n`);
    sampler.start();
    const t0 = performance.now();
    const value = await work();
    const seconds = Number(((performance.now() - t0) / 1000).toFixed(2));
    phases.push({ name, seconds, peakRssMb: { ...sampler.stop(), ...extra?.() }, ...(detail ? { detail: detail(value) } : {}) });
    return value;
  };

  const districts = Array.from({ length: size.districts }, (_, d) => ({ id: `district-${String(d + 1).padStart(2, '0')}`, budget: 5_000_000_00 + d * 250_000_00 }));
  const config: RoundConfig = {
    name: `City round (${ballotType})`,
    currency: 'PLN',
    units: districts.map((d) => ({ id: d.id, name: d.id, kind: 'district' as const, budget: d.budget })),
    schedule: {},
    ballot: ballotType === 'approval' ? { type: 'approval', minPicks: 1, maxPicks: 10 } : { type: 'knapsack', minPicks: 1 },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
  };
  const rnd = mulberry32(ballotType === 'approval' ? 1 : 2);
  const projectsOf = new Map<string, { id: string; cost: number }[]>(districts.map((d) => [d.id, []]));

  const roundId = await phase(
    'setup: round, proposals submitted and accepted',
    async () => {
      const id = await api.createRound(config);
      await api.changePhase(id, 'submission');
      const specs = Array.from({ length: size.projects }, (_, i) => {
        const d = districts[i % districts.length];
        // Costs from 1 % to 30 % of the district's budget, as in the large Polish rounds.
        return { unitId: d.id, cost: Math.round(d.budget * (0.01 + 0.29 * rnd()) / 100) * 100 };
      });
      const ids = await mapPool(specs, 8, (p, i) => api.submitProposal(id, { unitId: p.unitId, title: `Project ${i + 1}`, description: '', estimatedCost: p.cost }));
      await api.changePhase(id, 'review');
      await mapPool(specs, 8, (p, i) => api.acceptProposal(id, ids[i], p.cost, 'city bench'));
      specs.forEach((p, i) => projectsOf.get(p.unitId)!.push({ id: ids[i], cost: p.cost }));
      return id;
    },
    () => `${size.projects} proposals in ${size.districts} districts`,
  );

  const voters = Array.from({ length: size.voters }, (_, i) => ({ identity: `city-${roundId.slice(-8)}-${i}`, unitId: districts[Math.floor(rnd() * districts.length)].id }));
  await phase('roll import', async () => {
    if (!(await registerVoters(api, roundId, voters, 120_000))) throw new Error('the voting service refused the roll');
  }, () => `${size.voters} voters`);
  await phase('open voting', async () => {
    await api.changePhase(roundId, 'voting');
    await api.waitForVotingView(roundId, 'voting', size.projects, 120_000);
  });
  await phase('sign resident tokens (client side)', () => mapPool(voters, 16, (v) => tokens.token(v.identity, ['resident'])));

  const ballotOf = (v: { identity: string; unitId: string }, i: number) => {
    const pick = mulberry32(i + 7);
    const on = projectsOf.get(v.unitId)!;
    const budget = districts.find((d) => d.id === v.unitId)!.budget;
    const choices: string[] = [];
    if (ballotType === 'approval') {
      const k = 1 + Math.floor(pick() * Math.min(10, on.length));
      const set = new Set<string>();
      while (set.size < k) set.add(on[Math.floor(pick() * on.length)].id);
      choices.push(...set);
    } else {
      let spent = 0;
      for (const p of [...on].sort(() => pick() - 0.5)) {
        if (spent + p.cost > budget) continue;
        if (choices.length > 0 && pick() < 0.35) break;
        choices.push(p.id);
        spent += p.cost;
      }
    }
    return { unitId: v.unitId, choices };
  };
  const castStarted = performance.now();
  await phase(
    'cast ballots over HTTP',
    () => mapPool(voters, size.concurrency, (v, i) => api.castBallot(roundId, v.identity, ballotOf(v, i))),
    () => `${size.voters} ballots at concurrency ${size.concurrency}`,
  );
  const as = `"${auditSchema.replace(/"/g, '""')}"`;
  await phase('relay and audit ledger catch up', async () => {
    for (;;) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${as}.ledger_entries WHERE round_id = $1 AND event_type = 'BallotCast'`, [roundId]);
      if ((rows[0] as { n: number }).n >= size.voters) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  const ballotsPerSecond = Math.round(size.voters / ((performance.now() - castStarted) / 1000));
  await phase('close → results declared', async () => {
    await api.changePhase(roundId, 'closed');
    if (!(await waitForResults(api, roundId, 30 * 60_000))) throw new Error('no results declared');
  });
  // The ledger holds the close's events once audit consumed them; the bundle is cut from the latest checkpoint,
  // so it is exported once a checkpoint covers every declaration: a checkpoint signed while the close's events
  // were still arriving cuts the bundle between two BallotsOpened events, and `plaza verify` rightly fails it
  // (ballots that count but are not opened in it).
  const dir = mkdtempSync(join(tmpdir(), 'plaza-city-bundle-'));
  rmSync(dir, { recursive: true });
  let exportPeak = 0;
  await phase(
    'bundle export (plaza audit export)',
    async () => {
      for (const started = Date.now(); ; ) {
        const { rows } = await db.query(
          `SELECT (SELECT count(*)::int FROM ${as}.ledger_entries WHERE round_id = $1 AND event_type = 'ResultsDeclared') AS declared,
                  (SELECT max(index)::bigint FROM ${as}.ledger_entries WHERE round_id = $1) AS last,
                  (SELECT max(size)::bigint FROM ${as}.checkpoints) AS covered`,
          [roundId],
        );
        const r = rows[0] as { declared: number; last: string | null; covered: string | null };
        if (r.declared >= size.districts && r.last !== null && r.covered !== null && Number(r.covered) > Number(r.last)) break;
        if (Date.now() - started > 10 * 60_000) throw new Error(`no checkpoint covers the round's declarations (${r.declared} of ${size.districts} in the ledger)`);
        await new Promise((res) => setTimeout(res, 500));
      }
      for (let attempt = 0; ; attempt++) {
        const r = await runCli(['audit', 'export', roundId, '--out', dir, '--url', auditUrl]);
        exportPeak = Math.max(exportPeak, r.peakMb);
        if (r.code === 0) return;
        // Until a checkpoint covers the declaration the bundle is incomplete: wait for the next one.
        if (attempt >= 120) throw new Error(`plaza audit export failed: ${r.stderr.slice(-2000)}`);
        rmSync(dir, { recursive: true, force: true });
        await new Promise((res) => setTimeout(res, 2000));
      }
    },
    undefined,
    () => ({ 'plaza audit export': exportPeak }),
  );
  let verifyPeak = 0;
  const verified = await phase(
    'plaza verify',
    async () => {
      const r = await runCli(['verify', dir, '--json', '--no-progress']);
      verifyPeak = r.peakMb;
      if (r.code !== 0) process.stderr.write(`[city] plaza verify exited ${r.code}: ${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}\n`);
      return r.code === 0;
    },
    (ok) => (ok ? 'verified' : 'FAILED'),
    () => ({ 'plaza verify': verifyPeak }),
  );
  // A bundle that failed verification is kept for a look (`plaza verify DIR`).
  if (verified) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`[city] the bundle that failed verification is kept in ${dir}\n`);
  return { ballotType, roundId, voters: size.voters, districts: size.districts, projects: size.projects, ballotsPerSecond, verified, phases };
}

async function main(): Promise<void> {
  const size = { voters: int('--voters', 250_000), districts: int('--districts', 20), projects: int('--projects', 400), concurrency: int('--concurrency', 64) };
  const types = (arg('--ballot-types') ?? 'approval,knapsack').split(',').map((t) => t.trim());
  for (const t of types) if (t !== 'approval' && t !== 'knapsack') throw new Error(`--ballot-types: ${t} is not approval or knapsack`);
  const urls: ServiceUrls = {
    proposals: process.env['PROPOSALS_URL'] ?? 'http://127.0.0.1:3001',
    voting: process.env['VOTING_URL'] ?? 'http://127.0.0.1:3002',
    audit: process.env['AUDIT_URL'] ?? 'http://127.0.0.1:3003',
  };
  const key = findDevKey(ROOT, process.env['BENCH_DEV_KEY']);
  if (!key) throw new Error('the city bench signs residents\' tokens with the development key: set BENCH_DEV_KEY');
  const pids = new Map<string, number>([['bench client', process.pid]]);
  for (const part of (process.env['BENCH_PIDS'] ?? '').split(',').filter(Boolean)) {
    const [name, pid] = part.split('=');
    pids.set(name, Number(pid));
  }
  const db = new Client({ connectionString: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test' });
  await db.connect();
  const loadAverage = loadavg().map((x) => Number(x.toFixed(2)));
  const rounds: CityRound[] = [];
  try {
    for (const t of types) {
      // A token cache per round (its voters are its own).
      const tokens = new CachedTokens(new LocalSigner(key.pem));
      const api = new PlazaApi(urls, tokens);
      rounds.push(await cityRound(t as 'approval' | 'knapsack', size, api, tokens, urls.audit ?? '', pids, process.env['BENCH_AUDIT_SCHEMA'] ?? 'audit', db));
    }
  } finally {
    await db.end();
  }
  for (const r of rounds) {
    process.stdout.write(`\ncity round, ${r.ballotType} ballots: ${r.voters} voters, ${r.districts} districts, ${r.projects} projects — ${r.verified ? 'VERIFIED' : 'NOT VERIFIED'}; ballots ${r.ballotsPerSecond}/s cast to ledger\n`);
    process.stdout.write(
      formatTable([
        ['phase', 'seconds  peak resident memory (MB) per process'],
        ...r.phases.map((p): [string, string] => [
          p.name,
          `${String(p.seconds).padStart(7)}  ${Object.entries(p.peakRssMb)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}${p.detail ? `  (${p.detail})` : ''}`,
        ]),
      ]),
    );
  }
  const out = arg('--out');
  const result = { scenario: 'city', size, loadAverageBefore: loadAverage, rounds };
  if (out) writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result) + '\n');
  if (rounds.some((r) => !r.verified)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`[city] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
