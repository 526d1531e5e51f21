import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kafkaAccessPlan, topicFor } from '@plaza/contracts';
import { KafkaAdmin, KafkaJsPublisher, type KafkaConnectionOptions } from '@plaza/kafka';
import { expectEventually, uniqueName } from '@plaza/testing';

/**
 * The compose file's broker entry point (infra/kafka/compose-broker.sh) run outside Docker, as the apache/kafka
 * image would run it: a KAFKA_HOME whose bin/ scripts start the same Kafka classes from infra/kafka's jars, the Docker
 * secrets in a folder, a port of its own (never the shared broker on 9092). Its SCRAM users exist from the first
 * start, a client without credentials is refused, and with kafkaAccessPlan's ACLs (what the compose file's
 * kafka-acls step grants) each service writes only its own topic.
 */
const ROOT = resolve(__dirname, '..', '..');
const JARS = process.env.KAFKA_JARS_DIR ?? join(ROOT, 'infra/kafka/.jars');
const PORT = 23_000 + (process.pid % 400) * 2;
const prefix = 'plaza';
const passwords = { admin: uniqueName('adm'), proposals: uniqueName('pp'), voting: uniqueName('pv'), audit: uniqueName('pa') };

describe('infra/kafka/compose-broker.sh (the compose file’s broker, outside Docker)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-compose-broker-'));
  let broker: ChildProcess | undefined;
  let output = '';
  const publishers: KafkaJsPublisher[] = [];
  const as = (username: string, password: string, clientId: string): KafkaConnectionOptions => ({
    brokers: [`127.0.0.1:${PORT}`],
    clientId,
    sasl: { mechanism: 'scram-sha-512', username, password },
  });
  const publisher = (options: KafkaConnectionOptions) => {
    const p = new KafkaJsPublisher(options);
    publishers.push(p);
    return p;
  };
  const message = { key: 'round-1', value: '{}' };

  beforeAll(async () => {
    // The image's jars, fetched (offline from Maven's cache) like kafka.sh's own tests do.
    const fetched = spawnSync('bash', [join(ROOT, 'infra/kafka/kafka.sh'), 'fetch'], { env: { ...process.env, KAFKA_MAVEN_OFFLINE: '1' }, encoding: 'utf8' });
    if (fetched.status !== 0) throw new Error(`kafka.sh fetch failed: ${fetched.stderr}`);
    const home = join(dir, 'kafka');
    mkdirSync(join(home, 'bin'), { recursive: true });
    const script = (name: string, main: string) => {
      const file = join(home, 'bin', name);
      const java = `-Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile=${join(ROOT, 'infra/kafka/log4j2.properties')}`;
      writeFileSync(file, `#!/bin/sh\nexec java ${java} -cp '${JARS}/*' ${main} "$@"\n`);
      chmodSync(file, 0o755);
    };
    script('kafka-storage.sh', 'kafka.tools.StorageTool');
    script('kafka-server-start.sh', 'kafka.Kafka');
    const secrets = join(dir, 'secrets');
    mkdirSync(secrets);
    for (const [name, password] of Object.entries(passwords)) writeFileSync(join(secrets, `kafka_${name}_password`), `${password}\n`);
    broker = spawn('sh', [join(ROOT, 'infra/kafka/compose-broker.sh')], {
      env: {
        ...process.env,
        KAFKA_HOME: home,
        PLAZA_SECRETS_DIR: secrets,
        PLAZA_KAFKA_DATA: join(dir, 'data'),
        PLAZA_KAFKA_CONF: join(dir, 'conf'),
        PLAZA_KAFKA_PORT: String(PORT),
        PLAZA_KAFKA_CONTROLLER_PORT: String(PORT + 1),
        PLAZA_KAFKA_ADVERTISED: `127.0.0.1:${PORT}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    broker.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    broker.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    await expectEventually(
      () => {
        if (broker!.exitCode !== null) throw new Error(`compose-broker.sh exited ${broker!.exitCode}: ${output.slice(-3000)}`);
        expect(output).toMatch(/Kafka Server started/);
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    const admin = new KafkaAdmin(as('admin', passwords.admin, 'plaza-compose-admin'));
    try {
      await admin.ensureTopics((['proposals', 'voting', 'audit'] as const).map((p) => ({ topic: topicFor(p, prefix), numPartitions: 1 })));
      await admin.grantAccess(kafkaAccessPlan(prefix, { proposals: 'plaza-proposals', voting: 'plaza-voting', audit: 'plaza-audit' }));
    } finally {
      await admin.disconnect();
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(publishers.map((p) => p.disconnect()));
    if (broker && broker.exitCode === null) {
      const exited = new Promise((done) => broker!.once('exit', done));
      broker.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a client without credentials is refused', async () => {
    await expect(publisher({ brokers: [`127.0.0.1:${PORT}`], clientId: 'plaza-anonymous' }).send(topicFor('voting', prefix), [message])).rejects.toThrow();
  }, 60_000);

  it('each service’s SCRAM user exists from the first start and writes its own topic only', async () => {
    await expect(publisher(as('plaza-voting', passwords.voting, 'plaza-voting')).send(topicFor('voting', prefix), [message])).resolves.toBeUndefined();
    await expect(publisher(as('plaza-proposals', passwords.proposals, 'plaza-proposals')).send(topicFor('voting', prefix), [message])).rejects.toThrow(/authoriz/i);
    await expect(publisher(as('plaza-audit', passwords.audit, 'plaza-audit')).send(topicFor('audit', prefix), [message])).resolves.toBeUndefined();
  }, 60_000);
});
