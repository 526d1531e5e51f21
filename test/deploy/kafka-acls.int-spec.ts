import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kafkaAccessPlan, topicFor } from '@plaza/contracts';
import { KafkaAdmin, KafkaJsPublisher, type KafkaConnectionOptions } from '@plaza/kafka';
import { dropSchema } from '@plaza/event-store';
import { startService } from '@plaza/nest-runtime';
import { TEST_DATABASE_URL, uniqueName } from '@plaza/testing';
import { auditService } from '../../apps/audit/src/service';
import { authEnv } from '../support/auth';
import { http } from '../support/stack';

/**
 * Issue #13 item 5 on a broker of its own (never the shared one on 9092): infra/kafka/kafka.sh with KAFKA_SECURE=1
 * (SASL/SCRAM-SHA-512, ACLs), each service a principal of its own with `kafkaAccessPlan`'s grants; the proposals
 * principal cannot produce to the voting topic.
 */
const ROOT = resolve(__dirname, '..', '..');
const PORT = 19_000 + (process.pid % 500) * 2;
const passwords = { admin: `admin-${uniqueName('pw')}`, proposals: uniqueName('pp'), voting: uniqueName('pv'), audit: uniqueName('pa') };
const prefix = 'plaza';

function kafkaSh(command: string, dataDir: string) {
  const result = spawnSync('bash', [join(ROOT, 'infra/kafka/kafka.sh'), command], {
    env: {
      ...process.env,
      KAFKA_SECURE: '1',
      KAFKA_PORT: String(PORT),
      KAFKA_CONTROLLER_PORT: String(PORT + 1),
      KAFKA_DATA_DIR: dataDir,
      KAFKA_ADMIN_PASSWORD: passwords.admin,
      KAFKA_SCRAM_USERS: `plaza-proposals:${passwords.proposals} plaza-voting:${passwords.voting} plaza-audit:${passwords.audit}`,
      KAFKA_MAVEN_OFFLINE: '1',
    },
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.status !== 0) throw new Error(`kafka.sh ${command} failed: ${result.stderr}`);
}

const as = (user: string, password: string, clientId: string): KafkaConnectionOptions => ({
  brokers: [`127.0.0.1:${PORT}`],
  clientId,
  sasl: { mechanism: 'scram-sha-512', username: user, password },
});

describe('Kafka SASL/SCRAM and ACLs (a broker of its own)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-kafka-secure-'));
  const publishers: KafkaJsPublisher[] = [];
  const publisher = (options: KafkaConnectionOptions) => {
    const p = new KafkaJsPublisher(options);
    publishers.push(p);
    return p;
  };

  beforeAll(async () => {
    kafkaSh('start', dataDir);
    const admin = new KafkaAdmin(as('admin', passwords.admin, 'plaza-acl-test-admin'));
    try {
      await admin.ensureTopics((['proposals', 'voting', 'audit'] as const).map((p) => ({ topic: topicFor(p, prefix), numPartitions: 1 })));
      await admin.grantAccess(kafkaAccessPlan(prefix, { proposals: 'plaza-proposals', voting: 'plaza-voting', audit: 'plaza-audit' }));
    } finally {
      await admin.disconnect();
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(publishers.map((p) => p.disconnect()));
    try {
      kafkaSh('stop', dataDir);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  const message = { key: 'round-1', value: JSON.stringify({ hello: 'world' }) };

  it('the proposals principal writes its own topic', async () => {
    await expect(publisher(as('plaza-proposals', passwords.proposals, 'plaza-proposals')).send(topicFor('proposals', prefix), [message])).resolves.toBeUndefined();
  });

  it('the proposals principal cannot produce to the voting topic', async () => {
    await expect(publisher(as('plaza-proposals', passwords.proposals, 'plaza-proposals-2')).send(topicFor('voting', prefix), [message])).rejects.toThrow(
      /authoriz/i,
    );
  });

  it('the audit principal, a reader only, cannot produce to either topic it reads', async () => {
    for (const producer of ['proposals', 'voting'] as const) {
      await expect(publisher(as('plaza-audit', passwords.audit, `plaza-audit-${producer}`)).send(topicFor(producer, prefix), [message])).rejects.toThrow(
        /authoriz/i,
      );
    }
  });

  it('the audit service runs as its principal with exactly these grants: it consumes, joins its groups, is ready', async () => {
    const schema = uniqueName('audit');
    const running = await startService(
      auditService({
        DATABASE_URL: TEST_DATABASE_URL,
        DB_SCHEMA: schema,
        PORT: '0',
        LOG_LEVEL: 'warn',
        KAFKA_BROKERS: `127.0.0.1:${PORT}`,
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'plaza-audit',
        KAFKA_SASL_PASSWORD: passwords.audit,
        ...authEnv('verifies'),
      }),
    );
    try {
      const ready = await http('GET', `${running.url}/health/ready`);
      expect(ready.status).toBe(200);
    } finally {
      await running.app.close();
      await dropSchema(TEST_DATABASE_URL, schema);
    }
  });

  it('a wrong password is refused', async () => {
    await expect(publisher(as('plaza-voting', 'not-the-password', 'plaza-voting-bad')).send(topicFor('voting', prefix), [message])).rejects.toThrow(
      /SASL|authentic/i,
    );
  });
});
