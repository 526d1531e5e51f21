/**
 * `npm run faults`: a real election per scenario through the services on the suite's own three-broker Kafka
 * cluster and PostgreSQL, with one fault injected while the ballots flow (then all of them mixed), and after each:
 * every accepted ballot in the voting store once and in the ledger once, the declared result equal to the audit
 * recount, the audit bundle verified, no client-visible error. Prints the table and, with --write, puts it in
 * docs/reliability.md with the command that produced it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, Lab, MIXED, runScenario, SCENARIOS, type ScenarioResult } from './suite';

const ROOT = join(__dirname, '..', '..', '..', '..', '..');
const BEGIN = '<!-- faults:begin -->';
const END = '<!-- faults:end -->';

function int(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      ballots: { type: 'string', default: '100000' },
      units: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '32' },
      instances: { type: 'string', default: '2' },
      scenarios: { type: 'string' },
      'kafka-port': { type: 'string', default: '19292' },
      'pg-port': { type: 'string', default: '19281' },
      'service-port': { type: 'string', default: '19271' },
      dir: { type: 'string' },
      write: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run faults -- [--ballots N] [--units N] [--concurrency N] [--instances N] [--scenarios a,b,…] [--write] [--keep]\n' +
        `scenarios: ${[...SCENARIOS, MIXED].map((s) => s.name).join(', ')}\n`,
    );
    return 0;
  }
  const all = [...SCENARIOS, MIXED];
  const instances = int(values.instances!, '--instances');
  const log = (line: string) => process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  // Without --scenarios: every scenario the layout can run (one that needs two instances is skipped with one).
  const fits = (s: (typeof all)[number]) => Object.values(s.needs ?? {}).every((n) => n <= instances);
  const chosen = values.scenarios ? values.scenarios.split(',').map((n) => all.find((s) => s.name === n.trim()) ?? fail(`no scenario ${n}`)) : all.filter(fits);
  for (const s of all) if (!values.scenarios && !fits(s)) log(`${s.name} skipped: it needs more than --instances ${instances}`);
  const options = { ballots: int(values.ballots!, '--ballots'), units: int(values.units!, '--units'), concurrency: int(values.concurrency!, '--concurrency'), injectAt: 0.3 };
  const workDir = values.dir ?? join(tmpdir(), `plaza-faults-${process.pid}`);
  const lab = new Lab({
    root: ROOT,
    workDir,
    kafkaPort: int(values['kafka-port']!, '--kafka-port'),
    pgPort: int(values['pg-port']!, '--pg-port'),
    servicePort: int(values['service-port']!, '--service-port'),
    instances: { proposals: instances, voting: instances, audit: instances },
    log,
  });
  const stopping = () => {
    log('interrupted: stopping the lab');
    interrupted = lab.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);
  const results: ScenarioResult[] = [];
  const started = Date.now();
  try {
    await lab.start();
    for (const scenario of chosen) {
      try {
        results.push(await runScenario(lab, scenario, options));
      } catch (error) {
        log(`${scenario.name}: the run itself failed: ${(error as Error).stack}`);
        results.push({ scenario: scenario.name, sent: options.ballots, accepted: 0, lost: 0, duplicated: 0, clientErrors: 0, retried: 0, recoverySeconds: 0, recount: 'not reached', bundle: 'not reached', ok: false, elapsedSeconds: 0, notes: [(error as Error).message] });
      }
    }
  } finally {
    await lab.stop();
    if (!values.keep) rmSync(workDir, { recursive: true, force: true });
  }
  const table = formatTable(results);
  const command = `npm run faults -- ${process.argv.slice(2).filter((a) => a !== '--write').join(' ')}`.trim();
  process.stdout.write(`${table}\n`);
  for (const r of results) for (const n of r.notes) process.stdout.write(`  ${r.scenario}: ${n}\n`);
  const minutes = Math.round((Date.now() - started) / 60_000);
  if (values.write) writeDocs(table, results, command, minutes);
  return results.every((r) => r.ok) ? 0 : 1;
}

function fail(message: string): never {
  throw new Error(message);
}

function writeDocs(table: string, results: readonly ScenarioResult[], command: string, minutes: number): void {
  const file = join(ROOT, 'docs', 'reliability.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `${BEGIN}\n${END}\n`;
  const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const notes = results.flatMap((r) => r.notes.map((n) => `- ${r.scenario}: ${n}`));
  const block = [
    BEGIN,
    `Produced by \`${command}\` on ${at} UTC (${minutes} min; ${results.filter((r) => r.ok).length} of ${results.length} scenarios passed every check).`,
    '',
    table,
    ...(notes.length ? ['', ...notes] : []),
    END,
  ].join('\n');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  writeFileSync(file, a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : `${text}\n${block}\n`);
}

/** Set by SIGINT/SIGTERM: the lab is being stopped, and the process exits once it is. */
let interrupted: Promise<unknown> | undefined;

main().then(
  async (code) => {
    await interrupted;
    process.exit(code);
  },
  async (error: Error) => {
    process.stderr.write(`npm run faults: ${error.stack ?? error.message}\n`);
    await interrupted;
    process.exit(2);
  },
);
