import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { createKafka, type KafkaConnectionOptions } from '../kafkajs/client';
import { KafkaAdmin } from '../kafkajs/admin';
import { KafkaJsPublisher } from '../kafkajs/publisher';
import { KafkaJsSubscriber, type SubscriberTuning } from '../kafkajs/subscriber';
import type { MessagePublisher, MessageSubscriber } from '../types';

export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export const MESSAGE_PUBLISHER = Symbol('MESSAGE_PUBLISHER');

/** Creates subscribers on the service's shared kafkajs client and disconnects them all at shutdown. */
@Injectable()
export class SubscriberFactory implements OnApplicationShutdown {
  private readonly created: MessageSubscriber[] = [];

  constructor(@Inject(KAFKA_CLIENT) private readonly kafka: Kafka) {}

  create(tuning?: SubscriberTuning): MessageSubscriber {
    const subscriber = new KafkaJsSubscriber({ kafka: this.kafka }, tuning);
    this.created.push(subscriber);
    return subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.created.map((s) => s.stop()));
  }
}

@Injectable()
class KafkaShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(MESSAGE_PUBLISHER) private readonly publisher: KafkaJsPublisher,
    private readonly admin: KafkaAdmin,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.publisher.disconnect(), this.admin.disconnect()]);
  }
}

/** Nest wrapper around libs/kafka: one kafkajs client per service, our interfaces as providers. */
@Module({})
export class KafkaModule {
  static forRoot(options: KafkaConnectionOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [
        { provide: KAFKA_CLIENT, useFactory: () => createKafka(options) },
        { provide: MESSAGE_PUBLISHER, useFactory: (kafka: Kafka) => new KafkaJsPublisher({ kafka }), inject: [KAFKA_CLIENT] },
        { provide: KafkaAdmin, useFactory: (kafka: Kafka) => new KafkaAdmin({ kafka }), inject: [KAFKA_CLIENT] },
        SubscriberFactory,
        KafkaShutdown,
      ],
      exports: [KAFKA_CLIENT, MESSAGE_PUBLISHER, KafkaAdmin, SubscriberFactory],
    };
  }
}

export type { MessagePublisher };
