import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kafkaAccessPlan, topicFor } from '@plaza/contracts';
import { KafkaAdmin, KafkaJsPublisher, KafkaJsSubscriber, type KafkaConnectionOptions } from '@plaza/kafka';
import { kafkaConnection, loadConfig, ServiceConfig } from '@plaza/nest-runtime';
import { expectEventually, uniqueName } from '@plaza/testing';

/**
 * Issue #13 item 5 on the three-node cluster, over TLS, on ports and a data folder of its own (never the shared
 * broker on 9092): `KAFKA_NODES=3 KAFKA_SECURE=1 KAFKA_TLS=1 infra/kafka/kafka.sh start` (SASL_SSL with
 * SCRAM-SHA-512, ACLs, a private CA made into the data folder), the ACLs of `kafkaAccessPlan`. Clients connect
 * with the options a service's validated config gives (KAFKA_TLS, KAFKA_TLS_CA_FILE, KAFKA_SASL_*).
 */
const ROOT = resolve(__dirname, '..', '..');
const PORT = 21_000 + (process.pid % 400) * 6;
const passwords = { admin: `admin-${uniqueName('pw')}`, proposals: uniqueName('pp'), voting: uniqueName('pv'), audit: uniqueName('pa') };
const prefix = 'plaza';
const dataDir = mkdtempSync(join(tmpdir(), 'plaza-kafka-tls-'));
const brokers = [0, 2, 4].map((d) => `127.0.0.1:${PORT + d}`).join(',');

