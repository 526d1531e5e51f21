import fc from 'fast-check';
import { ProofError, RootMismatchError } from './errors';
import { EMPTY_ROOT, leafHash } from './hasher';
import { MerkleTree } from './merkle-tree';
import { corruptConsistency, corruptInclusion, expectRejected } from './proof-probes';
import { CONSISTENCY_PROOFS, INCLUSION_PROOFS, LEAF_INPUTS, ROOT_HASHES, SOME_HASH, hex } from './test-vectors';
import {
  consistencyProofLength,
  inclusionProofLength,
  rootFromInclusionProof,
  verifyConsistency,
  verifyConsistencyAsync,
  verifyInclusion,
  verifyInclusionAsync,
} from './verify';

const leaves = LEAF_INPUTS.map((l) => leafHash(hex(l)));
const roots = ROOT_HASHES.map(hex);
const someHash = hex(SOME_HASH);


describe('verifyInclusion on transparency-dev/merkle vectors', () => {
  it.each(INCLUSION_PROOFS)('index $index in size $size verifies and the tree produces the same proof', ({ index, size, proof }) => {
    const p = proof.map(hex);
    expect(rootFromInclusionProof(leaves[index], index, size, p).equals(roots[size])).toBe(true);
    expect(() => verifyInclusion(leaves[index], index, size, p, roots[size])).not.toThrow();
    expect(inclusionProofLength(index, size)).toBe(p.length);
    const tree = MerkleTree.fromLeafHashes(leaves);
    expect(tree.inclusionProof(index, size).map((h) => h.toString('hex'))).toEqual(proof);
  });

  it.each(INCLUSION_PROOFS)('rejects every corruption of the proof for index $index in size $size', ({ index, size, proof }) => {
    for (const probe of corruptInclusion(index, size, proof.map(hex), roots[size], leaves[index])) {
      expectRejected(() => verifyInclusion(probe.leaf, probe.index, probe.size, probe.proof, probe.root), probe.desc);
    }
  });

  it('single-entry tree: the root is the leaf hash and the proof is empty', () => {
    const h = leafHash(Buffer.from('data'));
    expect(() => verifyInclusion(h, 0, 1, [], h)).not.toThrow();
    expect(() => verifyInclusion(h, 0, 1, [], Buffer.alloc(0))).toThrow(ProofError);
    expect(() => verifyInclusion(Buffer.alloc(0), 0, 1, [], h)).toThrow(ProofError);
    expect(() => verifyInclusion(h, 0, 1, [], someHash)).toThrow(RootMismatchError);
  });

  it.each([
    [0, 0],
    [1, 0],
    [2, 1],
  ])('index %i is out of range for size %i', (index, size) => {
    expect(() => verifyInclusion(someHash, index, size, [], EMPTY_ROOT)).toThrow(ProofError);
  });

  it('reports calculated and expected roots on a mismatch', () => {
    const { index, size, proof } = INCLUSION_PROOFS[0];
    try {
      verifyInclusion(leaves[index], index, size, proof.map(hex), someHash);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(RootMismatchError);
      const m = e as RootMismatchError;
      expect(m.size).toBe(size);
      expect(m.calculated.equals(roots[size])).toBe(true);
      expect(m.expected.equals(someHash)).toBe(true);
    }
  });

  it('reports expected and actual lengths for a proof of the wrong length', () => {
    const { index, size, proof } = INCLUSION_PROOFS[0];
    try {
      verifyInclusion(leaves[index], index, size, proof.map(hex).slice(1), roots[size]);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ProofError);
      expect((e as ProofError).expectedLength).toBe(3);
      expect((e as ProofError).actualLength).toBe(2);
    }
  });

  it('rejects sizes that are not safe integers', () => {
    expect(() => verifyInclusion(leaves[0], 0, 1.5, [], leaves[0])).toThrow(RangeError);
    expect(() => verifyInclusion(leaves[0], -1, 1, [], leaves[0])).toThrow(RangeError);
    expect(() => verifyInclusion(leaves[0], 0, 2 ** 53, [], leaves[0])).toThrow(RangeError);
  });
});

