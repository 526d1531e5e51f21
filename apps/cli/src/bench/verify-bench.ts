// `plaza verify` benchmark: a synthetic one-round bundle of BENCH_VERIFY_ENTRIES ledger entries (default
// 1,000,000: registrations, ~1M approval ballots, close, openings and declaration), verified end to end in a
// child process (hashes, roots, signatures, consistency proofs, replay, every opening against its commitment,
// and the recount) so its peak memory is its own, then the raw SHA-256 rate of node:crypto over the same bytes
// in the same child, for comparison. CPU time (all threads: the verifier hashes on a worker) is printed beside
// wall time, since the machine is shared.
//
// The same run also verifies the previous shape of the bundle (ballots unsealed, BallotCast v1 with the choices
// in the clear, no openings: what every bundle was before sealed ballots) of the same entry count, so the cost of
// checking the openings is the difference of two figures measured side by side.
//
//   npm run build && node dist/apps/cli/src/bench/verify-bench.js [--entries N] [--dir DIR]
//
// The bundles are generated once into DIR-sealed and DIR-unsealed (default DIR: <tmpdir>/plaza-verify-bench-<N>)
// and reused. Prints a readable report, then one JSON line with the figures (the sealed bundle's at the top
// level, the unsealed one's under `unsealed`).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLedgerKeyPair, leafHash } from '@plaza/ledger';
import { LEDGER_FILE, MANIFEST_FILE, parseLedgerLine } from '@plaza/bundle';
import { syntheticRound, writeSyntheticBundle } from '@plaza/bundle';
import { verifyBundle } from '@plaza/bundle';

const PROPOSALS = 8;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * Voters that make the synthetic round exactly `entries` long (see syntheticRound: 23 fixed events, one
 * registration event per 1000 voters, and when sealed one BallotsOpened per 1000 ballots).
 */
function votersFor(entries: number, sealed: boolean): number {
  const fixed = 7 + 2 * PROPOSALS;
  const perThousand = sealed ? 2 : 1;
  let voters = entries - fixed;
  while (voters + perThousand * Math.ceil(voters / 1000) + fixed > entries) voters--;
  return voters;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Reads a file in 4 MiB chunks, calling `onLine` with each line's bytes (without the newline). */
function eachLine(path: string, onLine: (line: Buffer) => void): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(4 << 20);
  let carry: Buffer | undefined;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let chunk = buf.subarray(0, n);
      if (carry) {
        chunk = Buffer.concat([carry, chunk]);
        carry = undefined;
      }
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl < 0) break;
        onLine(chunk.subarray(from, nl));
        from = nl + 1;
      }
      if (from < chunk.length) carry = Buffer.from(chunk.subarray(from));
    }
  } finally {
    closeSync(fd);
  }
}

async function child(dir: string): Promise<void> {
  const samples: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const report = await verifyBundle(dir, {
    onProgress: (read) => {
      if (read >= next) {
        samples.push(mb(process.memoryUsage().rss));
        next = read + (64 << 20);
      }
    },
  });
  const verifyMs = Number(process.hrtime.bigint() - started) / 1e6;
  // The machine is shared: CPU time says what the verifier itself spent, whatever else ran beside it.
  const cpu = process.cpuUsage(cpuBefore);
  const verifyCpuMs = Math.round((cpu.user + cpu.system) / 1000);
  const peakRssMb = mb(process.resourceUsage().maxRSS * 1024);

  // The same leaf bytes, hashed with nothing else going on: the floor any verifier of this bundle pays.
  const path = join(dir, LEDGER_FILE);
  const lines: Buffer[] = [];
  let leaves = 0;
  let leafBytes = 0;
  let hashMs = 0;
  const flush = () => {
    const t = process.hrtime.bigint();
    for (const l of lines) leafHash(l);
    hashMs += Number(process.hrtime.bigint() - t) / 1e6;
    lines.length = 0;
  };
  eachLine(path, (line) => {
    const text = line.toString('latin1');
    const p = parseLedgerLine(text);
    if (p.ok && p.canonical !== undefined) {
      const canonical = line.subarray(line.length - 1 - p.canonical.length, line.length - 1);
      lines.push(Buffer.from(canonical));
      leaves++;
      leafBytes += canonical.length;
      if (lines.length === 50_000) flush();
    }
  });
  flush();
  const fileBytes = statSync(path).size;
  const bulk = createHash('sha256');
  const t = process.hrtime.bigint();
  eachLine(path, (line) => bulk.update(line));
  bulk.digest();
  const bulkMs = Number(process.hrtime.bigint() - t) / 1e6;

  process.stdout.write(
    JSON.stringify({
      ok: report.ok,
      failure: report.failure,
      entries: report.ledger.entries,
      roundEntries: report.ledger.roundEntries,
      checkpoints: report.ledger.checkpointsVerified,
      ballotsCounted: report.round?.counted,
      verifyMs: Math.round(verifyMs),
      verifyCpuMs,
      timings: report.timings,
      entriesPerSecond: Math.round(report.ledger.entries / (verifyMs / 1000)),
      peakRssMb,
      rssSamplesMb: samples,
      bundleMb: mb(fileBytes),
      rawLeafSha256: { leaves, ms: Math.round(hashMs), leavesPerSecond: Math.round(leaves / (hashMs / 1000)), mbPerSecond: Math.round(mb(leafBytes) / (hashMs / 1000)) },
      rawBulkSha256: { ms: Math.round(bulkMs), mbPerSecond: Math.round(mb(fileBytes) / (bulkMs / 1000)) },
    }) + '\n',
  );
}

