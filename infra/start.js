#!/usr/bin/env node
'use strict';
// `npm start`: checks the machine (infra/checks.js, the same checks as `plaza doctor`), builds, finds or starts
// PostgreSQL (DATABASE_URL, a server on 127.0.0.1:5432, else an embedded one in .plaza/postgres) and Kafka
// (KAFKA_BROKERS, a broker on 127.0.0.1:9092, else infra/kafka/kafka.sh), starts the proposals, voting and audit
// services and the web app (each service migrates its own schema first), seeds the demo round and prints a short
// summary. Each service's JSON logs go to .plaza/logs/<service>.log; `--verbose` or LOG_FORMAT=pretty shows them
// live, pretty-printed. Warnings and errors still reach the console in plain words.
// Ctrl-C stops the services, then the database and the broker if this script started them.
// Auth: a local OpenID Connect provider (infra/dev-idp.mjs, oidc-provider) runs on PLAZA_IDP_PORT (3004) unless
// AUTH_OIDC_ISSUER names a real one; the web app signs in there (code + PKCE) and the services verify its tokens.
// Development Ed25519 keys are generated once into .plaza/dev-auth/ (git-ignored): the voting-code key (voting
// only) and, unless AUTH_SIGNING_KEY(_FILE) is set, the password-less test helper's key (proposals serves
// POST /auth/dev/token while AUTH_DEV_IDP=true, the default for `npm start`).
// Options: --verbose, --no-build (use the existing dist/), --instances N (PLAZA_INSTANCES=N: N instances of each
// API service behind the web origin), PLAZA_DEMO=off, PLAZA_DEMO_FILE=<.pb>, PLAZA_OPEN=off.
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { runChecks, formatCheck } = require('./checks');
const { root, shown, stateDir, logsDir, logFile, tail, ensureKafka, stopKafka, ensureDatabase } = require('./lib');

const argv = process.argv.slice(2);
const verbose = argv.includes('--verbose') || process.env.LOG_FORMAT === 'pretty';
const build = !argv.includes('--no-build');

/**
 * `--instances N` (or PLAZA_INSTANCES=N): N instances each of proposals, voting and audit (README "Several
 * instances"); instance k > 1 listens on the first one's port + 10·(k − 1) and logs to <service>-<k>.log.
 */
function instanceCount() {
  const at = argv.indexOf('--instances');
  const inline = argv.find((a) => a.startsWith('--instances='));
  const raw = at >= 0 ? argv[at + 1] : inline ? inline.slice('--instances='.length) : process.env.PLAZA_INSTANCES ?? '1';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 9) {
    process.stderr.write(`--instances (PLAZA_INSTANCES) takes a whole number from 1 to 9, not "${raw ?? ''}"\n`);
    process.exit(2);
  }
  return n;
}
const instances = instanceCount();

const apis = [
  { app: 'proposals', port: Number(process.env.PROPOSALS_PORT ?? 3001) },
  { app: 'voting', port: Number(process.env.VOTING_PORT ?? 3002) },
  { app: 'audit', port: Number(process.env.AUDIT_PORT ?? 3003) },
];
const services = [
  ...apis.flatMap(({ app, port }) =>
    Array.from({ length: instances }, (_, k) => ({ app, name: k === 0 ? app : `${app}-${k + 1}`, port: port + 10 * k })),
  ),
  // The web app: the UI and /api/<service>/ forwarded to the three above (round robin over their instances); the
  // one address a browser needs.
  { app: 'web', name: 'web', port: Number(process.env.WEB_PORT ?? 3000) },
];
/** The first instance of `app` (the demo import and the printed API addresses use it). */
const first = (app) => services.find((s) => s.app === app);

const children = [];
let stopping = false;
let startedKafka = false;
let database;

/** The console: short lines for people. A progress line (TTY only) is rewritten in place. */
const tty = Boolean(process.stdout.isTTY);
let progressShown = false;
function say(message) {
  if (progressShown) process.stdout.write('\r\x1b[K');
  progressShown = false;
  process.stdout.write(`${message}\n`);
}
function progress(message) {
  if (!tty) return;
  // Cut to the terminal's width: a wrapped line could not be rewritten in place.
  process.stdout.write(`\r\x1b[K${message.slice(0, (process.stdout.columns || 80) - 1)}`);
  progressShown = true;
}

