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
// BENCH_SKIP=ballots,kafka,pg,tally,verify,rebuild skip parts; BENCH_NO_BUILD=1 skips the build.
//
// Flags: --json prints one JSON object on stdout (the figures below; everything else, the table included, goes
// to stderr). --scenario city runs dist/apps/cli/src/bench/city-bench.js instead: a synthetic city-sized round
// from roll import to verified results, each phase's time and every process's peak memory (--voters N,
// --districts N, --projects N, --ballot-types approval,knapsack size it; defaults 250000, 20, 400, both).
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root, ensureKafka, stopKafka } = require('./lib');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const jsonMode = flag('--json');
const scenario = option('--scenario');
if (scenario !== undefined && scenario !== 'city') {
  console.error(`[bench] unknown --scenario ${scenario} (known: city)`);
  process.exit(2);
}
// With --json, stdout carries only the JSON object: the readable output goes to stderr.
const human = jsonMode ? process.stderr : process.stdout;
const log = (message) => human.write(`[bench] ${message}\n`);
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

/** Runs a bench script; its stdout is collected (and shown) when it ends. */
function runNode(script, args, env) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', script, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.length > 64 * 1024 * 1024) stdout = stdout.slice(-32 * 1024 * 1024);
    });
    child.on('close', (status) => resolve({ status, stdout, seconds: (Date.now() - started) / 1000 }));
  });
}

/** The figures `--json` prints (issue #15's names), from the parts' results. */
function figures(results) {
  const b = results.ballotsBench?.ballots;
  const base = results.ballotsBench?.baselines ?? {};
  const verify = results.verifyBench?.json;
  const tallyJson = results.tallyBench?.json;
  const rebuild = results.rebuildBench?.json;
  const out = {
    ballotsPerSecond: b?.endToEnd?.perSecond ?? null,
    acceptedPerSecond: b?.accepted?.perSecond ?? null,
    acceptP50Ms: b?.latencyMs?.p50 ?? null,
    acceptP99Ms: b?.latencyMs?.p99 ?? null,
    ledgerCaughtUpMs: b?.ledgerCaughtUpMs ?? null,
    ballots: b?.ballots ?? null,
    concurrency: b?.concurrency ?? null,
    pgInsertSinglePerSecond: base.pgSingleRow?.perSecond ?? null,
    pgInsertBatchedPerSecond: base.pgBatch100?.perSecond ?? null,
    kafkaBatchedPerSecond: base.kafkaBatch100?.perSecond ?? null,
    kafkaSinglePerSecond: base.kafkaSingle?.perSecond ?? null,
    verify1MSeconds: verify && typeof verify.verifyMs === 'number' ? Number((verify.verifyMs / 1000).toFixed(2)) : null,
    verify1MEntries: verify?.entries ?? null,
    tallyAdd1Seconds: tallyJson?.tallyAdd1Seconds ?? null,
  };
  const rebuildRate = rebuild?.projectionRebuildEventsPerSecond;
  if (typeof rebuildRate === 'number') out.projectionRebuildEventsPerSecond = rebuildRate;
  out.loadAverageBefore = b?.loadAverage ?? null;
  return out;
}

