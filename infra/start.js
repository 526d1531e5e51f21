#!/usr/bin/env node
'use strict';
// `npm start`: builds, starts Kafka (unless KAFKA_BROKERS names one), starts the proposals, voting and
// audit services (each migrates its own schema first), waits until they are ready and prints their URLs.
// Ctrl-C stops the services, then the broker if this script started it.
// Auth: unless AUTH_SIGNING_KEY(_FILE) is set, a development Ed25519 key pair is generated once into
// .plaza/dev-auth/ (git-ignored) and handed to the services; the proposals service serves the development
// identity provider (AUTH_DEV_IDP=true unless set to false), and the script prints how to get a token.
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { root, ensureKafka, stopKafka } = require('./lib');

const services = [
  { name: 'proposals', port: Number(process.env.PROPOSALS_PORT ?? 3001) },
  { name: 'voting', port: Number(process.env.VOTING_PORT ?? 3002) },
  { name: 'audit', port: Number(process.env.AUDIT_PORT ?? 3003) },
  // The web app: the UI and /api/<service>/ forwarded to the three above; the one address a browser needs.
  { name: 'web', port: Number(process.env.WEB_PORT ?? 3000) },
];

const children = [];
let stopping = false;
let startedKafka = false;

function log(message) {
  process.stdout.write(`[plaza] ${message}\n`);
}