describe('verifyConsistency on transparency-dev/merkle vectors', () => {
  it.each(CONSISTENCY_PROOFS)('$size1 → $size2 verifies and the tree produces the same proof', ({ size1, size2, proof }) => {
    const p = proof.map(hex);
    expect(() => verifyConsistency(size1, size2, p, roots[size1], roots[size2])).not.toThrow();
    if (size1 < size2) expect(consistencyProofLength(size1, size2)).toBe(p.length);
    const tree = MerkleTree.fromLeafHashes(leaves);
    expect(tree.consistencyProof(size1, size2).map((h) => h.toString('hex'))).toEqual(proof);
  });

  it.each(CONSISTENCY_PROOFS.filter((c) => c.proof.length > 0))(
    'rejects every corruption of the proof $size1 → $size2',
    ({ size1, size2, proof }) => {
      for (const probe of corruptConsistency(size1, size2, proof.map(hex), roots[size1], roots[size2])) {
        expectRejected(() => verifyConsistency(probe.size1, probe.size2, probe.proof, probe.root1, probe.root2), probe.desc);
      }
    },
  );

  // verify_test.go TestVerifyConsistency edge table, with its "don't care" roots replaced by hashes
  // (we require 32-byte roots) and one deliberate difference: from size 0 we require root1 to be
  // the empty-tree root.
  const r1 = leafHash(Buffer.from("don't care 1"));
  const r2 = leafHash(Buffer.from("don't care 2"));
  it.each([
    { size1: 0, size2: 0, root1: r1, root2: r2, proof: [], ok: false, why: 'equal sizes, different roots' },
    { size1: 1, size2: 1, root1: r1, root2: r2, proof: [], ok: false, why: 'equal sizes, different roots' },
    { size1: 0, size2: 0, root1: EMPTY_ROOT, root2: EMPTY_ROOT, proof: [], ok: true, why: 'empty to empty' },
    { size1: 0, size2: 1, root1: EMPTY_ROOT, root2: r2, proof: [], ok: true, why: 'empty tree is a prefix of anything' },
    { size1: 0, size2: 1, root1: r1, root2: r2, proof: [], ok: false, why: 'size 0 with a non-empty root (stricter than Go)' },
    { size1: 1, size2: 1, root1: r2, root2: r2, proof: [], ok: true, why: 'same tree' },
    { size1: 1, size2: 0, root1: r1, root2: r2, proof: [], ok: false, why: 'time travel' },
    { size1: 2, size2: 1, root1: r1, root2: r2, proof: [], ok: false, why: 'time travel' },
    { size1: 1, size2: 2, root1: r1, root2: r2, proof: [], ok: false, why: 'empty proof' },
    { size1: 0, size2: 0, root1: EMPTY_ROOT, root2: EMPTY_ROOT, proof: [EMPTY_ROOT], ok: false, why: 'non-empty proof' },
    { size1: 0, size2: 1, root1: EMPTY_ROOT, root2: EMPTY_ROOT, proof: [EMPTY_ROOT], ok: false, why: 'non-empty proof' },
    { size1: 1, size2: 1, root1: EMPTY_ROOT, root2: EMPTY_ROOT, proof: [EMPTY_ROOT], ok: false, why: 'non-empty proof' },
  ])('$size1 → $size2: $why', ({ size1, size2, root1, root2, proof, ok }) => {
    const run = () => verifyConsistency(size1, size2, proof, root1, root2);
    if (ok) expect(run).not.toThrow();
    else expectRejected(run, `${size1} → ${size2}`);
  });

  it('names the size whose root mismatched', () => {
    const { size1, size2, proof } = CONSISTENCY_PROOFS[2];
    const p = proof.map(hex);
    expect(() => verifyConsistency(size1, size2, p, someHash, roots[size2])).toThrow(expect.objectContaining({ size: size1 }));
    expect(() => verifyConsistency(size1, size2, p, roots[size1], someHash)).toThrow(expect.objectContaining({ size: size2 }));
  });
});

