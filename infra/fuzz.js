#!/usr/bin/env node
'use strict';
// `npm run fuzz`: the OpenAPI-driven fuzz run (test/e2e/fuzz.e2e-spec.ts) at full size. It starts the three
// services in-process on fresh schemas and topics (as the e2e tests do; PostgreSQL must be up, Kafka is started
// when none runs), sends FUZZ_REQUESTS (10000) malformed requests generated from their OpenAPI documents with
// seed FUZZ_SEED (fixed by default, so a run is reproducible), prints the status histogram and writes every
// failure with a reproducing curl to FUZZ_OUT (test-results/fuzz/seed-<seed>.txt). Exit code 1 on any failure.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { root, ensureKafka, stopKafka } = require('./lib');

async function main() {
  const startedKafka = await ensureKafka();
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const args = [jest, '--forceExit', '--selectProjects', 'e2e', '--runTestsByPath', 'test/e2e/fuzz.e2e-spec.ts', ...process.argv.slice(2)];
  const env = { ...process.env, FUZZ_REQUESTS: process.env.FUZZ_REQUESTS ?? '10000' };
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
  if (startedKafka && !process.env.PLAZA_KEEP_KAFKA) stopKafka();
  process.exit(run.status ?? 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
