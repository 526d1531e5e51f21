import { splitBySize } from './outbox-relay';

describe('splitBySize (the relay keeps each Kafka send under the broker limit)', () => {
  const msg = (bytes: number, i: number) => ({ key: 'r', value: 'x'.repeat(bytes), headers: { n: String(i) } });

  it('splits a batch into consecutive sends, keeping the order and every message', () => {
    const messages = Array.from({ length: 20 }, (_, i) => msg(100_000, i));
    const sends = splitBySize(messages, 768 * 1024);
    expect(sends.flat()).toEqual(messages);
    expect(sends.length).toBeGreaterThan(1);
    for (const send of sends) expect(send.reduce((n, m) => n + m.value.length + 200, 0)).toBeLessThanOrEqual(768 * 1024);
  });

  it('sends a message larger than the limit alone rather than dropping it', () => {
    const messages = [msg(10, 0), msg(2_000_000, 1), msg(10, 2)];
    expect(splitBySize(messages, 1024).map((s) => s.map((m) => m.headers?.n))).toEqual([['0'], ['1'], ['2']]);
  });

  it('keeps small batches whole', () => {
    const messages = Array.from({ length: 500 }, (_, i) => msg(600, i));
    expect(splitBySize(messages, 768 * 1024)).toHaveLength(1);
  });
});
