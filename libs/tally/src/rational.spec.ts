import { add, cmp, formatRational, parseRational, rat, sub } from './rational';

describe('rational', () => {
  it('reduces and keeps the denominator positive', () => {
    expect(rat(6n, -4n)).toEqual({ n: -3n, d: 2n });
    expect(add(rat(1n, 3n), rat(1n, 6n))).toEqual({ n: 1n, d: 2n });
    expect(sub(rat(1n, 2n), rat(1n, 2n))).toEqual({ n: 0n, d: 1n });
  });
  it('compares exactly where floats cannot', () => {
    const a = rat(10n ** 30n + 1n, 10n ** 30n);
    expect(cmp(a, rat(1n))).toBe(1);
    expect(cmp(rat(1n), a)).toBe(-1);
  });
  it('parses decimals and fractions', () => {
    expect(parseRational('0.8')).toEqual({ n: 4n, d: 5n });
    expect(parseRational('4/5')).toEqual({ n: 4n, d: 5n });
    expect(() => parseRational('x')).toThrow(RangeError);
    expect(formatRational(rat(2n, 3n), 3)).toBe('0.667');
  });
});
