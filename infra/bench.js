#!/usr/bin/env node
'use strict';
// `npm run bench`: builds, makes sure Kafka runs (PostgreSQL must be up: DATABASE_URL or 127.0.0.1:5432), starts the
// proposals, voting and audit services as separate processes the way `npm start` does (own ports, fresh schemas
// and topic prefix, an ephemeral development key pair), then runs
//   dist/apps/cli/src/bench/ballots-bench.js   ballots over HTTP + Kafka and PostgreSQL baselines + CPU profile
//   dist/apps/cli/src/bench/tally-bench.js     (when it exists)
//   dist/apps/cli/src/bench/verify-bench.js    (when it exists)
// prints a table and writes bench-results/bench-<time>.json. With PROPOSALS_URL, VOTING_URL and AUDIT_URL set it
// uses those services instead (then BENCH_VOTING_SCHEMA / BENCH_AUDIT_SCHEMA name their schemas, and
// BENCH_DEV_KEY or .plaza/dev-auth/ their signing key). BENCH_BALLOTS (20000), BENCH_CONCURRENCY (64),
// BENCH_SKIP=ballots,kafka,pg,tally,verify skip parts.
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root, ensureKafka, stopKafka } = require('./lib');

const log = (message) => process.stdout.write(`[bench] ${message}\n`);
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

