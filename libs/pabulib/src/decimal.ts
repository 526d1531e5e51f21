/**
 * Exact decimal numbers for Pabulib costs, budgets, scores and points.
 *
 * Money must never pass through a JS float (0.1 + 0.2 !== 0.3, and budgets above 2^53 lose units), so a
 * `PbDecimal` is the integer `units` scaled down by `10^scale`: `"1250.50"` is `{ units: 125050n, scale: 2 }`.
 * The scale is the number of fraction digits the value was written with, so `decimalToString(parseDecimal(s))`
 * gives back `s` for every canonical spelling (no leading zeros, no `-0`); `"1.50"` and `"1.5"` are different
 * spellings of the same number — compare with `compareDecimals` / `decimalEquals`, not `===` or `toEqual`.
 * To compute in a fixed unit (e.g. grosze) use `decimalToUnits(d, 2)`, which refuses to round.
 */
export interface PbDecimal {
  readonly units: bigint;
  /** Number of fraction digits; a non-negative integer. */
  readonly scale: number;
}

// Anchored, no nested or overlapping quantifiers, so matching is linear in the input length.
const DECIMAL_SYNTAX = /^-?[0-9]+(?:\.[0-9]+)?$/;

/** The decimal written in `text` (`123`, `-4`, `0.25`; dot as separator, no exponent, no spaces), else undefined. */
export function tryParseDecimal(text: string): PbDecimal | undefined {
  if (!DECIMAL_SYNTAX.test(text)) return undefined;
  const dot = text.indexOf('.');
  if (dot === -1) return { units: BigInt(text), scale: 0 };
  return { units: BigInt(text.slice(0, dot) + text.slice(dot + 1)), scale: text.length - dot - 1 };
}

/** Like `tryParseDecimal` but throws a RangeError naming the text when it is not a decimal. */
export function parseDecimal(text: string): PbDecimal {
  const d = tryParseDecimal(text);
  if (d === undefined) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
  return d;
}

export function decimalToString(d: PbDecimal): string {
  checkScale(d.scale);
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString();
  if (d.scale === 0) return negative ? '-' + digits : digits;
  const padded = digits.padStart(d.scale + 1, '0');
  const cut = padded.length - d.scale;
  return (negative ? '-' : '') + padded.slice(0, cut) + '.' + padded.slice(cut);
}

/** `units` at the given scale, e.g. `decimalFromUnits(125050n, 2)` is 1250.50. */
export function decimalFromUnits(units: bigint, scale = 0): PbDecimal {
  checkScale(scale);
  return { units, scale };
}

/**
 * The value as an integer count of `10^-scale` units: `decimalToUnits({units: 15n, scale: 1}, 2) === 150n`.
 * Throws a RangeError if that would drop non-zero digits (1.25 at scale 1), because silent rounding of money is a bug.
 */
export function decimalToUnits(d: PbDecimal, scale: number): bigint {
  checkScale(scale);
  checkScale(d.scale);
  if (scale >= d.scale) return d.units * 10n ** BigInt(scale - d.scale);
  const divisor = 10n ** BigInt(d.scale - scale);
  if (d.units % divisor !== 0n) {
    throw new RangeError(`${decimalToString(d)} cannot be expressed exactly with ${scale} fraction digits`);
  }
  return d.units / divisor;
}

export function compareDecimals(a: PbDecimal, b: PbDecimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = decimalToUnits(a, scale);
  const y = decimalToUnits(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Numeric equality: `1.5` equals `1.50`. */
export function decimalEquals(a: PbDecimal, b: PbDecimal): boolean {
  return compareDecimals(a, b) === 0;
}

export function addDecimals(a: PbDecimal, b: PbDecimal): PbDecimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: decimalToUnits(a, scale) + decimalToUnits(b, scale), scale };
}

export function sumDecimals(values: Iterable<PbDecimal>): PbDecimal {
  let total: PbDecimal = { units: 0n, scale: 0 };
  for (const v of values) total = addDecimals(total, v);
  return total;
}

export function isIntegerDecimal(d: PbDecimal): boolean {
  return d.scale === 0 || d.units % 10n ** BigInt(d.scale) === 0n;
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 0) throw new RangeError(`decimal scale must be a non-negative integer, got ${scale}`);
}
