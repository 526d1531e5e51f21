import fc from 'fast-check';
import {
  addDecimals,
  compareDecimals,
  decimalEquals,
  decimalFromUnits,
  decimalToString,
  decimalToUnits,
  isIntegerDecimal,
  parseDecimal,
  sumDecimals,
  tryParseDecimal,
} from './decimal';

describe('PbDecimal', () => {
  it('parses integers and dot decimals exactly, keeping the written scale', () => {
    expect(parseDecimal('24186815')).toEqual({ units: 24186815n, scale: 0 });
    expect(parseDecimal('1250.50')).toEqual({ units: 125050n, scale: 2 });
    expect(parseDecimal('0.05')).toEqual({ units: 5n, scale: 2 });
    expect(parseDecimal('-3.1')).toEqual({ units: -31n, scale: 1 });
    // Beyond 2^53: a float would lose the last unit.
    expect(decimalToString(parseDecimal('9007199254740993.01'))).toBe('9007199254740993.01');
  });

  it('rejects everything that is not a plain dot decimal', () => {
    for (const bad of ['', ' 1', '1 ', '1,5', '1.', '.5', '+1', '1e3', '0x10', 'NaN', '1.2.3', '--1', '١٢']) {
      expect([bad, tryParseDecimal(bad)]).toEqual([bad, undefined]);
    }
    expect(() => parseDecimal('12 PLN')).toThrow(RangeError);
  });

  it('formats with the scale it carries', () => {
    expect(decimalToString(decimalFromUnits(5n, 3))).toBe('0.005');
    expect(decimalToString(decimalFromUnits(-5n, 3))).toBe('-0.005');
    expect(decimalToString(decimalFromUnits(100n, 2))).toBe('1.00');
    expect(decimalToString(decimalFromUnits(7n))).toBe('7');
    expect(() => decimalFromUnits(1n, -1)).toThrow(RangeError);
    expect(() => decimalFromUnits(1n, 1.5)).toThrow(RangeError);
  });

  it('converts to units at a scale without ever rounding', () => {
    expect(decimalToUnits(parseDecimal('12.5'), 2)).toBe(1250n);
    expect(decimalToUnits(parseDecimal('12.50'), 1)).toBe(125n);
    expect(decimalToUnits(parseDecimal('300000'), 0)).toBe(300000n);
    expect(() => decimalToUnits(parseDecimal('12.25'), 1)).toThrow(/cannot be expressed exactly/);
  });

  it('compares, adds and sums across scales', () => {
    expect(compareDecimals(parseDecimal('1.5'), parseDecimal('1.50'))).toBe(0);
    expect(decimalEquals(parseDecimal('2'), parseDecimal('2.000'))).toBe(true);
    expect(compareDecimals(parseDecimal('0.1'), parseDecimal('0.09'))).toBe(1);
    expect(compareDecimals(parseDecimal('-1'), parseDecimal('0'))).toBe(-1);
    expect(decimalToString(addDecimals(parseDecimal('0.1'), parseDecimal('0.2')))).toBe('0.3');
    expect(decimalToString(sumDecimals(['1.25', '2', '0.75'].map(parseDecimal)))).toBe('4.00');
    expect(decimalToString(sumDecimals([]))).toBe('0');
    expect(isIntegerDecimal(parseDecimal('3.00'))).toBe(true);
    expect(isIntegerDecimal(parseDecimal('3.01'))).toBe(false);
  });

  it('property: string form round trips and arithmetic agrees with bigint arithmetic', () => {
    const dec = fc.record({ units: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), scale: fc.integer({ min: 0, max: 8 }) });
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        expect(parseDecimal(decimalToString(a))).toEqual(a);
        const s = Math.max(a.scale, b.scale);
        const x = a.units * 10n ** BigInt(s - a.scale);
        const y = b.units * 10n ** BigInt(s - b.scale);
        expect(decimalToUnits(addDecimals(a, b), s)).toBe(x + y);
        expect(compareDecimals(a, b)).toBe(x < y ? -1 : x > y ? 1 : 0);
        expect(decimalToUnits(a, a.scale + 3)).toBe(a.units * 1000n);
      }),
    );
  });
});
