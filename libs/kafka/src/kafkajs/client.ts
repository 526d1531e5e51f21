import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type LogEntry, type logCreator, type SASLOptions } from 'kafkajs';

/** SASL authentication to the brokers (SCRAM is what kafka.sh --secure and the README's ACL setup use). */
export interface KafkaSasl {
  readonly mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain';
  readonly username: string;
  readonly password: string;
}

/** TLS to the brokers; `caFile` adds a CA (PEM) to the system's, e.g. a private one. */
export interface KafkaTls {
  readonly caFile?: string;
}

export interface KafkaConnectionOptions {
  /** host:port list; use 127.0.0.1 rather than localhost (localhost may resolve to ::1 first). */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly sasl?: KafkaSasl;
  readonly tls?: KafkaTls;
  /**
   * Receives kafkajs' own log lines: warnings and errors, and at info the broker answers a retry deals with.
   * Defaults to stderr, warnings and errors only.
   */
  readonly log?: (level: 'error' | 'warn' | 'info', message: string, extra: Record<string, unknown>) => void;
}

const levelName = (level: logLevel): 'error' | 'warn' | 'info' =>
  level === logLevel.ERROR || level === logLevel.NOTHING ? 'error' : level === logLevel.WARN ? 'warn' : 'info';

/**
 * Broker answers that mean "this partition is still being set up or moving", which kafkajs's Connection logs as
 * errors before its caller retries them (the producer, or KafkaAdmin.ensureTopics waiting for leaders). They are
 * logged at info: a retry that finally fails surfaces as its caller's own error.
 */
const SETTLING = ['This server is not the leader for that topic-partition', 'This server does not host this topic-partition', 'There is no leader for this topic-partition'];

/**
 * Broker answers that mean "still starting": a freshly started broker's group coordinator is not there or still
 * loading, a group is rebalancing, or a topic another process created a moment ago already exists. kafkajs logs
 * them at error on the Connection, and a consumer that meets them logs a "Crash" before it restarts itself; both
 * are logged at info. A consumer that finally gives up still surfaces through its caller.
 */
const STARTING = [
  'The group coordinator is not available',
  "The coordinator is loading and hence can't process requests",
  'This is not the correct coordinator for this group',
  'The group is rebalancing, so a rejoin is needed',
  'Topic creation errors',
];

/** True for a kafkajs log line that only says "the broker is still starting or settling". */
export function isSettlingAnswer(namespace: string, message: string, error: unknown): boolean {
  if (namespace === 'Connection' && typeof error === 'string') return [...SETTLING, ...STARTING].some((s) => error.startsWith(s));
  if (namespace === 'Consumer' && message.startsWith('Crash: ')) return STARTING.some((s) => message.includes(s));
  return false;
}

/** Builds the kafkajs client; kept here so no service ever imports kafkajs. */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  const sink =
    options.log ??
    ((level, message, extra) => {
      if (level !== 'info') process.stderr.write(`${JSON.stringify({ level, msg: message, ...extra })}\n`);
    });
  const creator: logCreator =
    () =>
    ({ namespace, level, log }: LogEntry) => {
      // kafkajs attaches whole error objects (a failed SQL statement with its parameters, say); keep the
      // log line short and readable: the error's own message and the first lines of its stack.
      // At-least-once with consumer-side dedupe is Plaza's guarantee, so bounded producer retries are deliberate.
      if (typeof log.message === 'string' && log.message.startsWith('Limiting retries for the idempotent producer')) return;
      const { message, error, stack, ...extra } = log as { message: string; error?: unknown; stack?: string };
      const detail = typeof stack === 'string' ? stack.split('\n').slice(0, 4).join(' | ') : undefined;
      const settling = isSettlingAnswer(namespace, message, error);
      sink(settling ? 'info' : levelName(level), `kafkajs ${namespace}: ${message}`, {
        ...extra,
        ...(detail ? { stack: detail } : {}),
        ...(error ? { error: String(error) } : {}),
      });
    };
  // kafkajs warns about its partitioner change on every producer; we choose the partitioner explicitly.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: creator,
    retry: { initialRetryTime: 100, retries: 8 },
    ...(options.sasl ? { sasl: { ...options.sasl } as SASLOptions } : {}),
    ...(options.tls ? { ssl: options.tls.caFile ? { ca: [readFileSync(options.tls.caFile, 'utf8')] } : true } : {}),
  });
}
