import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { transientKind } from './transient';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('transientKind', () => {
  it.each([
    ['admin_shutdown 57P01', pgError('57P01', 'terminating connection due to administrator command')],
    ['cannot_connect_now 57P03', pgError('57P03', 'the database system is starting up')],
    ['connection_exception 08006', pgError('08006')],
    ['ECONNREFUSED', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['ECONNRESET', pgError('ECONNRESET', 'read ECONNRESET')],
    ['pool: Connection terminated', new Error('Connection terminated unexpectedly')],
    ['pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['TypeORM QueryFailedError over 57P01', new QueryFailedError('SELECT 1', [], pgError('57P01'))],
    ['a cause chain', new Error('outer', { cause: pgError('08001') })],
    ['TypeORM: the runner released after its connection was lost', new QueryRunnerAlreadyReleasedError()],
    ['TypeORM: a manager whose runner was released after its connection was lost', new QueryRunnerProviderAlreadyReleasedError()],
  ])('%s is a lost database', (_, error) => {
    expect(transientKind(error)).toBe('database');
  });

  it.each(['KafkaJSConnectionError', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError', 'KafkaJSNumberOfRetriesExceeded'])('%s is a lost broker', (name) => {
    expect(transientKind(Object.assign(new Error('kafka'), { name }))).toBe('broker');
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], pgError('23505', 'duplicate key'))],
    ['a syntax error', pgError('42601')],
    ['a plain error', new Error('boom')],
    ['a kafkajs protocol error', Object.assign(new Error('bad'), { name: 'KafkaJSProtocolError' })],
    ['not an error', 'Connection terminated'],
  ])('%s is not transient', (_, error) => {
    expect(transientKind(error)).toBeUndefined();
  });
});
