#!/usr/bin/env node
'use strict';
// `npm test`: checks the machine (Node, and the JDK and Maven when a broker must be started), builds (the CLI
// tests run the compiled `plaza`), finds or starts PostgreSQL (DATABASE_URL, a server on 127.0.0.1:5432, else an
// embedded one in .plaza/postgres) and Kafka, then runs every jest tier: unit, int and e2e.
// Extra arguments go to jest, e.g. `npm test -- --selectProjects unit`.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const { runChecks, formatCheck } = require('./checks');
const { root, ensureKafka, stopKafka, ensureDatabase } = require('./lib');

async function main() {
  const problems = (await runChecks({ forStart: true, ports: false })).filter((r) => !r.ok);
  if (problems.length > 0) {
    console.error('npm test cannot run yet:');
    for (const p of problems) console.error(formatCheck(p));
    process.exit(1);
  }
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const database = await ensureDatabase({ database: 'test', log: (m) => console.log(`[plaza] ${m}`) });
  console.log(`[plaza] database: ${database.description}`);
  const startedKafka = await ensureKafka();
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const args = [jest, '--forceExit', '--maxWorkers=2', ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env } });
  // Ctrl-C reaches jest too; wait for it, then stop what this run started.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  const code = await new Promise((resolve) => child.once('exit', (status) => resolve(status ?? 1)));
  await database.stop();
  if (startedKafka && !process.env.PLAZA_KEEP_KAFKA) stopKafka();
  process.exit(code);
}

main().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
