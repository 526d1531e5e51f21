import { toOutgoingMessage } from './outbox-relay';
import { quoteIdent } from './sql';

describe('toOutgoingMessage', () => {
  it('keys by round, carries the envelope as JSON and the routing headers', () => {
    const envelope = {
      id: '0199a0d4-5b7e-7cc1-9a42-1f0e2d3c4b5a',
      type: 'BallotCast',
      schemaVersion: 3,
      streamId: 'ballot-1',
      streamVersion: 2,
      roundId: 'round-7',
      occurredAt: '2026-11-25T17:00:00.000Z',
      producer: 'voting' as const,
      correlationId: 'c-1',
      causationId: null,
      payload: { approvals: ['p1', 'p2'] },
    };
    const message = toOutgoingMessage(envelope);
    expect(message.key).toBe('round-7');
    expect(JSON.parse(message.value.toString())).toEqual(envelope);
    expect(message.headers).toEqual({
      'event-id': envelope.id,
      'event-type': 'BallotCast',
      'schema-version': '3',
      producer: 'voting',
    });
  });
});

describe('quoteIdent', () => {
  it('quotes and escapes any name PostgreSQL accepts', () => {
    expect(quoteIdent('voting')).toBe('"voting"');
    expect(quoteIdent('a "b"')).toBe('"a ""b"""');
  });
  it('refuses names PostgreSQL would truncate or cannot hold', () => {
    expect(() => quoteIdent('')).toThrow(RangeError);
    expect(() => quoteIdent('x'.repeat(64))).toThrow(RangeError);
    expect(() => quoteIdent('a\0b')).toThrow(RangeError);
  });
});
