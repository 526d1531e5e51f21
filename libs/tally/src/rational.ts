/**
 * Exact non-negative-denominator rationals over BigInt. Every value is kept reduced so equality is structural
 * and results print the same on every machine.
 */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export function rat(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError('rational with zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  if (d === 1n) return { n, d };
  const g = gcd(n, d);
  return g === 1n ? { n, d } : { n: n / g, d: d / g };
}

export const ZERO: Rational = { n: 0n, d: 1n };

export const add = (a: Rational, b: Rational): Rational =>
  a.d === b.d ? rat(a.n + b.n, a.d) : rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational): Rational =>
  a.d === b.d ? rat(a.n - b.n, a.d) : rat(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational): Rational => rat(a.n * b.n, a.d * b.d);
export const mulInt = (a: Rational, k: bigint): Rational => rat(a.n * k, a.d);
export const div = (a: Rational, b: Rational): Rational => rat(a.n * b.d, a.d * b.n);
/** Sign of a − b. */
export const cmp = (a: Rational, b: Rational): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
export const cmpInt = (a: Rational, k: bigint): number => {
  const r = k * a.d;
  return a.n < r ? -1 : a.n > r ? 1 : 0;
};
export const toNumber = (a: Rational): number => {
  // Scale down huge values first so Number() never yields Infinity/NaN for large exact fractions.
  const shift = BigInt(Math.max(0, Math.max(bitLength(a.n), bitLength(a.d)) - 1000));
  return Number(a.n >> shift) / Number(a.d >> shift);
};
function bitLength(x: bigint): number {
  return (x < 0n ? -x : x).toString(2).length;
}

/** Parses "0.8", "4/5" or "1" into an exact rational. */
export function parseRational(text: string): Rational {
  const t = text.trim();
  const frac = /^(-?\d+)\/(\d+)$/.exec(t);
  if (frac) return rat(BigInt(frac[1]), BigInt(frac[2]));
  const dec = /^(-?)(\d*)(?:\.(\d*))?$/.exec(t);
  if (!dec || (dec[2] === '' && (dec[3] ?? '') === '')) throw new RangeError(`not a number: ${JSON.stringify(text)}`);
  const digits = dec[3] ?? '';
  const n = BigInt((dec[1] ?? '') + (dec[2] || '0') + digits);
  return rat(n, 10n ** BigInt(digits.length));
}

/** Decimal rendering with `places` digits after the point, rounded half up (for display only). */
export function formatRational(a: Rational, places = 2): string {
  const neg = a.n < 0n;
  const n = neg ? -a.n : a.n;
  const scale = 10n ** BigInt(places);
  const scaled = (n * scale * 2n + a.d) / (a.d * 2n);
  const int = scaled / scale;
  const frac = (scaled % scale).toString().padStart(places, '0');
  return (neg && scaled !== 0n ? '-' : '') + int.toString() + (places > 0 ? '.' + frac : '');
}

export const ratToJson = (a: Rational): string => (a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`);
