#!/usr/bin/env node
'use strict';
// `npm test`: builds (the CLI tests run the compiled `plaza`), makes sure Kafka runs (PostgreSQL must be
// up already: DATABASE_URL or 127.0.0.1:5432), then runs every jest tier: unit, int and e2e.
// Extra arguments go to jest, e.g. `npm test -- --selectProjects unit`.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { root, ensureKafka, stopKafka } = require('./lib');

async function main() {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const startedKafka = await ensureKafka();
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const args = [jest, '--forceExit', '--maxWorkers=2', ...process.argv.slice(2)];
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env } });
  if (startedKafka && !process.env.PLAZA_KEEP_KAFKA) stopKafka();
  process.exit(run.status ?? 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
