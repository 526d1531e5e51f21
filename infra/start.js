#!/usr/bin/env node
'use strict';
// `npm start`: builds, starts Kafka (unless KAFKA_BROKERS names one), starts the proposals, voting and
// audit services (each migrates its own schema first), waits until they are ready and prints their URLs.
// Ctrl-C stops the services, then the broker if this script started it.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const { root, ensureKafka, stopKafka } = require('./lib');

const services = [
  { name: 'proposals', port: Number(process.env.PROPOSALS_PORT ?? 3001) },
  { name: 'voting', port: Number(process.env.VOTING_PORT ?? 3002) },
  { name: 'audit', port: Number(process.env.AUDIT_PORT ?? 3003) },
];

const children = [];
let stopping = false;
let startedKafka = false;

function log(message) {
  process.stdout.write(`[plaza] ${message}\n`);
}

async function waitReady(service, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const url = `http://127.0.0.1:${service.port}/health/ready`;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (service.exited) throw new Error(`${service.name} exited during start (code ${service.exitCode})`);
    if (Date.now() > deadline) throw new Error(`${service.name} not ready after ${timeoutMs / 1000} s (${url})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('stopping services…');
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  if (startedKafka) stopKafka();
  process.exit(code);
}

async function main() {
  log('building…');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  startedKafka = await ensureKafka();
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  for (const service of services) {
    const main = path.join(root, 'dist', 'apps', service.name, 'src', 'main.js');
    const child = spawn(process.execPath, ['--enable-source-maps', main], {
      cwd: root,
      env: { ...process.env, PORT: String(service.port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code) => {
      service.exited = true;
      service.exitCode = code;
      if (!stopping) {
        log(`${service.name} exited with code ${code}; stopping the rest`);
        shutdown(1);
      }
    });
    children.push(child);
  }
  await Promise.all(services.map((s) => waitReady(s)));
  log('ready:');
  for (const s of services) log(`  ${s.name.padEnd(10)} http://127.0.0.1:${s.port}   (OpenAPI: http://127.0.0.1:${s.port}/docs)`);
  log('Ctrl-C stops everything.');
}

main().catch((error) => {
  console.error(`[plaza] ${error.message}`);
  shutdown(1);
});
