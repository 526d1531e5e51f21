import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DEFAULT_TOPIC_PARTITIONS, parseEnvelope, topicFor, validateEnvelope, type Producer, type ValidationResult } from '@plaza/contracts';
import { OutboxRelay, ProjectionRunner, type EventStoreLogger, type ProjectionRunnerOptions } from '@plaza/event-store';
import { KafkaAdmin, type MessagePublisher } from '@plaza/kafka';
import { MESSAGE_PUBLISHER, SubscriberFactory } from '@plaza/kafka/nest';
import { DataSource } from 'typeorm';

/** A Kafka-fed projection of this service: which producers it reads and how it applies one event. */
export interface ProjectionSpec {
  readonly name: string;
  readonly from: readonly Producer[];
  readonly apply: ProjectionRunnerOptions['apply'];
  /** false: not started with the service but by `startProjection` (e.g. only on the instance holding a lease). */
  readonly autoStart?: boolean;
}

export interface EventPipelineOptions {
  /** The service that owns this pipeline; its events are relayed to `<prefix>.<producer>.events`. */
  readonly producer: Producer;
  readonly topicPrefix: string;
  /** Consumer groups are `<groupPrefix>.<projection name>`; defaults to `<topicPrefix>.<producer>`. */
  readonly groupPrefix?: string;
  readonly projections: readonly ProjectionSpec[];
  /** Set false for a service that writes no events of its own (no relay). */
  readonly relay?: boolean;
}

export const EVENT_PIPELINE_OPTIONS = Symbol('EVENT_PIPELINE_OPTIONS');

/**
 * validateEnvelope, and the envelope's `producer` must own the topic it arrived on: with Kafka ACLs each service
 * writes only its own topic, and a consumer does not take one service's word for another's events either
 * (a `RoundPhaseChanged` on the voting topic is parked, not applied).
 */
export function topicOwnerValidator(owners: ReadonlyMap<string, Producer>): (raw: unknown, topic: string) => ValidationResult {
  return (raw, topic) => {
    const result = validateEnvelope(raw);
    if (!result.ok) return result;
    const owner = owners.get(topic);
    if (owner === undefined) return { ok: false, reason: `topic ${topic} has no known producer` };
    if (result.envelope.producer !== owner) {
      return { ok: false, reason: `producer ${JSON.stringify(result.envelope.producer)} does not match topic ${topic}, which only ${owner} writes` };
    }
    return result;
  };
}


/**
 * Runs the service's side of the event flow: creates the topics it touches (explicitly, before anyone
 * subscribes), relays its outbox to its own topic, and feeds its projections. Stopped in reverse order.
 */
@Injectable()
export class EventPipeline implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventPipeline.name);
  readonly relay: OutboxRelay | null;
  readonly runners: ProjectionRunner[];
  readonly #running = new Set<string>();
  /** Starts and stops of one projection, one after the other. */
  #changes: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(EVENT_PIPELINE_OPTIONS) private readonly options: EventPipelineOptions,
    dataSource: DataSource,
    @Inject(MESSAGE_PUBLISHER) publisher: MessagePublisher,
    private readonly admin: KafkaAdmin,
    subscribers: SubscriberFactory,
  ) {
    // Nest's Logger fits the store's logger interface as it is.
    const log: EventStoreLogger = this.logger;
    this.relay =
      options.relay === false
        ? null
        : new OutboxRelay({ dataSource, publisher, topic: topicFor(options.producer, options.topicPrefix), logger: log });
    const groupPrefix = options.groupPrefix ?? `${options.topicPrefix}.${options.producer}`;
    this.runners = options.projections.map(
      (p) =>
        new ProjectionRunner({
          name: p.name,
          groupId: `${groupPrefix}.${p.name}`,
          dataSource,
          subscriber: subscribers.create(),
          topics: p.from.map((producer) => topicFor(producer, options.topicPrefix)),
          validate: topicOwnerValidator(new Map(p.from.map((producer) => [topicFor(producer, options.topicPrefix), producer] as const))),
          apply: p.apply,
          logger: log,
        }),
    );
  }

  /** Every topic Plaza uses, so a service may subscribe before the producing service first started. */
  topics(): string[] {
    return (['proposals', 'voting', 'audit'] as const).map((p) => topicFor(p, this.options.topicPrefix));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.ensureTopics(this.topics().map((topic) => ({ topic, numPartitions: DEFAULT_TOPIC_PARTITIONS })));
    this.relay?.start();
    await Promise.all(this.options.projections.filter((p) => p.autoStart !== false).map((p) => this.startProjection(p.name)));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.options.projections.map((p) => this.stopProjection(p.name)));
    await this.relay?.stop();
  }

  /** Whether the projection's consumer runs in this instance. */
  isRunning(name: string): boolean {
    return this.#running.has(name);
  }

  /** Joins the projection's consumer group (no-op when it runs already). */
  startProjection(name: string): Promise<void> {
    return this.#change(name, true);
  }

  /** Leaves the projection's consumer group; its partitions go to the group's other members (no-op when stopped). */
  stopProjection(name: string): Promise<void> {
    return this.#change(name, false);
  }

  #change(name: string, run: boolean): Promise<void> {
    const index = this.options.projections.findIndex((p) => p.name === name);
    if (index < 0) return Promise.reject(new Error(`no projection named ${name}`));
    const next = this.#changes.catch(() => undefined).then(async () => {
      if (run === this.#running.has(name)) return;
      if (run) {
        await this.runners[index].start();
        this.#running.add(name);
      } else {
        this.#running.delete(name);
        await this.runners[index].stop();
      }
    });
    this.#changes = next;
    return next;
  }
}

@Module({})
export class EventPipelineModule {
  static forRoot(options: EventPipelineOptions): DynamicModule {
    return {
      module: EventPipelineModule,
      providers: [{ provide: EVENT_PIPELINE_OPTIONS, useValue: options }, EventPipeline],
      exports: [EventPipeline],
    };
  }
}

export { parseEnvelope };
