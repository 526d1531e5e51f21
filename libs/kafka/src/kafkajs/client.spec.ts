import { createKafka } from './client';

// The log creator alone (no broker): what reaches the sink, at which level.
describe('createKafka logging', () => {
  const lines: { level: string; message: string; extra: Record<string, unknown> }[] = [];
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'plaza-log-spec', log: (level, message, extra) => void lines.push({ level, message, extra }) });
  const connection = kafka.logger().namespace('Connection');
  beforeEach(() => (lines.length = 0));

  it('passes real errors on as errors, with the error as text', () => {
    connection.error('Response Produce(key: 0, version: 7)', { error: 'The request included a message larger than the max message size the server will accept', broker: '127.0.0.1:9092' });
    expect(lines).toEqual([
      {
        level: 'error',
        message: 'kafkajs Connection: Response Produce(key: 0, version: 7)',
        extra: expect.objectContaining({ broker: '127.0.0.1:9092', error: 'The request included a message larger than the max message size the server will accept' }),
      },
    ]);
  });

  it('logs the answers of a partition still settling at info: the caller retries them', () => {
    connection.error('Response ListOffsets(key: 2, version: 3)', { error: 'This server is not the leader for that topic-partition' });
    connection.error('Response Metadata(key: 3, version: 6)', { error: 'This server does not host this topic-partition' });
    expect(lines.map((l) => l.level)).toEqual(['info', 'info']);
    // Only Connection's response lines: the same words elsewhere (a consumer giving up, say) stay errors.
    kafka.logger().namespace('Consumer').error('Crash', { error: 'This server does not host this topic-partition' });
    expect(lines.at(-1)!.level).toBe('error');
  });

  it('logs "still starting" answers at info: no coordinator yet, coordinator loading, a consumer restarting on them', () => {
    connection.error('Response FindCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' });
    connection.error('Response JoinGroup(key: 11, version: 5)', { error: "The coordinator is loading and hence can't process requests for this group" });
    connection.error('Response CreateTopics(key: 19, version: 3)', { error: 'Topic creation errors' });
    const consumer = kafka.logger().namespace('Consumer');
    consumer.error("Crash: KafkaJSNumberOfRetriesExceeded: The coordinator is loading and hence can't process requests for this group", { groupId: 'g' });
    consumer.error('Crash: KafkaJSProtocolError: The group coordinator is not available', { groupId: 'g' });
    expect(lines.map((l) => l.level)).toEqual(['info', 'info', 'info', 'info', 'info']);
    // A consumer crashing for any other reason stays an error.
    consumer.error('Crash: KafkaJSError: handler threw', { groupId: 'g' });
    expect(lines.at(-1)!.level).toBe('error');
  });

  it('drops the idempotent producer warning about bounded retries (at-least-once with dedupe is deliberate)', () => {
    kafka.logger().namespace('Producer').warn('Limiting retries for the idempotent producer may invalidate EoS guarantees');
    expect(lines).toEqual([]);
  });
});