function kafkaSh(command: string): string {
  const result = spawnSync('bash', [join(ROOT, 'infra/kafka/kafka.sh'), command], {
    env: {
      ...process.env,
      KAFKA_NODES: '3',
      KAFKA_SECURE: '1',
      KAFKA_TLS: '1',
      KAFKA_PORT: String(PORT),
      KAFKA_DATA_DIR: dataDir,
      KAFKA_ADMIN_PASSWORD: passwords.admin,
      KAFKA_SCRAM_USERS: `plaza-proposals:${passwords.proposals} plaza-voting:${passwords.voting} plaza-audit:${passwords.audit}`,
      KAFKA_MAVEN_OFFLINE: '1',
      // Three JVMs starting side by side on a loaded machine take their time.
      KAFKA_START_TIMEOUT: '300',
    },
    encoding: 'utf8',
    timeout: 400_000,
  });
  if (result.status !== 0) throw new Error(`kafka.sh ${command} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** What a service with these variables connects with (the same path as startService: loadConfig → kafkaConnection). */
function serviceConnection(env: Record<string, string>, clientId: string): KafkaConnectionOptions {
  return kafkaConnection(loadConfig(ServiceConfig, { KAFKA_BROKERS: brokers, ...env }), clientId);
}

describe('Kafka three-node cluster with SASL_SSL and ACLs (a cluster of its own)', () => {
  let caFile = '';
  const publishers: KafkaJsPublisher[] = [];
  const subscribers: KafkaJsSubscriber[] = [];
  const as = (user: string, password: string, clientId: string) =>
    serviceConnection(
      { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: caFile, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: user, KAFKA_SASL_PASSWORD: password },
      clientId,
    );
  const publisher = (options: KafkaConnectionOptions) => {
    const p = new KafkaJsPublisher(options);
    publishers.push(p);
    return p;
  };
  const message = (n: number) => ({ key: 'round-1', value: JSON.stringify({ n }) });

  beforeAll(async () => {
    kafkaSh('start');
    caFile = kafkaSh('ca');
    const admin = new KafkaAdmin(as('admin', passwords.admin, 'plaza-tls-test-admin'));
    try {
      await admin.ensureTopics((['proposals', 'voting', 'audit'] as const).map((p) => ({ topic: topicFor(p, prefix), numPartitions: 1 })));
      await admin.grantAccess(kafkaAccessPlan(prefix, { proposals: 'plaza-proposals', voting: 'plaza-voting', audit: 'plaza-audit' }));
      // The topics of a cluster replicate to all three nodes, over the brokers' own SASL_SSL listener.
      expect(await admin.topicReplication(topicFor('voting', prefix))).toEqual({ replicationFactor: 3, minInsyncReplicas: 2, inSync: [3] });
    } finally {
      await admin.disconnect();
    }
  }, 600_000);

  afterAll(async () => {
    await Promise.allSettled([...publishers.map((p) => p.disconnect()), ...subscribers.map((s) => s.stop())]);
    try {
      kafkaSh('stop');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a service produces to its own topic over TLS with its credentials, and the consumer of that topic reads it', async () => {
    await publisher(as('plaza-proposals', passwords.proposals, 'plaza-proposals')).send(topicFor('proposals', prefix), [message(1)]);
    const seen: string[] = [];
    const subscriber = new KafkaJsSubscriber(as('plaza-voting', passwords.voting, 'plaza-voting'), { sessionTimeoutMs: 6_000 });
    subscribers.push(subscriber);
    await subscriber.start({
      groupId: `${prefix}.voting.${uniqueName('g')}`,
      topics: [topicFor('proposals', prefix)],
      fromBeginning: true,
      handle: async ({ messages }) => void seen.push(...messages.map((m) => m.value!.toString('utf8'))),
    });
    await expectEventually(() => expect(seen).toContain(JSON.stringify({ n: 1 })), { timeoutMs: 60_000 });
  }, 120_000);

  it('a service cannot produce to another service’s topic', async () => {
    await expect(publisher(as('plaza-proposals', passwords.proposals, 'plaza-proposals-2')).send(topicFor('voting', prefix), [message(2)])).rejects.toThrow(
      /authoriz/i,
    );
  }, 60_000);

  it('a service cannot consume a topic it does not read, nor with a group outside its own prefix', async () => {
    // A consumer's refusal comes after start() (kafkajs runs the group in the background and crashes): what it
    // logs is the evidence, through the connection's own log sink.
    const refusals = (options: KafkaConnectionOptions) => {
      const lines: string[] = [];
      return { lines, options: { ...options, log: (_level: string, message: string, extra: Record<string, unknown>) => void lines.push(`${message} ${String(extra.error ?? '')}`) } };
    };
    // proposals consumes nothing: reading the voting topic is refused.
    const proposals = refusals(as('plaza-proposals', passwords.proposals, 'plaza-proposals-reader'));
    const reader = new KafkaJsSubscriber(proposals.options, { sessionTimeoutMs: 6_000 });
    subscribers.push(reader);
    const read: unknown[] = [];
    await reader
      .start({ groupId: `${prefix}.proposals.${uniqueName('g')}`, topics: [topicFor('voting', prefix)], fromBeginning: true, handle: async ({ messages }) => void read.push(...messages) })
      .catch((error: Error) => proposals.lines.push(error.message));
    await expectEventually(() => expect(proposals.lines.join('\n')).toMatch(/Not authorized to access topics/), { timeoutMs: 60_000 });
    // voting reads the proposals topic, but only in its own groups (plaza.voting.*), not audit's.
    const voting = refusals(as('plaza-voting', passwords.voting, 'plaza-voting-other-group'));
    const other = new KafkaJsSubscriber(voting.options, { sessionTimeoutMs: 6_000 });
    subscribers.push(other);
    await other
      .start({ groupId: `${prefix}.audit.${uniqueName('g')}`, topics: [topicFor('proposals', prefix)], fromBeginning: true, handle: async ({ messages }) => void read.push(...messages) })
      .catch((error: Error) => voting.lines.push(error.message));
    await expectEventually(() => expect(voting.lines.join('\n')).toMatch(/Not authorized to access group/), { timeoutMs: 60_000 });
    expect(read).toEqual([]);
  }, 150_000);

  it('a client without credentials is refused', async () => {
    const anonymous = serviceConnection({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: caFile }, 'plaza-anonymous');
    await expect(publisher(anonymous).send(topicFor('proposals', prefix), [message(3)])).rejects.toThrow();
    const admin = new KafkaAdmin(anonymous);
    try {
      await expect(admin.ping()).rejects.toThrow();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }, 120_000);

  it('a wrong password is refused', async () => {
    await expect(publisher(as('plaza-voting', 'not-the-password', 'plaza-voting-bad')).send(topicFor('voting', prefix), [message(4)])).rejects.toThrow(
      /SASL|authentic/i,
    );
  }, 60_000);

  it('TLS is checked: a client that does not trust the private CA is refused, as is one speaking plain text', async () => {
    const untrusting = serviceConnection(
      { KAFKA_TLS: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'plaza-voting', KAFKA_SASL_PASSWORD: passwords.voting },
      'plaza-voting-no-ca',
    );
    await expect(publisher(untrusting).send(topicFor('voting', prefix), [message(5)])).rejects.toThrow(/certificate|self.signed|verify/i);
    const plain = serviceConnection({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'plaza-voting', KAFKA_SASL_PASSWORD: passwords.voting }, 'plaza-voting-plain');
    await expect(publisher(plain).send(topicFor('voting', prefix), [message(6)])).rejects.toThrow();
  }, 120_000);
});
