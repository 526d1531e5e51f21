// Times parsePb, toElection and writePb once on each file named on the command line. Give one file per process to
// get cold-start figures (JIT warm-up and GC included, as a real import pays them). Run (from the repo root):
//   npx tsc --outDir /tmp/pabulib-bench --rootDir libs/pabulib --module commonjs --target ES2022 --strict \
//     --skipLibCheck --types node libs/pabulib/bench/parse-bench.ts
//   node /tmp/pabulib-bench/bench/parse-bench.js test/fixtures/pabulib/Poland_Krakow_2024.pb ...
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parsePb, toElection, writePb } from '../src';

for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, 'utf8');
  const t0 = performance.now();
  const doc = parsePb(text);
  const t1 = performance.now();
  const election = toElection(doc);
  const t2 = performance.now();
  const written = writePb(doc);
  const t3 = performance.now();
  const mb = (statSync(path).size / 1e6).toFixed(2);
  console.log(
    `${basename(path)}: ${mb} MB, ${election.votes.length} votes, parsePb ${(t1 - t0).toFixed(1)} ms, ` +
      `toElection ${(t2 - t1).toFixed(1)} ms, writePb ${(t3 - t2).toFixed(1)} ms, byte-exact ${written === text}`,
  );
}
