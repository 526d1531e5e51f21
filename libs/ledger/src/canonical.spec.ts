import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalBytes, canonicalJson } from './canonical';
import { CanonicalizationError } from './errors';
import { leafHash } from './hasher';

// Vectors from RFC 8785 (§3.2.2.3 and Appendix B) and from the reference test data of its authors,
// github.com/cyberphone/json-canonicalization testdata/{input,output}/{values,weird}.json
// @ 1e2733fc2bd37ed680fbb595f063f7bc62b4a0ec (values) and 77917fbd5d923bca23a9b5eb8851deec918016bf (weird).

describe('canonicalBytes (RFC 8785)', () => {
  it('serializes the values.json example: number formatting, escapes, literals, key order', () => {
    const input = JSON.parse(
      '{\n  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],\n' +
        '  "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}',
    );
    expect(canonicalJson(input)).toBe(
      '{"escaping":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}',
    );
  });

  it('emits UTF-8 bytes (the € of values.json is e2 82 ac)', () => {
    expect(canonicalBytes({ e: '\u20ac' }).toString('hex')).toBe(Buffer.from('{"e":"', 'ascii').toString('hex') + 'e282ac' + '227d');
  });

  it('sorts keys by UTF-16 code units (weird.json), leaving non-ASCII and U+007F unescaped', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","1":"One","\\u0080":"Control\\u007f","\\ud83d\\ude02":"Smiley",' +
        '"\\u00f6":"Latin Small Letter O With Diaeresis","\\ufb33":"Hebrew Letter Dalet With Dagesh","</script>":"Browser Challenge"}',
    );
    expect(canonicalJson(input)).toBe(
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('orders a surrogate pair (U+1F602) before U+FB33, as UTF-16 does and code points would not', () => {
    expect(canonicalJson({ '\ufb33': 1, '\ud83d\ude02': 2 })).toBe('{"\ud83d\ude02":2,"\ufb33":1}');
  });

  it('escapes control characters as JSON requires, lowercase hex', () => {
    expect(canonicalJson('\u0000\u0008\t\n\f\r\u001f"\\')).toBe('"\\u0000\\b\\t\\n\\f\\r\\u001f\\"\\\\"');
  });

  // RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text.
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('number 0x%s is written %s', (bits, text) => {
    expect(canonicalJson([Buffer.from(bits, 'hex').readDoubleBE(0)])).toBe(`[${text}]`);
  });

  it.each([
    ['NaN', 0x7fffffffffffffffn],
    ['Infinity', 0x7ff0000000000000n],
  ])('rejects %s (Appendix B)', (_, bits) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(bits);
    expect(() => canonicalBytes({ n: b.readDoubleBE(0) })).toThrow(CanonicalizationError);
  });

  it.each([
    ['undefined at the top', undefined, '$'],
    ['undefined property', { a: 1, b: undefined }, '$.b'],
    ['undefined array element', [1, undefined], '$[1]'],
    ['sparse array hole', [1, , 3], '$[1]'], // eslint-disable-line no-sparse-arrays
    ['function', { f: () => 1 }, '$.f'],
    ['symbol value', { s: Symbol('x') }, '$.s'],
    ['BigInt', { n: 10n }, '$.n'],
    ['-Infinity', { x: [-Infinity] }, '$.x[0]'],
    ['NaN', { x: NaN }, '$.x'],
    ['Date', { at: new Date(0) }, '$.at'],
    ['Map', { m: new Map() }, '$.m'],
    ['class instance', { c: new (class Money {})() }, '$.c'],
    ['toJSON method', { t: { toJSON: () => 'x' } }, '$.t'],
    ['lone high surrogate', { s: 'a\ud800' }, '$.s'],
    ['lone low surrogate in a key', { 'k\udc00': 1 }, '$.k\udc00'],
    ['Buffer', { b: Buffer.from('x') }, '$.b'],
  ])('rejects %s with the path of the offending value', (_, value, path) => {
    try {
      canonicalBytes(value);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(CanonicalizationError);
      expect((e as CanonicalizationError).path).toBe(path);
    }
  });

  it('rejects circular structures', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalBytes(a)).toThrow(CanonicalizationError);
  });

  it('accepts the same object twice when it is not circular, and null-prototype objects', () => {
    const shared = { x: 1 };
    const bare = Object.assign(Object.create(null) as object, { b: 2, a: 1 });
    expect(canonicalJson({ p: shared, q: shared, r: bare })).toBe('{"p":{"x":1},"q":{"x":1},"r":{"a":1,"b":2}}');
  });

  it('is a fixed point: parsing canonical JSON and canonicalizing again gives the same bytes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const once = canonicalBytes(v);
        expect(canonicalBytes(JSON.parse(once.toString('utf8'))).equals(once)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on property insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), (d) => {
        const reversed = Object.fromEntries(Object.entries(d).reverse());
        expect(canonicalBytes(reversed).equals(canonicalBytes(d))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('matches the `canonicalize` package (erdtman/cyberphone) on random JSON with any code point', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('either rejects a lone surrogate or matches `canonicalize` on strings mixing surrogate halves', () => {
    const unit = fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), fc.constantFrom('a', '"', '\\', '\u0001', '\ud83d\ude02'));
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 6 }), (s) => {
        if (lone.test(s)) expect(() => canonicalJson({ s })).toThrow(CanonicalizationError);
        else expect(canonicalJson({ s })).toBe(canonicalize({ s }));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects nesting deeper than 512 levels', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 600; i++) deep = [deep];
    expect(() => canonicalBytes(deep)).toThrow(CanonicalizationError);
    let ok: unknown = 0;
    for (let i = 0; i < 500; i++) ok = { a: ok };
    expect(canonicalJson(ok).length).toBeGreaterThan(2500);
  });

  it('leafHash of the canonical string equals leafHash of its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => {
        expect(leafHash(canonicalJson(v)).equals(leafHash(canonicalBytes(v)))).toBe(true);
      }),
      { numRuns: 300 },
    );
    const big = { s: '\u20ac'.repeat(400_000) }; // > 1 MiB: the streaming branch
    expect(leafHash(canonicalJson(big)).equals(leafHash(canonicalBytes(big)))).toBe(true);
  });
});