/** A development Ed25519 key pair, made once: private key 0600, public key beside it. */
function ensureKeyPair(privateName, publicName, label) {
  const dir = path.join(stateDir(), 'dev-auth');
  const signingKeyFile = path.join(dir, privateName);
  const publicKeyFile = path.join(dir, publicName);
  if (!fs.existsSync(signingKeyFile)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    // wx: never overwrite a key another start wrote in the meantime.
    fs.writeFileSync(signingKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    fs.writeFileSync(publicKeyFile, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
    say(`  generated ${label} in ${shown(dir)}/ (delete the file to rotate it)`);
  } else if (!fs.existsSync(publicKeyFile)) {
    const publicKey = crypto.createPublicKey(fs.readFileSync(signingKeyFile, 'utf8'));
    fs.writeFileSync(publicKeyFile, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  }
  return { signingKeyFile, publicKeyFile };
}

/** The development identity provider's key (the password-less test helper, and `plaza import --dev-key`). */
const ensureDevKeys = () => ensureKeyPair('signing-key.pem', 'public-key.pem', 'a development signing key');

/**
 * Per-service auth variables, least privilege: only the proposals service holds the development identity
 * provider's private key, and only while AUTH_DEV_IDP=true (a test and demo helper); voting and audit get its
 * public half. Only the voting service holds the voting-code key (AUTH_VOTING_CODE_KEY_FILE). Every service and
 * the web app trust the OpenID Connect provider (the local one from infra/dev-idp.mjs unless AUTH_OIDC_ISSUER names
 * another). Explicit AUTH_* variables in the environment win.
 */
function authEnv(idp) {
  const env = process.env;
  const devIdp = env.AUTH_DEV_IDP ?? 'true';
  const explicitKey = Boolean(env.AUTH_SIGNING_KEY || env.AUTH_SIGNING_KEY_FILE);
  const keys = explicitKey ? undefined : ensureDevKeys();
  let verify = {};
  if (keys) verify = { AUTH_PUBLIC_KEY_FILE: keys.publicKeyFile };
  else if (env.AUTH_PUBLIC_KEY || env.AUTH_PUBLIC_KEY_FILE) verify = {};
  else {
    const pem = env.AUTH_SIGNING_KEY ? env.AUTH_SIGNING_KEY.replace(/\\n/g, '\n') : fs.readFileSync(env.AUTH_SIGNING_KEY_FILE, 'utf8');
    verify = { AUTH_PUBLIC_KEY: crypto.createPublicKey(pem).export({ format: 'pem', type: 'spki' }).toString() };
  }
  const noSigningKey = { AUTH_SIGNING_KEY: '', AUTH_SIGNING_KEY_FILE: '' };
  const noCodeKey = { AUTH_VOTING_CODE_KEY: '', AUTH_VOTING_CODE_KEY_FILE: '' };
  const codeKey = env.AUTH_VOTING_CODE_KEY || env.AUTH_VOTING_CODE_KEY_FILE ? {} : { AUTH_VOTING_CODE_KEY_FILE: ensureKeyPair('voting-code-key.pem', 'voting-code-public-key.pem', 'a voting-code signing key').signingKeyFile };
  const signs = devIdp === 'true' ? (keys ? { AUTH_SIGNING_KEY_FILE: keys.signingKeyFile } : {}) : { ...noSigningKey, ...verify };
  const oidc = idp ? { AUTH_OIDC_ISSUER: idp.issuer, AUTH_OIDC_AUDIENCE: idp.audience, AUTH_OIDC_JWKS_URL: idp.jwksUri, AUTH_OIDC_ROLES_CLAIM: idp.rolesClaim } : {};
  return {
    devIdp: devIdp === 'true',
    keyFile: keys?.signingKeyFile,
    proposals: { ...oidc, ...signs, ...noCodeKey, AUTH_DEV_IDP: devIdp },
    voting: { ...oidc, ...noSigningKey, ...verify, ...codeKey },
    audit: { ...oidc, ...noSigningKey, ...noCodeKey, ...verify },
    web: idp ? { AUTH_OIDC_ISSUER: idp.issuer, AUTH_OIDC_CLIENT_ID: idp.clientId, AUTH_OIDC_ROLES_CLAIM: idp.rolesClaim, AUTH_OIDC_DISPLAY_NAME: 'Plaza development sign-in' } : {},
  };
}

/**
 * The local OpenID Connect provider (infra/dev-idp.mjs: oidc-provider, demo users resident-1…3, staff, admin,
 * auditor) on PLAZA_IDP_PORT (3004), unless AUTH_OIDC_ISSUER names a real one (then nothing is started and the
 * services take AUTH_OIDC_* from the environment).
 */
async function startIdentityProvider(webPort) {
  if (process.env.AUTH_OIDC_ISSUER) return undefined;
  const port = Number(process.env.PLAZA_IDP_PORT ?? 3004);
  const web = `http://127.0.0.1:${webPort}`;
  const settings = { clientId: 'plaza-web', audience: 'plaza-api', rolesClaim: 'urn:plaza:roles' };
  const file = logFile('identity-provider');
  const out = fs.openSync(file, 'a');
  const child = spawn(process.execPath, [path.join(root, 'infra', 'dev-idp.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      PLAZA_IDP_PORT: String(port),
      PLAZA_IDP_CLIENT_ID: settings.clientId,
      PLAZA_IDP_AUDIENCE: settings.audience,
      PLAZA_IDP_ROLES_CLAIM: settings.rolesClaim,
      PLAZA_IDP_REDIRECT_URIS: `${web}/signin/callback,http://localhost:${webPort}/signin/callback`,
      PLAZA_IDP_POST_LOGOUT_REDIRECT_URIS: `${web}/signin/signed-out,http://localhost:${webPort}/signin/signed-out`,
    },
    stdio: ['ignore', 'pipe', out],
  });
  children.push(child);
  const started = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`the local identity provider stopped (exit code ${code}); see ${shown(file)}`)));
  });
  child.on('exit', (code) => {
    if (!stopping) {
      say(`! the local identity provider stopped (exit code ${code}); stopping the rest (${shown(file)})`);
      shutdown(1);
    }
  });
  say(`✓ local OpenID Connect provider: ${started.issuer} (demo users resident-1…3, staff, admin, auditor; password "${process.env.PLAZA_IDP_PASSWORD ?? 'plaza'}")`);
  return { ...settings, issuer: started.issuer, jwksUri: started.jwksUri };
}