async function waitReady(service, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${service.url}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (service.exited) throw new Error(`${service.name} exited during start (code ${service.exitCode}); its log: ${service.logFile}`);
    if (Date.now() > deadline) throw new Error(`${service.name} not ready after ${timeoutMs / 1000} s (${service.url}); its log: ${service.logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function runNode(script, args, env) {
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--enable-source-maps', script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: run.status, stdout: run.stdout ?? '', seconds: (Date.now() - started) / 1000 };
}

/** The last JSON object a bench printed on stdout, if it printed one. */
function lastJson(text) {
  const trimmed = text.trim();
  for (let i = trimmed.lastIndexOf('\n{'); ; i = trimmed.lastIndexOf('\n{', i - 1)) {
    const start = i < 0 ? trimmed.indexOf('{') : i + 1;
    if (start < 0) return undefined;
    try {
      return JSON.parse(trimmed.slice(start));
    } catch {
      if (i < 0) return undefined;
    }
  }
}

/** Self time per package (or file of ours) from a V8 .cpuprofile: where a service spends its CPU. */
function summariseProfile(name, dir) {
  if (!fs.existsSync(dir)) return;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    const dt = profile.timeDeltas;
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      const url = node.callFrame.url || '';
      const fn = node.callFrame.functionName || '(anonymous)';
      const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
      const key = pkg
        ? pkg[1]
        : url.includes('/dist/')
          ? `plaza ${url.split('/dist/')[1].replace(/\.js$/, '')}`
          : url.startsWith('node:')
            ? url
            : fn.startsWith('(') ? fn : `${fn} ${url}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
    });
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
    log(`${name} CPU profile (${(total / 1e6).toFixed(1)} s sampled, self time):`);
    for (const [k, us] of top) log(`  ${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
  }
}

async function cleanup(schemas, prefix) {
  try {
    const { Client } = require('pg');
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    for (const s of schemas) await db.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await db.end();
  } catch (error) {
    log(`could not drop the bench schemas: ${error.message}`);
  }
  try {
    const { KafkaAdmin } = require(path.join(root, 'dist', 'libs', 'kafka', 'src'));
    const admin = new KafkaAdmin({ brokers: brokers.split(','), clientId: 'plaza-bench-cleanup' });
    await admin.deleteTopics(['proposals', 'voting', 'audit'].map((p) => `${prefix}.${p}.events`)).catch(() => undefined);
    await admin.disconnect();
  } catch (error) {
    log(`could not delete the bench topics: ${error.message}`);
  }
}

// ---- projection rebuild (i11-rebuild) -----------------------------------------------------------------------
/** Runs dist/apps/audit/src/bench/rebuild-bench.js; its JSON line becomes `rebuildBench`, its speed `projectionRebuildEventsPerSecond`. */
function runRebuildBench(env) {
  const script = path.join(root, 'dist', 'apps', 'audit', 'src', 'bench', 'rebuild-bench.js');
  log('projection rebuild bench (1,000,000 ledger entries)…');
  const r = runNode(script, process.env.BENCH_REBUILD_EVENTS ? ['--events', process.env.BENCH_REBUILD_EVENTS] : [], env);
  process.stdout.write(r.stdout);
  const json = lastJson(r.stdout);
  if (json) log(`projection rebuild: ${json.events} events in ${json.seconds} s = ${json.projectionRebuildEventsPerSecond} events/s (goal: 1,000,000 in under 30 s)`);
  return { rebuildBench: { exitCode: r.status, seconds: r.seconds, json }, projectionRebuildEventsPerSecond: json?.projectionRebuildEventsPerSecond ?? null };
}
// ---- end projection rebuild --------------------------------------------------------------------------------

async function main() {
  log('building…');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const startedKafka = await ensureKafka();

  const external = process.env.PROPOSALS_URL && process.env.VOTING_URL && process.env.AUDIT_URL;
  const run = crypto.randomBytes(4).toString('hex');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-bench-'));
  const children = [];
  const services = [];
  const benchEnv = {};
  const prefix = `plazabench${run}`;
  let ok = false;
  try {
    if (external) {
      log(`using the services at ${process.env.PROPOSALS_URL}, ${process.env.VOTING_URL}, ${process.env.AUDIT_URL}`);
    } else {
      // Ephemeral development keys, handed over as `npm start` hands over its own: proposals (dev identity provider)
      // signs with the dev key, voting and audit verify it; voting alone holds its voting-code key. The bench signs
      // residents' tokens with the dev key.
      const pair = crypto.generateKeyPairSync('ed25519');
      const keyFile = path.join(tmp, 'dev-signing-key.pem');
      fs.writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const codeKeyPem = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const basePort = Number(process.env.BENCH_BASE_PORT ?? 3101);
      for (const [i, name] of ['proposals', 'voting', 'audit'].entries()) {
        const service = { name, port: basePort + i, schema: `bench_${name}_${run}`, logFile: path.join(tmp, `${name}.log`) };
        service.url = `http://127.0.0.1:${service.port}`;
        const env = {
          ...process.env,
          PORT: String(service.port),
          DB_SCHEMA: service.schema,
          DATABASE_URL: databaseUrl,
          KAFKA_BROKERS: brokers,
          KAFKA_TOPIC_PREFIX: prefix,
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
          // Least privilege as under `npm start`: only proposals holds the dev key, only voting the voting-code key.
          ...(name === 'proposals' ? { AUTH_SIGNING_KEY_FILE: keyFile } : { AUTH_PUBLIC_KEY: publicPem }),
          ...(name === 'voting' ? { AUTH_VOTING_CODE_KEY: codeKeyPem } : {}),
          ...(name === 'proposals' ? { AUTH_DEV_IDP: 'true' } : {}),
        };
        delete env.AUTH_SIGNING_KEY;
        if (name !== 'proposals') delete env.AUTH_SIGNING_KEY_FILE;
        if (name === 'proposals') delete env.AUTH_PUBLIC_KEY;
        if (name !== 'voting') delete env.AUTH_VOTING_CODE_KEY;
        delete env.AUTH_VOTING_CODE_KEY_FILE;
        const out = fs.openSync(service.logFile, 'a');
        // BENCH_CPU_PROF=1: V8 CPU profiles of each service, written when it stops (summarised below).
        const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(tmp, `${name}-prof`)}`] : [];
        const child = spawn(process.execPath, ['--enable-source-maps', ...prof, path.join(root, 'dist', 'apps', name, 'src', 'main.js')], {
          cwd: root,
          env,
          stdio: ['ignore', out, out],
        });
        child.on('exit', (code) => {
          service.exited = true;
          service.exitCode = code;
        });
        service.pid = child.pid;
        children.push(child);
        services.push(service);
      }
      await Promise.all(services.map((s) => waitReady(s)));
      log(`services ready: ${services.map((s) => `${s.name} ${s.url} (pid ${s.pid})`).join(', ')}; logs in ${tmp}`);
      Object.assign(benchEnv, {
        PROPOSALS_URL: services[0].url,
        VOTING_URL: services[1].url,
        AUDIT_URL: services[2].url,
        BENCH_VOTING_SCHEMA: services[1].schema,
        BENCH_AUDIT_SCHEMA: services[2].schema,
        BENCH_PIDS: services.map((s) => `${s.name}=${s.pid}`).join(','),
        BENCH_DEV_KEY: keyFile,
        AUTH_SIGNING_KEY_FILE: keyFile,
      });
    }

    const results = { startedAt: new Date().toISOString(), machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version } };
    const ballotsOut = path.join(tmp, 'ballots.json');
    log('ballots over HTTP, then the Kafka and PostgreSQL baselines…');
    const ballots = runNode(path.join(root, 'dist', 'apps', 'cli', 'src', 'bench', 'ballots-bench.js'), ['--out', ballotsOut], benchEnv);
    process.stdout.write(ballots.stdout);
    results.ballotsBench = fs.existsSync(ballotsOut) ? JSON.parse(fs.readFileSync(ballotsOut, 'utf8')) : { error: `exit code ${ballots.status}` };

    for (const [name, file] of [
      ['tally', 'tally-bench.js'],
      ['verify', 'verify-bench.js'],
    ]) {
      const script = path.join(root, 'dist', 'apps', 'cli', 'src', 'bench', file);
      if (skip.has(name)) continue;
      if (!fs.existsSync(script)) {
        log(`${name} bench: ${path.relative(root, script)} does not exist yet`);
        results[`${name}Bench`] = { missing: true };
        continue;
      }
      log(`${name} bench…`);
      const r = runNode(script, [], benchEnv);
      process.stdout.write(r.stdout);
      results[`${name}Bench`] = { exitCode: r.status, seconds: r.seconds, json: lastJson(r.stdout), output: r.stdout.slice(-20_000) };
    }

    // ---- projection rebuild (i11-rebuild) -------------------------------------------------------------------
    // A blue/green rebuild of audit's ballot_entries from a 1,000,000-entry ledger in a throwaway schema (needs
    // only PostgreSQL): `npm run bench:rebuild` runs it alone. Field: projectionRebuildEventsPerSecond.
    if (!skip.has('rebuild')) Object.assign(results, runRebuildBench(benchEnv));
    // ---- end projection rebuild ------------------------------------------------------------------------------

    fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
    const file = path.join(root, 'bench-results', `bench-${results.startedAt.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    log(`results written to ${path.relative(root, file)}`);
    const b = results.ballotsBench.ballots;
    if (b) {
      const goal = 3000;
      const e2e = b.endToEnd?.perSecond;
      log(`goal ${goal} ballots/s end to end: accepted ${b.accepted.perSecond}/s${e2e ? `, in the ledger ${e2e}/s` : ''} → ${Math.round(((e2e ?? b.accepted.perSecond) / goal) * 100)} % of the goal`);
    }
    process.exitCode = ballots.status === 0 ? 0 : 1;
    ok = ballots.status === 0;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(
      children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), setTimeout(() => child.kill('SIGKILL'), 10_000).unref())))),
    );
    if (process.env.BENCH_CPU_PROF) for (const s of services) summariseProfile(s.name, path.join(tmp, `${s.name}-prof`));
    if (!external) await cleanup(services.map((s) => s.schema), prefix);
    if (startedKafka && !process.env.PLAZA_KEEP_KAFKA) stopKafka();
    if (ok && !process.env.BENCH_KEEP_LOGS) fs.rmSync(tmp, { recursive: true, force: true });
    else log(`service logs kept in ${tmp}`);
  }
}

main().catch((error) => {
  console.error(`[bench] ${error.stack ?? error.message}`);
  process.exit(1);
});
