import fc from 'fast-check';
import { CompactRange, leafHash, MerkleTree, toHex } from '@plaza/ledger';
import { EMPTY_ROOT_HEX, PrefixRoots } from './merkle';
import { leafHashes, nodeHash, sha256 } from './webcrypto';

// Each verification takes milliseconds, but the machine (and CI) may be shared by many test runs.
jest.setTimeout(60_000);

function leavesOf(n: number): { flat: Uint8Array; range: CompactRange[] } {
  const flat = new Uint8Array(32 * n);
  const range = new CompactRange();
  const ranges: CompactRange[] = [range.clone()];
  for (let i = 0; i < n; i++) {
    const leaf = leafHash(`leaf ${i}`);
    flat.set(leaf, 32 * i);
    range.append(leaf);
    ranges.push(range.clone());
  }
  return { flat, range: ranges };
}

describe('PrefixRoots (batched WebCrypto) gives the roots of libs/ledger', () => {
  it('for every prefix of a few hundred leaves', async () => {
    const n = 300;
    const { flat, range } = leavesOf(n);
    const tree = await PrefixRoots.build(flat, n);
    const sizes = Array.from({ length: n }, (_, i) => i + 1);
    const roots = await tree.roots(sizes);
    for (const size of sizes) expect(toHex(roots.get(size)!)).toBe(range[size].root().toString('hex'));
  });

  it('for random sizes and prefixes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2100 }).chain((n) => fc.tuple(fc.constant(n), fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 1, maxLength: 12 }))), async ([n, sizes]) => {
        const { flat, range } = leavesOf(n);
        const roots = await (await PrefixRoots.build(flat, n)).roots(sizes);
        for (const size of sizes) expect(toHex(roots.get(size)!)).toBe(range[size].root().toString('hex'));
      }),
      { numRuns: 25 },
    );
  });

  it('counts the node hashes it needs, and refuses sizes it does not hold', async () => {
    expect(PrefixRoots.hashesFor(0)).toBe(0);
    expect(PrefixRoots.hashesFor(1)).toBe(0);
    expect(PrefixRoots.hashesFor(7)).toBe(3 + 1);
    const tree = await PrefixRoots.build(leavesOf(4).flat, 4);
    await expect(tree.roots([5])).rejects.toThrow(RangeError);
    await expect(tree.roots([0])).rejects.toThrow(RangeError);
  });

  it('the tree of the audit service (MerkleTree) has the same root', async () => {
    const n = 1000;
    const { flat } = leavesOf(n);
    const t = new MerkleTree();
    for (let i = 0; i < n; i++) t.append(Buffer.from(flat.subarray(32 * i, 32 * i + 32)));
    expect(toHex((await (await PrefixRoots.build(flat, n)).roots([n])).get(n)!)).toBe(t.root().toString('hex'));
  });
});

describe('WebCrypto hashing agrees with libs/ledger', () => {
  it('leaf hashes of spans, in batches larger than one', async () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `{"event":${i},"pad":"${'x'.repeat(i % 97)}"}`);
    const joined = new TextEncoder().encode(texts.join('\n'));
    const starts: number[] = [];
    const ends: number[] = [];
    let at = 0;
    for (const t of texts) {
      starts.push(at);
      ends.push(at + t.length);
      at += t.length + 1;
    }
    const hashes = await leafHashes(joined, starts, ends);
    texts.forEach((t, i) => expect(toHex(hashes.subarray(32 * i, 32 * i + 32))).toBe(leafHash(t).toString('hex')));
  });

  it('node hash and the empty root', async () => {
    const a = leafHash('a');
    const b = leafHash('b');
    const range = new CompactRange();
    range.append(a);
    range.append(b);
    expect(toHex(await nodeHash(a, b))).toBe(range.root().toString('hex'));
    expect(toHex(await sha256(new Uint8Array(0)))).toBe(EMPTY_ROOT_HEX);
  });
});