/** The development key pair, made once: private key 0600, public key beside it. */
function ensureDevKeys() {
  const dir = path.join(root, '.plaza', 'dev-auth');
  const signingKeyFile = path.join(dir, 'signing-key.pem');
  const publicKeyFile = path.join(dir, 'public-key.pem');
  if (!fs.existsSync(signingKeyFile)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    // wx: never overwrite a key another start wrote in the meantime.
    fs.writeFileSync(signingKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    fs.writeFileSync(publicKeyFile, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
    log(`generated a development signing key in ${path.relative(root, dir)}/ (delete the folder to rotate it)`);
  } else if (!fs.existsSync(publicKeyFile)) {
    const publicKey = crypto.createPublicKey(fs.readFileSync(signingKeyFile, 'utf8'));
    fs.writeFileSync(publicKeyFile, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  }
  return { signingKeyFile, publicKeyFile };
}

/**
 * Per-service auth variables: the services that sign (proposals for the dev IdP, voting for voting codes)
 * get the private key, audit only the public one. Explicit AUTH_* variables in the environment win.
 */
function authEnv() {
  const env = process.env;
  const devIdp = env.AUTH_DEV_IDP ?? 'true';
  const explicitKey = Boolean(env.AUTH_SIGNING_KEY || env.AUTH_SIGNING_KEY_FILE);
  const keys = explicitKey ? undefined : ensureDevKeys();
  const signing = keys ? { AUTH_SIGNING_KEY_FILE: keys.signingKeyFile } : {};
  // audit only verifies: it gets the public half of the signing key, never the key itself.
  let audit = { AUTH_SIGNING_KEY: '', AUTH_SIGNING_KEY_FILE: '' };
  if (keys) audit = { ...audit, AUTH_PUBLIC_KEY_FILE: keys.publicKeyFile };
  else if (!env.AUTH_PUBLIC_KEY && !env.AUTH_PUBLIC_KEY_FILE) {
    const pem = env.AUTH_SIGNING_KEY ? env.AUTH_SIGNING_KEY.replace(/\\n/g, '\n') : fs.readFileSync(env.AUTH_SIGNING_KEY_FILE, 'utf8');
    audit = { ...audit, AUTH_PUBLIC_KEY: crypto.createPublicKey(pem).export({ format: 'pem', type: 'spki' }).toString() };
  }
  return {
    devIdp: devIdp === 'true',
    proposals: { ...signing, AUTH_DEV_IDP: devIdp },
    voting: { ...signing },
    audit,
  };
}

function printSignIn(proposalsPort) {
  const url = `http://127.0.0.1:${proposalsPort}/auth/dev/token`;
  log('development sign-in (AUTH_DEV_IDP=true: anyone can get any role; never in production). Paste into a shell:');
  const people = [
    ['ADMIN', 'dev-admin', 'admin'],
    ['STAFF', 'dev-staff', 'staff'],
    ['AUDITOR', 'dev-auditor', 'auditor'],
    ['RESIDENT', 'resident-1', 'resident'],
  ];
  for (const [variable, sub, role] of people) {
    process.stdout.write(
      `  ${variable}=$(curl -s -XPOST ${url} -H 'content-type: application/json' -d '{"sub":"${sub}","roles":["${role}"]}' | jq -r .token)\n`,
    );
  }
  process.stdout.write(`  curl -s -H "authorization: Bearer $ADMIN" http://127.0.0.1:${proposalsPort}/auth/me\n`);
}

const DEMO_FILE = path.join('test', 'fixtures', 'pabulib', 'Poland_Wieliczka_2023_Green_Budget.pb');
const DEMO_NAME = 'Demo: Wieliczka Green Budget 2023 (real Pabulib ballots)';
const DEMO_RESIDENTS = ['resident-1', 'resident-2', 'resident-3'];

/**
 * Seeds the demo round once (PLAZA_DEMO=off skips it): Wieliczka's Green Budget replayed from the Pabulib file
 * with every real ballot cast, voting left open, and the development residents on the voter roll so a newcomer
 * can vote at once. Runs the compiled `plaza import`; a second start finds the round and does nothing.
 */
async function seedDemo(ports) {
  if (process.env.PLAZA_DEMO === 'off') return;
  const res = await fetch(`http://127.0.0.1:${ports.proposals}/rounds?limit=200`);
  const page = res.ok ? await res.json() : { items: [] };
  const existing = (page.items ?? []).find((r) => (r.config?.name ?? r.name) === DEMO_NAME);
  if (existing) {
    log(`demo round: ${existing.roundId} (${DEMO_NAME}), phase ${existing.phase}`);
    return existing.roundId;
  }
  log(`seeding the demo round from ${DEMO_FILE} (6,586 real ballots; PLAZA_DEMO=off skips this)…`);
  const cli = path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
  const run = spawnSync(
    process.execPath,
    [cli, 'import', DEMO_FILE, '--json', '--leave-open', '--name', DEMO_NAME, '--also-register', DEMO_RESIDENTS.join(','),
      '--proposals', `http://127.0.0.1:${ports.proposals}`, '--voting', `http://127.0.0.1:${ports.voting}`, '--audit', `http://127.0.0.1:${ports.audit}`],
    { cwd: root, env: process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (run.status !== 0) {
    log(`demo round could not be seeded (plaza import exited ${run.status}); the services keep running`);
    return undefined;
  }
  const outcome = JSON.parse(run.stdout);
  log(`demo round ${outcome.roundId} is open for voting; ${DEMO_RESIDENTS.join(', ')} are on its voter roll.`);
  log(`  proposals: http://127.0.0.1:${ports.proposals}/rounds/${outcome.roundId}/proposals`);
  log(`  vote as resident-1 (token from the curl above): POST http://127.0.0.1:${ports.voting}/rounds/${outcome.roundId}/ballots`);
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
  const auth = authEnv();
  for (const service of services) {
    const main = path.join(root, 'dist', 'apps', service.name, 'src', 'main.js');
    const upstreams = {
      PROPOSALS_URL: `http://127.0.0.1:${services[0].port}`,
      VOTING_URL: `http://127.0.0.1:${services[1].port}`,
      AUDIT_URL: `http://127.0.0.1:${services[2].port}`,
    };
    const child = spawn(process.execPath, ['--enable-source-maps', main], {
      cwd: root,
      env: {
        ...process.env,
        ...(service.name === 'web' ? upstreams : auth[service.name]),
        PORT: String(service.port),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      },
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
  for (const s of services.filter((s) => s.name !== 'web')) log(`  ${s.name.padEnd(10)} http://127.0.0.1:${s.port}   (OpenAPI: http://127.0.0.1:${s.port}/docs)`);
  const web = `http://127.0.0.1:${services[3].port}`;
  log(`  ${'web'.padEnd(10)} ${web}   (the app: residents, administrators, auditors)`);
  if (auth.devIdp) printSignIn(services[0].port);
  else log('AUTH_DEV_IDP=false: get tokens from your identity provider (README, "Auth")');
  const demo = auth.devIdp ? await seedDemo({ proposals: services[0].port, voting: services[1].port, audit: services[2].port }) : undefined;
  const landing = demo ? `${web}/rounds/${demo}` : web;
  log('');
  log(`open ${landing}`);
  if (demo) log(`  sign in as resident-1 (Sign in → development sign-in) and vote in the demo round; admin: dev-admin, role admin`);
  log('');
  openBrowser(landing);
  log('Ctrl-C stops everything.');
}

main().catch((error) => {
  console.error(`[plaza] ${error.message}`);
  shutdown(1);
});