describe('proof lengths for sizes beyond 32 bits', () => {
  // transparency-dev/merkle proof/verify.go (decompInclProof) computes lengths with 64-bit bit
  // operations; recomputed here with BigInt as an independent check of our arithmetic, which must
  // not fall into JavaScript's 32-bit bitwise operators.
  const bitLen = (x: bigint) => x.toString(2).replace(/^0+/, '').length;
  const ones = (x: bigint) => [...x.toString(2)].filter((c) => c === '1').length;
  const trailingZeros = (x: bigint) => {
    let n = 0;
    while ((x & 1n) === 0n) {
      x >>= 1n;
      n++;
    }
    return n;
  };
  const decomp = (index: bigint, size: bigint) => {
    const inner = bitLen(index ^ (size - 1n));
    return { inner, border: ones(index >> BigInt(inner)) };
  };
  const bigSize = fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 2 ** 40, max: Number.MAX_SAFE_INTEGER }));

  it('inclusionProofLength matches Go decompInclProof', () => {
    fc.assert(
      fc.property(bigSize, fc.double({ min: 0, max: 1, noNaN: true }), (size, f) => {
        const index = Math.min(size - 1, Math.floor(f * size));
        const { inner, border } = decomp(BigInt(index), BigInt(size));
        expect(inclusionProofLength(index, size)).toBe(inner + border);
      }),
      { numRuns: 2000 },
    );
  });

  it('consistencyProofLength matches Go RootFromConsistencyProof', () => {
    fc.assert(
      fc.property(bigSize, fc.double({ min: 0, max: 1, noNaN: true }), (size2, f) => {
        const size1 = Math.max(1, Math.min(size2 - 1, Math.floor(f * size2)));
        fc.pre(size1 < size2);
        const s1 = BigInt(size1);
        const { inner, border } = decomp(s1 - 1n, BigInt(size2));
        const shift = trailingZeros(s1);
        const start = s1 === 1n << BigInt(shift) ? 0 : 1;
        expect(consistencyProofLength(size1, size2)).toBe(start + inner - shift + border);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects random garbage for huge trees with typed errors', () => {
    fc.assert(
      fc.property(bigSize, fc.nat(), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 60 }), (size, i, proof) => {
        const index = i % size;
        expectRejected(() => verifyInclusion(someHash, index, size, proof, EMPTY_ROOT), `inclusion ${index}/${size}`);
        expectRejected(() => verifyConsistency(Math.max(1, index), size, proof, someHash, EMPTY_ROOT), `consistency ${index}→${size}`);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the async drivers (a browser hashing with WebCrypto) agree with the sync ones', () => {
  const subtle = (globalThis as unknown as { crypto: { subtle: { digest(a: string, d: Uint8Array): Promise<ArrayBuffer> } } }).crypto.subtle;
  const webNodeHash = async (l: Uint8Array, r: Uint8Array) => {
    const b = new Uint8Array(65);
    b[0] = 1;
    b.set(l, 1);
    b.set(r, 33);
    return new Uint8Array(await subtle.digest('SHA-256', b));
  };
  const outcome = (run: () => void) => {
    try {
      run();
      return 'ok';
    } catch (e) {
      return `${(e as Error).constructor.name}: ${(e as Error).message}`;
    }
  };
  const outcomeAsync = async (run: () => Promise<void>) => {
    try {
      await run();
      return 'ok';
    } catch (e) {
      return `${(e as Error).constructor.name}: ${(e as Error).message}`;
    }
  };

  it('on every inclusion vector and every corruption of it', async () => {
    for (const { index, size, proof } of INCLUSION_PROOFS) {
      const probes = [{ index, size, leaf: leaves[index], proof: proof.map(hex), root: roots[size] }, ...corruptInclusion(index, size, proof.map(hex), roots[size], leaves[index])];
      for (const p of probes) {
        const sync = outcome(() => verifyInclusion(p.leaf, p.index, p.size, p.proof, p.root));
        expect(await outcomeAsync(() => verifyInclusionAsync(p.leaf, p.index, p.size, p.proof, p.root, webNodeHash))).toBe(sync);
      }
    }
  });

  it('on every consistency vector and every corruption of it', async () => {
    for (const { size1, size2, proof } of CONSISTENCY_PROOFS) {
      const probes = [{ size1, size2, proof: proof.map(hex), root1: roots[size1], root2: roots[size2] }, ...corruptConsistency(size1, size2, proof.map(hex), roots[size1], roots[size2])];
      for (const p of probes) {
        const sync = outcome(() => verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2));
        expect(await outcomeAsync(() => verifyConsistencyAsync(p.size1, p.size2, p.proof, p.root1, p.root2, webNodeHash))).toBe(sync);
      }
    }
  });
});