interface ChildFigures {
  ok: boolean;
  entries: number;
  verifyMs: number;
  verifyCpuMs: number;
  timings: { ledgerMs: number; recountMs: number };
  entriesPerSecond: number;
  peakRssMb: number;
  rssSamplesMb: number[];
  bundleMb: number;
  checkpoints: number;
  rawLeafSha256: { leavesPerSecond: number; mbPerSecond: number; ms: number };
  rawBulkSha256: { mbPerSecond: number; ms: number };
}

/** Generates the bundle into `dir` unless it is there, and verifies it in a child process. */
async function measure(dir: string, entries: number, sealed: boolean): Promise<ChildFigures & { generatedMs?: number }> {
  let generatedMs: number | undefined;
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    rmSync(dir, { recursive: true, force: true });
    const t = Date.now();
    process.stdout.write(`[verify-bench] generating a ${entries}-entry ${sealed ? 'sealed' : 'unsealed'} bundle in ${dir} (once; reused afterwards)\n`);
    const events = syntheticRound({ voters: votersFor(entries, sealed), proposals: PROPOSALS, seed: 42, sealed });
    const first = events.next();
    if (first.done) throw new Error('empty round');
    const all = (function* () {
      yield first.value;
      yield* events;
    })();
    const written = await writeSyntheticBundle(dir, first.value.roundId, all, { keys: generateLedgerKeyPair(), checkpointEvery: 1000 });
    generatedMs = Date.now() - t;
    process.stdout.write(`[verify-bench] generated ${written.entries} entries, ${written.checkpoints} checkpoints in ${(generatedMs / 1000).toFixed(1)} s\n`);
  }
  const run = spawnSync(process.execPath, [__filename, '--child', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`verification child exited with ${run.status}`);
  return { generatedMs, ...(JSON.parse(run.stdout.trim().split('\n').pop() as string) as ChildFigures) };
}

function report(label: string, r: ChildFigures): string[] {
  return [
    `[verify-bench] plaza verify, ${label}, ${r.entries.toLocaleString('en')} entries (${r.bundleMb} MB ledger.jsonl, ${r.checkpoints} checkpoints): ${r.ok ? 'VERIFIED' : 'FAILED'}`,
    `[verify-bench]   end to end      ${(r.verifyMs / 1000).toFixed(2)} s (CPU ${(r.verifyCpuMs / 1000).toFixed(2)} s)  ${r.entriesPerSecond.toLocaleString('en')} entries/s  peak RSS ${r.peakRssMb} MB  (goal: under 10 s)`,
    `[verify-bench]   streaming (hashes, roots, signatures, replay) ${(r.timings.ledgerMs / 1000).toFixed(2)} s; openings, recount, derived files and manifest ${(r.timings.recountMs / 1000).toFixed(2)} s`,
    `[verify-bench]   RSS every 64 MB read: ${r.rssSamplesMb.join(', ')} MB`,
    `[verify-bench]   raw SHA-256     ${r.rawLeafSha256.leavesPerSecond.toLocaleString('en')} leaves/s (${r.rawLeafSha256.mbPerSecond} MB/s, ${r.rawLeafSha256.ms} ms) one hash per leaf; ${r.rawBulkSha256.mbPerSecond} MB/s over the whole file`,
  ];
}

async function main(): Promise<void> {
  const childDir = arg('--child');
  if (childDir) return child(childDir);
  const entries = Number(arg('--entries') ?? process.env['BENCH_VERIFY_ENTRIES'] ?? 1_000_000);
  const dir = arg('--dir') ?? join(tmpdir(), `plaza-verify-bench-${entries}`);
  const unsealed = await measure(`${dir}-unsealed`, entries, false);
  const sealed = await measure(`${dir}-sealed`, entries, true);
  const lines = [
    ...report('sealed ballots with openings', sealed),
    ...report('previous shape: unsealed ballots, no openings', unsealed),
    `[verify-bench]   checking the openings: ${((sealed.verifyMs - unsealed.verifyMs) / 1000).toFixed(2)} s more end to end (CPU ${((sealed.verifyCpuMs - unsealed.verifyCpuMs) / 1000).toFixed(2)} s), same run`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  // verify1MSeconds: the sealed bundle's end-to-end wall seconds, named for the default 1,000,000 entries.
  const seconds = Number((sealed.verifyMs / 1000).toFixed(2));
  const named = entries === 1_000_000 ? { verify1MSeconds: seconds, verify1MCpuSeconds: Number((sealed.verifyCpuMs / 1000).toFixed(2)) } : {};
  process.stdout.write(JSON.stringify({ bench: 'verify', verifySeconds: seconds, ...named, ...sealed, unsealed }) + '\n');
  if (!sealed.ok || !unsealed.ok) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`verify-bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
