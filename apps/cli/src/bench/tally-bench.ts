// Tally benchmark (not a test): parse time as the baseline, then each rule, on the largest Pabulib fixtures.
// Usage: npm run bench:tally [-- --files a.pb,b.pb] [--rules greedy,equalshares/add1] [--repeat 5]
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parsePb, toElection } from '@plaza/pabulib';
import { fromPabulib, RULE_NAMES, tally, type RuleName, type RuleOptions } from '@plaza/tally';

const DEFAULT_FILES = ['Poland_Warszawa_2026.pb', 'Poland_Krakow_2024.pb', 'Poland_Wroclaw_2024.pb', 'Hungary_Budapest_2024.pb'];
const FIXTURES = join(__dirname, '..', '..', '..', '..', '..', 'test', 'fixtures', 'pabulib');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Wall-clock ms and this process's CPU ms (user + system): on a shared machine the CPU time is the steadier one. */
function time<T>(fn: () => T): [T, number, number] {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return [value, wall, (c.user + c.system) / 1000];
}

const cell = (wall: number, cpu: number) => `${wall.toFixed(1).padStart(10)} ${cpu.toFixed(1).padStart(10)}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const files = arg('files')?.split(',') ?? DEFAULT_FILES;
  const rules = (arg('rules')?.split(',') ?? [...RULE_NAMES]) as RuleName[];
  const repeat = Number(arg('repeat') ?? '3');
  console.log(`node ${process.version}; times in ms (wall, CPU); parse = read + parsePb + toElection (median of ${repeat});`);
  console.log(`each rule: tally() from the converted instance (includes grouping ballots), median of ${repeat} runs for rules`);
  console.log(`under 1 s, else one run. Load average now: ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  // Seconds (wall, median as above) of equalshares/add1 per file: the last line, JSON, read by infra/bench.js.
  const tallyAdd1Seconds: Record<string, number> = {};
  // The same in CPU seconds of this process: steadier than wall time when the machine is shared.
  const tallyAdd1CpuSeconds: Record<string, number> = {};
  for (const file of files) {
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    const parses: number[] = [];
    const parsesCpu: number[] = [];
    let election = toElection(parsePb(text));
    for (let k = 0; k < repeat; k++) {
      const [e, ms, cpu] = time(() => toElection(parsePb(readFileSync(join(FIXTURES, file), 'utf8'))));
      election = e;
      parses.push(ms);
      parsesCpu.push(cpu);
    }
    const [t, convertMs, convertCpu] = time(() => fromPabulib(election));
    console.log(
      `${file}: ${t.profile.ballots.length} voters, ${t.instance.projects.length} projects, ${t.profile.type}, META rule ${t.metaRule}`,
    );
    console.log(`  ${''.padEnd(30)} ${'wall'.padStart(10)} ${'cpu'.padStart(10)}`);
    console.log(`  ${'parse (baseline)'.padEnd(30)} ${cell(median(parses), median(parsesCpu))}`);
    console.log(`  ${'convert to tally instance'.padEnd(30)} ${cell(convertMs, convertCpu)}`);
    const threshold = t.rule.name !== undefined ? t.rule.options.threshold : undefined;
    for (const rule of rules) {
      if (rule === 'greedy-threshold' && threshold === undefined) continue;
      const options: RuleOptions = rule === 'greedy-threshold' ? { threshold } : {};
      const runs: number[] = [];
      const cpus: number[] = [];
      let selected = 0;
      let steps: number | undefined;
      for (let k = 0; k < repeat; k++) {
        const [r, ms, cpu] = time(() => tally(t.instance, t.profile, rule, options));
        runs.push(ms);
        cpus.push(cpu);
        selected = r.selected.length;
        steps = r.explanation.add1Steps;
        if (ms > 1000) break;
      }
      if (rule === 'equalshares/add1') {
        tallyAdd1Seconds[file] = Number((median(runs) / 1000).toFixed(3));
        tallyAdd1CpuSeconds[file] = Number((median(cpus) / 1000).toFixed(3));
      }
      const extra = steps !== undefined ? `, ${steps} Add1 raises` : '';
      console.log(`  ${rule.padEnd(30)} ${cell(median(runs), median(cpus))}   (${selected} selected${extra})`);
    }
    console.log('');
  }
  if (Object.keys(tallyAdd1Seconds).length > 0) console.log(JSON.stringify({ tallyAdd1Seconds, tallyAdd1CpuSeconds }));
}

main();
