import 'reflect-metadata';
import { auditService } from '../../apps/audit/src/service';
import { DEFAULT_TOPIC_PARTITIONS, topicFor, type EventEnvelope, type Producer } from '@plaza/contracts';
import { dropSchema } from '@plaza/event-store';
import { KafkaAdmin, KafkaJsPublisher } from '@plaza/kafka';
import { startService, type RunningService } from '@plaza/nest-runtime';
import { serviceTestEnv, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, uniqueName } from '@plaza/testing';
import { authEnv } from './auth';

/**
 * The audit service alone, on a fresh schema and topic prefix, fed by events published straight onto the
 * proposals and voting topics, as those services' outbox relays would (key = roundId, header event-id).
 * Lets the ledger, checkpoints, recount and bundles be tested with rounds the tests construct, including
 * declarations the voting service would never make.
 */
export class AuditStack {
  readonly prefix = uniqueName('ta').replace('_', '');
  readonly schema = uniqueName('audit');
  private running: RunningService | undefined;
  private readonly publisher = new KafkaJsPublisher({ brokers: TEST_KAFKA_BROKERS, clientId: 'plaza-audit-test' });

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  env(): Record<string, string> {
    return {
      ...serviceTestEnv(this.schema, this.prefix),
      CHECKPOINT_INTERVAL_MS: '500',
      ...authEnv('verifies'),
      ...this.extraEnv,
    };
  }

  /** Creates the three topics (the services would on start; a test publishing first needs them before). */
  async ensureTopics(): Promise<void> {
    const admin = new KafkaAdmin({ brokers: TEST_KAFKA_BROKERS, clientId: 'plaza-audit-test-admin' });
    await admin.ensureTopics((['proposals', 'voting', 'audit'] as const).map((p) => ({ topic: topicFor(p, this.prefix), numPartitions: DEFAULT_TOPIC_PARTITIONS })));
    await admin.disconnect();
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.ensureTopics();
    this.running = await startService(auditService(this.env()));
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.app.close();
  }

  /** The running Nest application (to reach a provider, e.g. the bundle cache's build count). */
  get app() {
    if (!this.running) throw new Error('audit is not running');
    return this.running.app;
  }

  get url(): string {
    if (!this.running) throw new Error('audit is not running');
    return this.running.url;
  }

  /** Publishes events in order, each on its producer's topic. */
  async publish(events: readonly EventEnvelope[]): Promise<void> {
    for (const producer of ['proposals', 'voting'] as Producer[]) {
      const mine = events.filter((e) => e.producer === producer);
      if (mine.length === 0) continue;
      await this.publisher.send(
        topicFor(producer, this.prefix),
        mine.map((e) => ({ key: e.roundId, value: JSON.stringify(e), headers: { 'event-id': e.id, 'event-type': e.type, producer } })),
      );
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    await this.publisher.disconnect();
    await dropSchema(TEST_DATABASE_URL, this.schema);
    const admin = new KafkaAdmin({ brokers: TEST_KAFKA_BROKERS, clientId: 'plaza-audit-test-cleanup' });
    await admin.deleteTopics((['proposals', 'voting', 'audit'] as const).map((p) => topicFor(p, this.prefix))).catch(() => undefined);
    await admin.disconnect();
  }
}
