export * from './types';
export { createKafka, type KafkaConnectionOptions, type KafkaSasl, type KafkaTls } from './kafkajs/client';
export { KafkaJsPublisher } from './kafkajs/publisher';
export { KafkaJsSubscriber, type SubscriberTuning } from './kafkajs/subscriber';
export { KafkaAdmin, replicationFor, type Replication, type TopicSpec } from './kafkajs/admin';