const DEFAULT_DEMO_FILE = path.join('test', 'fixtures', 'pabulib', 'Poland_Wieliczka_2023_Green_Budget.pb');
const DEFAULT_DEMO_NAME = 'Demo: Wieliczka Green Budget 2023 (real Pabulib ballots)';
const DEMO_RESIDENTS = ['resident-1', 'resident-2', 'resident-3'];

/**
 * Seeds the demo round once (PLAZA_DEMO=off skips it): by default Wieliczka's Green Budget replayed from the
 * Pabulib file with every real ballot cast (PLAZA_DEMO_FILE names another .pb file), voting left open, and the
 * development residents on the voter roll so a newcomer can vote at once. Runs the compiled `plaza import`, its
 * progress shown as one updating line and written to .plaza/logs/demo-import.log; a second start finds the
 * round and does nothing.
 */
async function seedDemo(ports, keyFile) {
  if (process.env.PLAZA_DEMO === 'off') return undefined;
  const file = process.env.PLAZA_DEMO_FILE ?? DEFAULT_DEMO_FILE;
  const name = process.env.PLAZA_DEMO_FILE ? `Demo: ${path.basename(file, '.pb')}` : DEFAULT_DEMO_NAME;
  const res = await fetch(`http://127.0.0.1:${ports.proposals}/rounds?limit=200`);
  const page = res.ok ? await res.json() : { items: [] };
  const existing = (page.items ?? []).find((r) => (r.config?.name ?? r.name) === name);
  if (existing) {
    say(`✓ demo round already there: ${name} (phase ${existing.phase})`);
    return existing.roundId;
  }
  const importLog = logFile('demo-import');
  const started = Date.now();
  say(`  seeding the demo round from ${file} (PLAZA_DEMO=off skips this)…`);
  const cli = path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
  const args = [cli, 'import', file, '--json', '--leave-open', '--name', name, '--also-register', DEMO_RESIDENTS.join(','),
    '--proposals', `http://127.0.0.1:${ports.proposals}`, '--voting', `http://127.0.0.1:${ports.voting}`, '--audit', `http://127.0.0.1:${ports.audit}`];
  if (keyFile) args.push('--dev-key', keyFile);
  const child = spawn(process.execPath, args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const logStream = fs.createWriteStream(importLog, { flags: 'a' });
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    logStream.write(`${line}\n`);
    if (verbose) say(`  ${line}`);
    else progress(`  demo round: ${line.replace(/^plaza import: /, '')}`);
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  logStream.end();
  if (stopping) return undefined;
  if (code !== 0) {
    say(`! the demo round could not be seeded (plaza import exited ${code}); the services keep running. Its last words:`);
    for (const line of tail(importLog, 5)) say(`    ${line}`);
    return undefined;
  }
  const outcome = JSON.parse(stdout);
  say(`✓ demo round seeded in ${Math.round((Date.now() - started) / 1000)} s: ${name}; ${DEMO_RESIDENTS.join(', ')} are on its voter roll`);
  return outcome.roundId;
}

/** Opens the browser on a desktop (not in CI, not over SSH without a display; PLAZA_OPEN=off never). */
function openBrowser(url) {
  if (process.env.PLAZA_OPEN === 'off' || process.env.CI) return;
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? 'xdg-open' : undefined;
  if (!command) return;
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
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
    if (service.exited) throw new Error(`${service.name} stopped during start (exit code ${service.exitCode}); ${lastWords(service)}`);
    if (Date.now() > deadline) throw new Error(`${service.name} was not ready after ${timeoutMs / 1000} s (${url}); ${lastWords(service)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The messages of a service's last log lines, as plain text, for a failure report. */
function lastWords(service) {
  const lines = tail(service.logFile, 6).map((line) => plain(line) ?? line);
  return `its last log lines (${shown(service.logFile)}):\n${lines.map((l) => `    ${l}`).join('\n')}`;
}

const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/** A JSON log line as a short sentence ("warning: message (error text)"), or undefined when it is not JSON. */
function plain(line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!entry || typeof entry !== 'object') return undefined;
  const level = typeof entry.level === 'number' ? LEVELS[entry.level] ?? 'info' : String(entry.level ?? 'info');
  const message = entry.msg ?? entry.message ?? '';
  const error = entry.err?.message ?? entry.error;
  return `${level}: ${message}${error && !String(message).includes(String(error)) ? ` (${error})` : ''}`;
}

function isAttention(line) {
  try {
    const entry = JSON.parse(line);
    const level = entry?.level;
    return typeof level === 'number' ? level >= 40 : level === 'warn' || level === 'error' || level === 'fatal';
  } catch {
    return false;
  }
}

/**
 * A service's output: every line to its log file; live and pretty-printed with --verbose; otherwise only
 * warnings and errors reach the console, as one plain sentence each (the same sentence once a minute at most).
 */
function routeOutput(service, child, pretty) {
  const stream = fs.createWriteStream(service.logFile, { flags: 'a' });
  const lastShown = new Map();
  const onLine = (line, fromStderr) => {
    stream.write(`${line}\n`);
    if (pretty) return pretty.write(`${line}\n`);
    const text = plain(line);
    // The summary already says the development sign-in is on and never for production.
    if (text?.startsWith('warning: AUTH_DEV_IDP=true')) return;
    const attention = text === undefined ? fromStderr && line.trim() !== '' : isAttention(line);
    if (!attention || stopping) return;
    const sentence = text ?? line;
    const now = Date.now();
    if (now - (lastShown.get(sentence) ?? 0) < 60_000) return;
    lastShown.set(sentence, now);
    say(`! ${service.name} ${sentence} (more in ${shown(service.logFile)})`);
  };
  readline.createInterface({ input: child.stdout }).on('line', (line) => onLine(line, false));
  readline.createInterface({ input: child.stderr }).on('line', (line) => onLine(line, true));
  child.once('exit', () => stream.end());
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  try {
    if (database) await database.stop();
    if (startedKafka) stopKafka({ quiet: !verbose });
  } catch (error) {
    say(`! ${error.message}`);
  }
  say('stopped.');
  process.exit(code);
}

/** `npm start`'s own checks (the same as `plaza doctor`): stops with the fixes when something is missing. */
async function preflight() {
  const results = await runChecks({ forStart: true });
  const problems = results.filter((r) => !r.ok);
  if (problems.length === 0) return;
  say(`Plaza cannot start yet: ${problems.length === 1 ? 'one thing needs' : `${problems.length} things need`} fixing.`);
  for (const p of problems) say(formatCheck(p));
  process.exit(1);
}

function runBuild() {
  const started = Date.now();
  say('  building (npm run build)…');
  const file = logFile('build');
  const run = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
  fs.writeFileSync(file, `${run.stdout ?? ''}${run.stderr ?? ''}`);
  if (run.status !== 0) {
    say(`! the build failed; its last lines (all of them in ${shown(file)}):`);
    for (const line of tail(file, 25)) say(`    ${line}`);
    process.exit(run.status ?? 1);
  }
  say(`✓ built in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function main() {
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  say(`Plaza: starting (service logs in ${shown(logsDir())}/; --verbose or LOG_FORMAT=pretty shows them here)`);
  await preflight();
  if (build) runBuild();
  database = await ensureDatabase({ database: 'plaza', log: (m) => say(`  ${m}`) });
  say(`✓ database: ${database.description}`);
  if (stopping) return;
  if (!process.env.KAFKA_BROKERS && !verbose) say('  starting the local Kafka broker (infra/kafka/kafka.sh; the first start fetches its jars)…');
  const kafkaStarted = Date.now();
  startedKafka = await ensureKafka({ quiet: !verbose });
  say(
    startedKafka
      ? `✓ Kafka broker started on 127.0.0.1:9092 in ${Math.round((Date.now() - kafkaStarted) / 1000)} s`
      : `✓ Kafka broker: ${process.env.KAFKA_BROKERS ? `${process.env.KAFKA_BROKERS} (KAFKA_BROKERS)` : '127.0.0.1:9092 (already running)'}`,
  );
  if (stopping) return;
  const idp = await startIdentityProvider(services[3].port);
  const auth = authEnv(idp);
  const pretty = verbose ? require('pino-pretty')({ colorize: tty, destination: 1, sync: true, singleLine: true, messageFormat: '{service}: {msg}', ignore: 'pid,hostname,service' }) : undefined;
  const urls = (app) => services.filter((s) => s.app === app).map((s) => `http://127.0.0.1:${s.port}`).join(',');
  const upstreams = { PROPOSALS_URL: urls('proposals'), VOTING_URL: urls('voting'), AUDIT_URL: urls('audit') };
  say(`  starting ${services.map((s) => s.name).join(', ')}…`);
  for (const service of services) {
    const main = path.join(root, 'dist', 'apps', service.app, 'src', 'main.js');
    service.logFile = logFile(service.name);
    const child = spawn(process.execPath, ['--enable-source-maps', main], {
      cwd: root,
      env: {
        ...process.env,
        ...(service.app === 'web' ? { ...upstreams, ...auth.web } : auth[service.app]),
        PORT: String(service.port),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    routeOutput(service, child, pretty);
    child.on('exit', (code) => {
      service.exited = true;
      service.exitCode = code;
      if (stopping) return;
      // Several instances: the others of the same service go on serving (the web origin skips to them on retry).
      if (services.some((other) => other.app === service.app && !other.exited)) {
        say(`! ${service.name} stopped (exit code ${code}); the other ${service.app} instances go on. ${lastWords(service)}`);
        return;
      }
      say(`! ${service.name} stopped (exit code ${code}); stopping the rest. ${lastWords(service)}`);
      shutdown(1);
    });
    children.push(child);
  }
  await Promise.all(services.map((s) => waitReady(s)));
  const web = `http://127.0.0.1:${first('web').port}`;
  say(`✓ services ready: ${services.map((s) => `${s.name} :${s.port}`).join(', ')}`);
  if (instances > 1) say(`  ${instances} instances each of proposals, voting and audit behind ${web} (round robin; one audit instance holds the ledger lease)`);
  const demo = auth.devIdp ? await seedDemo({ proposals: first('proposals').port, voting: first('voting').port, audit: first('audit').port }, auth.keyFile) : undefined;
  if (stopping) return;
  const landing = demo ? `${web}/rounds/${demo}` : web;
  say('');
  say(`Open ${landing}`);
  if (idp) {
    say(`  Sign in → "Sign in with Plaza development sign-in" (OpenID Connect, code + PKCE, at ${idp.issuer}):`);
    say(`    resident-1 (resident) votes, admin runs rounds, staff reviews, auditor verifies; password "${process.env.PLAZA_IDP_PASSWORD ?? 'plaza'}".`);
  } else say(`  Sign in → your OpenID Connect provider (${process.env.AUTH_OIDC_ISSUER}).`);
  if (auth.devIdp) {
    say(`  Test helper (AUTH_DEV_IDP=true, never in production): POST http://127.0.0.1:${first('proposals').port}/auth/dev/token gives tokens for curl (README, "Auth").`);
  }
  say(`  APIs (OpenAPI at /docs): ${services.filter((s) => s.app !== 'web').map((s) => `${s.name} http://127.0.0.1:${s.port}`).join(', ')}`);
  say(`  Logs: ${shown(logsDir())}/{${services.map((s) => s.name).join(',')}}.log (JSON; npx pino-pretty < file reads one)`);
  say('');
  say('Ctrl-C stops everything.');
  openBrowser(landing);
}

main().catch((error) => {
  say(`! ${error.message}`);
  shutdown(1);
});
