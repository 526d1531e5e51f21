import 'reflect-metadata';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLedgerKeyPair } from '@plaza/ledger';
import { syntheticRound, verifyBundle, writeSyntheticBundle } from '@plaza/bundle';
import { memoryBundleSource } from './sources';
import { verifyBundleInBrowser } from './verifier';

// Timing of the browser verifier (run here on Node's WebCrypto) against `plaza verify` on a demo-sized bundle:
//   PLAZA_VERIFY_BENCH=1 npx jest apps/web/ui/src/verify/verifier.bench
// PLAZA_VERIFY_BENCH_VOTERS (6500) voters, PLAZA_VERIFY_BENCH_OTHERS (5) other rounds' entries before each of the
// round's, a checkpoint every 1,000 entries; PLAZA_VERIFY_BENCH_DIR keeps the bundle (reused when present).
const run = process.env.PLAZA_VERIFY_BENCH ? it : it.skip;

run('verifies a demo-sized bundle as fast as plaza verify, give or take', async () => {
  const voters = Number(process.env.PLAZA_VERIFY_BENCH_VOTERS ?? 6500);
  const others = Number(process.env.PLAZA_VERIFY_BENCH_OTHERS ?? 5);
  const keep = process.env.PLAZA_VERIFY_BENCH_DIR;
  const dir = keep ?? join(mkdtempSync(join(tmpdir(), 'plaza-verify-bench-')), 'bundle');
  if (!existsSync(join(dir, 'manifest.json'))) {
    const events = [...syntheticRound({ voters, proposals: 20, seed: 5 })];
    await writeSyntheticBundle(dir, events[0].roundId, events, { keys: generateLedgerKeyPair(), othersBetween: others, checkpointEvery: 1000 });
  }
  const files = new Map(readdirSync(dir).map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
  // Wall time, and CPU time of the process (all threads): the machine may be shared.
  const time = async <T>(f: () => Promise<T>) => {
    const t = performance.now();
    const c0 = process.cpuUsage();
    const r = await f();
    const c = process.cpuUsage(c0);
    return { r, ms: `${Math.round(performance.now() - t)} ms (CPU ${Math.round((c.user + c.system) / 1000)} ms)` };
  };
  const rows: string[] = [];
  for (let round = 0; round < 2; round++) {
    const node = await time(() => verifyBundle(dir));
    const inline = await time(() => verifyBundle(dir, { worker: false }));
    const web = await time(() => verifyBundleInBrowser(memoryBundleSource(files)));
    expect(node.r.ok && inline.r.ok && web.r.ok).toBe(true);
    rows.push(
      `run ${round + 1}: ${web.r.counts.entries} entries (${web.r.counts.roundEntries} of the round, ${web.r.counts.checkpoints} checkpoints): ` +
        `plaza verify ${node.ms} with its hashing worker, ${inline.ms} on one thread; browser verifier ${web.ms} ` +
        `(ledger ${Math.round(web.r.timings.ledgerMs)} ms, recount ${Math.round(web.r.timings.recountMs)} ms)`,
    );
  }
  console.log(rows.join('\n'));
  if (!keep) rmSync(join(dir, '..'), { recursive: true, force: true });
}, 600_000);
