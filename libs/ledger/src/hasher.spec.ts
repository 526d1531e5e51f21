import { createHash } from 'node:crypto';
import { EMPTY_ROOT, emptyRoot, leafHash, nodeHash } from './hasher';
import { LEAF_INPUTS, LEAF_L123456, NODE_HASHES, ROOT_HASHES, hex } from './test-vectors';

describe('RFC 9162 hashing (transparency-dev/merkle known answers)', () => {
  it('empty root is SHA-256 of the empty string', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOT_HASHES[0]);
    expect(emptyRoot().toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('emptyRoot() returns a copy the caller cannot use to corrupt the constant', () => {
    const r = emptyRoot();
    r.fill(0);
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOT_HASHES[0]);
  });

  it('hashes the empty leaf differently from the empty tree', () => {
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('hashes leaf "L123456" as rfc6962_test.go says', () => {
    expect(leafHash(Buffer.from('L123456')).toString('hex')).toBe(LEAF_L123456);
  });

  it.each(LEAF_INPUTS.map((input, i) => [i, input]))('leaf %i (%s) has the reference leaf hash', (i, input) => {
    expect(leafHash(hex(input as string)).toString('hex')).toBe(NODE_HASHES[0][i as number]);
  });

  it('every interior node of the 8-leaf tree is SHA-256(0x01 ‖ left ‖ right) of its children', () => {
    for (let level = 1; level < NODE_HASHES.length; level++) {
      NODE_HASHES[level].forEach((expected, i) => {
        expect(nodeHash(hex(NODE_HASHES[level - 1][2 * i]), hex(NODE_HASHES[level - 1][2 * i + 1])).toString('hex')).toBe(expected);
      });
    }
  });

  it('gives the same result as hashing 0x00 ‖ bytes in one piece, for small and large inputs', () => {
    for (const size of [0, 1, 31, 4095, 4096, 10_000, (1 << 20) + 5]) {
      const data = Buffer.alloc(size, size % 251);
      const expected = createHash('sha256').update(Buffer.concat([Buffer.of(0), data])).digest('hex');
      expect(leafHash(data).toString('hex')).toBe(expected);
    }
  });

  it('returns independent buffers (the scratch space is not leaked)', () => {
    const a = leafHash(Buffer.from('a'));
    const aHex = a.toString('hex');
    leafHash(Buffer.from('b'));
    const n = nodeHash(a, a);
    const nHex = n.toString('hex');
    nodeHash(n, a);
    expect(a.toString('hex')).toBe(aHex);
    expect(n.toString('hex')).toBe(nHex);
  });

  it('refuses node children that are not 32-byte hashes', () => {
    expect(() => nodeHash(Buffer.from('N123'), Buffer.from('N456'))).toThrow(RangeError);
  });

  it('is second-preimage resistant across leaf and node domains', () => {
    const l = leafHash(Buffer.from('Hello'));
    const r = leafHash(Buffer.from('World'));
    expect(nodeHash(l, r).equals(leafHash(Buffer.concat([l, r])))).toBe(false);
    expect(nodeHash(l, r).equals(nodeHash(r, l))).toBe(false);
  });
});
