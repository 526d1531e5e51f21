import fc from 'fast-check';
import { bytesEqual, decodeBase64, fromHex, toBase64, toHex, utf8 } from './bytes';

/** The Buffer-based check the lib used before bytes.ts: canonical iff it round-trips. */
const bufferDecode = (text: string) => {
  const b = Buffer.from(text, 'base64');
  return b.toString('base64') === text ? b : undefined;
};

describe('bytes: Buffer-free helpers agree with Buffer', () => {
  it('toHex, toBase64 and fromHex on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
        expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(bytesEqual(fromHex(toHex(bytes))!, bytes)).toBe(true);
      }),
    );
  });

  it('decodeBase64 accepts exactly the canonical strings Buffer round-trips, with the same bytes', () => {
    const b64ish = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n'.split('')), maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(b64ish, fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')), fc.string()), (text) => {
        const mine = decodeBase64(text);
        const theirs = bufferDecode(text);
        expect(mine === undefined).toBe(theirs === undefined);
        if (mine && theirs) expect(Buffer.from(mine).equals(theirs)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('fromHex refuses odd lengths and non-hex; utf8 matches Buffer.from', () => {
    expect(fromHex('abc')).toBeUndefined();
    expect(fromHex('zz')).toBeUndefined();
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => expect(Buffer.from(utf8(s)).equals(Buffer.from(s, 'utf8'))).toBe(true)));
  });
});
