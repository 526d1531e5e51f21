import canonicalize from 'canonicalize';
import { CanonicalizationError } from './errors';

/**
 * RFC 8785 (JCS) canonical JSON of `value`, as UTF-8 bytes: the exact bytes a ledger leaf hashes.
 *
 * Only plain JSON data is accepted: null, booleans, finite numbers, strings without lone
 * surrogates (I-JSON, RFC 8785 §3.1), arrays and plain objects. Anything JSON.stringify would
 * silently drop, coerce or call into — undefined (in objects or arrays), functions, symbols,
 * BigInt, NaN/±Infinity, Dates and other class instances, `toJSON` methods — throws a
 * CanonicalizationError naming the path of the offending value, because a hash over bytes that
 * differ from what the producer believes it wrote is worse than no hash.
 */
export function canonicalBytes(value: unknown): Buffer {
  assertJcsValue(value, '$', new Set());
  const text = canonicalize(value);
  if (text === undefined) throw new CanonicalizationError('value has no JSON representation', '$');
  return Buffer.from(text, 'utf8');
}

/** The canonical JSON text of `value` (see canonicalBytes). */
export function canonicalJson(value: unknown): string {
  return canonicalBytes(value).toString('utf8');
}

// A lone surrogate has no UTF-8 encoding; Buffer.from would replace it with U+FFFD and two
// different strings would hash the same.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function assertString(s: string, path: string): void {
  if (LONE_SURROGATE.test(s)) throw new CanonicalizationError('string contains a lone UTF-16 surrogate', path);
}

function assertJcsValue(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      assertString(value, path);
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalizationError(`number ${value} is not representable in JSON`, path);
      return;
    case 'undefined':
      throw new CanonicalizationError('undefined is not representable in JSON (omit the property or use null)', path);
    case 'bigint':
      throw new CanonicalizationError('BigInt is not representable in JSON (use a string or a safe integer)', path);
    case 'function':
    case 'symbol':
      throw new CanonicalizationError(`${typeof value} is not representable in JSON`, path);
    case 'object':
      break;
  }
  if (value === null) return;
  const obj = value as object;
  if (ancestors.has(obj)) throw new CanonicalizationError('circular reference', path);
  ancestors.add(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      // Holes in sparse arrays read as undefined and are rejected like undefined.
      assertJcsValue(obj[i], `${path}[${i}]`, ancestors);
    }
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const name = (proto?.constructor as { name?: string } | undefined)?.name ?? 'unknown';
      throw new CanonicalizationError(`${name} instance is not plain JSON data (convert it first, e.g. a Date to an ISO string)`, path);
    }
    if (Object.getOwnPropertySymbols(obj).length > 0) throw new CanonicalizationError('symbol-keyed property', path);
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
      throw new CanonicalizationError('object with a toJSON method is not plain JSON data', path);
    }
    for (const key of Object.keys(obj)) {
      const childPath = `${path}.${key}`;
      assertString(key, childPath);
      assertJcsValue((obj as Record<string, unknown>)[key], childPath, ancestors);
    }
  }
  ancestors.delete(obj);
}