/** The human table: each figure with the baseline (or goal) it is to be read against. */
function figureTable(f) {
  const pct = (x, of) => (typeof x === 'number' && typeof of === 'number' && of > 0 ? ` = ${Math.round((x / of) * 100)} % of it` : '');
  const rows = [
    ['figure', 'value', 'baseline / goal (same run)'],
    ['ballotsPerSecond (in the ledger)', String(f.ballotsPerSecond ?? 'n/a'), `pg 100-row commits ${f.pgInsertBatchedPerSecond ?? 'n/a'} rows/s${pct(f.ballotsPerSecond, f.pgInsertBatchedPerSecond)}; goal 1,500 (then 3,000)`],
    ['accepted per second (HTTP)', String(f.acceptedPerSecond ?? 'n/a'), `pg single-row commits ${f.pgInsertSinglePerSecond ?? 'n/a'} rows/s${pct(f.acceptedPerSecond, f.pgInsertSinglePerSecond)}`],
    ['acceptP50Ms / acceptP99Ms', `${f.acceptP50Ms ?? 'n/a'} / ${f.acceptP99Ms ?? 'n/a'}`, 'goal p99 under 250 ms at 1,500/s'],
    ['kafka (relay → audit)', `${f.ballotsPerSecond ?? 'n/a'} events/s`, `kafka batched ${f.kafkaBatchedPerSecond ?? 'n/a'} msgs/s, one per send ${f.kafkaSinglePerSecond ?? 'n/a'}`],
    ['verify1MSeconds', String(f.verify1MSeconds ?? 'n/a'), 'goal under 10 s'],
  ];
  for (const [file, seconds] of Object.entries(f.tallyAdd1Seconds ?? {})) rows.push([`tallyAdd1Seconds ${file}`, String(seconds), 'goal under 2 s']);
  if (f.projectionRebuildEventsPerSecond !== undefined) rows.push(['projectionRebuildEventsPerSecond', String(f.projectionRebuildEventsPerSecond), '']);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2]}`).join('\n') + '\n';
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

// ---- projection rebuild -------------------------------------------------------------------------------------
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
  // BENCH_NO_BUILD=1 uses dist/ as it is (e.g. while another bench of the same checkout is running).
  if (!process.env.BENCH_NO_BUILD) {
    log('building…');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', jsonMode ? 2 : 'inherit', 'inherit'] });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
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
    if (scenario === 'city') {
      const cityOut = path.join(tmp, 'city.json');
      const args = ['--out', cityOut];
      for (const name of ['--voters', '--districts', '--projects', '--ballot-types', '--concurrency']) if (option(name) !== undefined) args.push(name, option(name));
      log(`city scenario ${args.slice(2).join(' ')}…`);
      const city = await runNode(path.join(root, 'dist', 'apps', 'cli', 'src', 'bench', 'city-bench.js'), args, benchEnv);
      human.write(city.stdout);
      results.city = fs.existsSync(cityOut) ? JSON.parse(fs.readFileSync(cityOut, 'utf8')) : { error: `exit code ${city.status}` };
      fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
      const file = path.join(root, 'bench-results', `city-${results.startedAt.replace(/[:.]/g, '-')}.json`);
      fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
      log(`results written to ${path.relative(root, file)}`);
      if (jsonMode) process.stdout.write(JSON.stringify(results.city) + '\n');
      ok = city.status === 0;
      process.exitCode = ok ? 0 : 1;
      return;
    }
    if (!skip.has('ballots') || !skip.has('kafka') || !skip.has('pg')) {
      const ballotsOut = path.join(tmp, 'ballots.json');
      log('ballots over HTTP, then the Kafka and PostgreSQL baselines…');
      const ballots = await runNode(path.join(root, 'dist', 'apps', 'cli', 'src', 'bench', 'ballots-bench.js'), ['--out', ballotsOut], benchEnv);
      human.write(ballots.stdout);
      results.ballotsBench = fs.existsSync(ballotsOut) ? JSON.parse(fs.readFileSync(ballotsOut, 'utf8')) : { error: `exit code ${ballots.status}` };
      results.ballotsExitCode = ballots.status;
    }

    for (const [name, file, args] of [
      ['tally', 'tally-bench.js', ['--rules', process.env.BENCH_TALLY_RULES ?? 'equalshares/add1', '--repeat', '1']],
      ['verify', 'verify-bench.js', []],
    ]) {
      const script = path.join(root, 'dist', 'apps', 'cli', 'src', 'bench', file);
      if (skip.has(name)) continue;
      if (!fs.existsSync(script)) {
        log(`${name} bench: ${path.relative(root, script)} does not exist yet`);
        results[`${name}Bench`] = { missing: true };
        continue;
      }
      log(`${name} bench…`);
      const r = await runNode(script, args, benchEnv);
      human.write(r.stdout);
      results[`${name}Bench`] = { exitCode: r.status, seconds: r.seconds, json: lastJson(r.stdout), output: r.stdout.slice(-20_000) };
    }

    // ---- projection rebuild ---------------------------------------------------------------------------------
    // A blue/green rebuild of audit's ballot_entries from a 1,000,000-entry ledger in a throwaway schema (needs
    // only PostgreSQL): `npm run bench:rebuild` runs it alone. Field: projectionRebuildEventsPerSecond.
    if (!skip.has('rebuild')) Object.assign(results, runRebuildBench(benchEnv));
    // ---- end projection rebuild ------------------------------------------------------------------------------

    fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
    const file = path.join(root, 'bench-results', `bench-${results.startedAt.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    log(`results written to ${path.relative(root, file)}`);
    const b = results.ballotsBench?.ballots;
    if (b) {
      const goal = 3000;
      const e2e = b.endToEnd?.perSecond;
      log(`goal ${goal} ballots/s end to end: accepted ${b.accepted.perSecond}/s${e2e ? `, in the ledger ${e2e}/s` : ''} → ${Math.round(((e2e ?? b.accepted.perSecond) / goal) * 100)} % of the goal`);
    }
    results.figures = figures(results);
    fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    human.write(figureTable(results.figures));
    if (jsonMode) process.stdout.write(JSON.stringify(results.figures) + '\n');
    ok = (results.ballotsExitCode ?? 0) === 0;
    process.exitCode = ok ? 0 : 1;
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
