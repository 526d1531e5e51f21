import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';

export interface KafkaConnectionOptions {
  /** host:port list; use 127.0.0.1 rather than localhost (localhost may resolve to ::1 first). */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Receives kafkajs' own log lines (warnings and errors only). Defaults to stderr. */
  readonly log?: (level: 'error' | 'warn' | 'info', message: string, extra: Record<string, unknown>) => void;
}

const levelName = (level: logLevel): 'error' | 'warn' | 'info' =>
  level === logLevel.ERROR || level === logLevel.NOTHING ? 'error' : level === logLevel.WARN ? 'warn' : 'info';

/** Builds the kafkajs client; kept here so no service ever imports kafkajs. */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  const sink =
    options.log ??
    ((level, message, extra) => process.stderr.write(`${JSON.stringify({ level, msg: message, ...extra })}\n`));
  const creator: logCreator =
    () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...extra } = log;
      sink(levelName(level), `kafkajs ${namespace}: ${message}`, extra);
    };
  // kafkajs warns about its partitioner change on every producer; we choose the partitioner explicitly.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: creator,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}
