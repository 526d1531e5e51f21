import { sign as edSign, webcrypto } from 'node:crypto';
import {
  CheckpointSigner,
  formatCheckpointBody,
  formatSignedNote,
  parseCheckpointBody,
  parseSignedNote,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
  type SignedCheckpoint,
} from './checkpoint';
import { CheckpointError } from './errors';
import { leafHash } from './hasher';
import {
  exportPrivateKeyPem,
  exportPrivateKeyRaw,
  exportPublicKeyPem,
  exportPublicKeyRaw,
  exportPublicKeySpki,
  formatSignerKey,
  formatVerifierKey,
  generateLedgerKeyPair,
  importPrivateKeyPem,
  importPrivateKeyRaw,
  importPublicKeyPem,
  importPublicKeyRaw,
  noteKeyId,
  parseSignerKey,
  parseVerifierKey,
  publicKeyRaw,
} from './keys';
import { MerkleTree } from './merkle-tree';

const ORIGIN = 'plaza.example/ledger';
const ROOT = Buffer.from('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328', 'hex');
const cp: Checkpoint = { origin: ORIGIN, size: 8, root: ROOT, time: '2026-11-25T17:02:03.000Z' };

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CheckpointError) return e.reason;
    throw e;
  }
  throw new Error('accepted');
}

describe('checkpoint body (C2SP tlog-checkpoint + time extension line)', () => {
  it('has exactly these bytes', () => {
    expect(formatCheckpointBody(cp)).toBe(
      'plaza.example/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntime 2026-11-25T17:02:03.000Z\n',
    );
  });

  it('round-trips through parseCheckpointBody', () => {
    const parsed = parseCheckpointBody(formatCheckpointBody(cp));
    expect(parsed).toEqual({ ...cp, root: expect.any(Buffer) });
    expect(Buffer.from(parsed.root).equals(ROOT)).toBe(true);
  });

  it('writes the empty tree as size 0', () => {
    const empty = { ...cp, size: 0, root: Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex') };
    expect(formatCheckpointBody(empty).split('\n')[1]).toBe('0');
  });

  const good = formatCheckpointBody(cp);
  it.each([
    ['no final newline', good.slice(0, -1)],
    ['missing time line', good.split('\n').slice(0, 3).join('\n') + '\n'],
    ['extra extension line', good + 'extra\n'],
    ['leading zero in size', good.replace('\n8\n', '\n08\n')],
    ['negative size', good.replace('\n8\n', '\n-8\n')],
    ['size beyond 2^53', good.replace('\n8\n', '\n9007199254740993\n')],
    ['root not 32 bytes', good.replace('XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=', 'AAAA')],
    ['root not canonical base64', good.replace('XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=', 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg')],
    ['time without milliseconds', good.replace('17:02:03.000Z', '17:02:03Z')],
    ['time with an offset', good.replace('17:02:03.000Z', '17:02:03.000+00:00')],
    ['impossible date', good.replace('2026-11-25', '2026-02-30')],
    ['other extension keyword', good.replace('time ', 'Time ')],
    ['origin with a space', good.replace('plaza.example/ledger', 'plaza example')],
    ['empty origin', good.replace('plaza.example/ledger', '')],
  ])('parseCheckpointBody rejects %s', (_, text) => {
    expect(reason(() => parseCheckpointBody(text))).toBe('malformed-body');
  });

  it('formatCheckpointBody refuses what it could not parse back', () => {
    expect(reason(() => formatCheckpointBody({ ...cp, root: ROOT.subarray(1) }))).toBe('malformed-body');
    expect(reason(() => formatCheckpointBody({ ...cp, size: 1.5 }))).toBe('malformed-body');
    expect(reason(() => formatCheckpointBody({ ...cp, time: '2026-11-25 17:02:03' }))).toBe('malformed-body');
    expect(reason(() => formatCheckpointBody({ ...cp, origin: 'a+b' }))).toBe('malformed-body');
  });
});

describe('signed notes: known answer from golang.org/x/mod/sumdb/note', () => {
  // Package documentation example of sumdb/note (github.com/golang/mod sumdb/note/note.go
  // @ a410e2daa716f879ede62862a0351cad3606d11b): key strings, text and the exact signed note.
  const SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
  const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const NOTE = `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

  it('derives the same key ID, key strings and signed note byte for byte', () => {
    const { keyName, keyId, privateKey } = parseSignerKey(SKEY);
    const { publicKey } = parseVerifierKey(VKEY);
    expect(keyName).toBe('PeterNeumann');
    expect(keyId.toString('hex')).toBe('c74f20a3');
    expect(noteKeyId('PeterNeumann', publicKey).toString('hex')).toBe('c74f20a3');
    expect(publicKeyRaw(privateKey).equals(publicKeyRaw(publicKey))).toBe(true);
    expect(formatSignerKey('PeterNeumann', privateKey)).toBe(SKEY);
    expect(formatVerifierKey('PeterNeumann', publicKey)).toBe(VKEY);
    const signature = edSign(null, Buffer.from(TEXT), privateKey);
    expect(formatSignedNote(TEXT, [{ keyName, keyId, signature }])).toBe(NOTE);
  });

  it('parses the reference note back into text and signature', () => {
    const { text, signatures } = parseSignedNote(NOTE);
    expect(text).toBe(TEXT);
    expect(signatures).toHaveLength(1);
    expect(signatures[0].keyName).toBe('PeterNeumann');
    expect(signatures[0].keyId.toString('hex')).toBe('c74f20a3');
    expect(signatures[0].signature).toHaveLength(64);
  });

  it.each([
    ['a mangled key ID', VKEY.replace('c74f20a3', 'c74f20a4')],
    ['a truncated key', VKEY.slice(0, -4)],
    ['a missing part', 'PeterNeumann+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
  ])('parseVerifierKey rejects %s', (_, vkey) => {
    expect(reason(() => parseVerifierKey(vkey))).toBe('malformed-key');
  });
});

describe('signCheckpoint / verifyCheckpoint', () => {
  const keys = generateLedgerKeyPair();
  const other = generateLedgerKeyPair();
  const signed = signCheckpoint(cp, keys.privateKey);

  it('produces a C2SP note: body, blank line, one em-dash signature line with key ID and signature', () => {
    expect(signed.keyName).toBe(ORIGIN);
    expect(signed.keyId).toBe(noteKeyId(ORIGIN, keys.publicKey).toString('hex'));
    expect(Buffer.from(signed.signature, 'base64')).toHaveLength(64);
    const sigBlob = Buffer.concat([Buffer.from(signed.keyId, 'hex'), Buffer.from(signed.signature, 'base64')]).toString('base64');
    expect(signed.note).toBe(`${signed.body}\n\u2014 ${ORIGIN} ${sigBlob}\n`);
  });

  it('verifies with the public key in every exported form and returns the checkpoint', () => {
    for (const key of [keys.publicKey, keys.privateKey, exportPublicKeyPem(keys.publicKey), publicKeyRaw(keys.publicKey), importPublicKeyRaw(exportPublicKeyRaw(keys.publicKey))]) {
      const got = verifyCheckpoint(signed, key);
      expect(got.size).toBe(8);
      expect(Buffer.from(got.root).equals(ROOT)).toBe(true);
      expect(got.time).toBe(cp.time);
    }
    expect(verifyCheckpoint(signed.note, keys.publicKey, { keyName: ORIGIN, origin: ORIGIN }).origin).toBe(ORIGIN);
  });

  it('can be verified by WebCrypto Ed25519 from the raw and the SPKI public key, over the UTF-8 body', async () => {
    const subtle = webcrypto.subtle;
    const raw = await subtle.importKey('raw', publicKeyRaw(keys.publicKey), { name: 'Ed25519' }, false, ['verify']);
    const spki = await subtle.importKey('spki', Buffer.from(exportPublicKeySpki(keys.publicKey), 'base64'), { name: 'Ed25519' }, false, ['verify']);
    const sig = Buffer.from(signed.signature, 'base64');
    const body = new TextEncoder().encode(signed.body);
    expect(await subtle.verify({ name: 'Ed25519' }, raw, sig, body)).toBe(true);
    expect(await subtle.verify({ name: 'Ed25519' }, spki, sig, body)).toBe(true);
    expect(await subtle.verify({ name: 'Ed25519' }, raw, sig, new TextEncoder().encode(signed.body.replace('\n8\n', '\n9\n')))).toBe(false);
  });

  it('rejects a tampered body in the note (bad signature)', () => {
    const note = signed.note.replace('\n8\n', '\n9\n');
    expect(reason(() => verifyCheckpoint(note, keys.publicKey))).toBe('bad-signature');
  });

  it('rejects a tampered time, root or origin in the note', () => {
    expect(reason(() => verifyCheckpoint(signed.note.replace('17:02:03.000Z', '17:02:04.000Z'), keys.publicKey))).toBe('bad-signature');
    const root = ROOT.toString('base64');
    const flipped = Buffer.from(ROOT);
    flipped[31] ^= 1;
    expect(reason(() => verifyCheckpoint(signed.note.replace(root, flipped.toString('base64')), keys.publicKey))).toBe('bad-signature');
    // The key ID binds the name: changing origin and key name together leaves no signature from this key.
    expect(reason(() => verifyCheckpoint(signed.note.split(ORIGIN).join('evil.example/ledger'), keys.publicKey))).toBe('unknown-key');
  });

  it('rejects a tampered signature', () => {
    const sig = Buffer.from(signed.signature, 'base64');
    sig[0] ^= 1;
    const blob = Buffer.concat([Buffer.from(signed.keyId, 'hex'), sig]).toString('base64');
    const note = formatSignedNote(signed.body, [{ keyName: ORIGIN, keyId: Buffer.from(signed.keyId, 'hex'), signature: sig }]);
    expect(note).toContain(blob);
    expect(reason(() => verifyCheckpoint(note, keys.publicKey))).toBe('bad-signature');
    const short = formatSignedNote(signed.body, [{ keyName: ORIGIN, keyId: Buffer.from(signed.keyId, 'hex'), signature: sig.subarray(1) }]);
    expect(reason(() => verifyCheckpoint(short, keys.publicKey))).toBe('bad-signature');
  });

  it('rejects another key (no signature from the trusted key)', () => {
    expect(reason(() => verifyCheckpoint(signed, other.publicKey))).toBe('unknown-key');
    expect(reason(() => verifyCheckpoint(signed, keys.publicKey, { keyName: 'someone.else' }))).toBe('unknown-key');
  });

  it('rejects a forged signature that reuses the trusted key ID (the line from a known key fails)', () => {
    const forged = signCheckpoint({ ...cp, size: 9 }, other.privateKey);
    const note = formatSignedNote(forged.body, [
      { keyName: ORIGIN, keyId: Buffer.from(signed.keyId, 'hex'), signature: Buffer.from(forged.signature, 'base64') },
    ]);
    expect(reason(() => verifyCheckpoint(note, keys.publicKey))).toBe('bad-signature');
  });

  it('ignores signatures from unknown keys next to a good one (cosigners, rotation)', () => {
    const cosigned = signCheckpoint(cp, other.privateKey, 'witness.example');
    const p = parseSignedNote(cosigned.note).signatures[0];
    const note = formatSignedNote(signed.body, [p, ...parseSignedNote(signed.note).signatures]);
    expect(verifyCheckpoint(note, keys.publicKey).size).toBe(8);
  });

  it('rejects object fields that disagree with the note', () => {
    const cases: SignedCheckpoint[] = [
      { ...signed, body: signed.body.replace('\n8\n', '\n9\n') },
      { ...signed, keyId: '00000000' },
      { ...signed, keyName: 'x' },
      { ...signed, signature: signCheckpoint({ ...cp, size: 9 }, keys.privateKey).signature },
    ];
    for (const c of cases) expect(reason(() => verifyCheckpoint(c, keys.publicKey))).toBe('inconsistent-fields');
  });

  it('rejects a wrong origin when one is required', () => {
    expect(reason(() => verifyCheckpoint(signed, keys.publicKey, { origin: 'other.example/ledger' }))).toBe('origin-mismatch');
  });

  it.each([
    ['no blank line', (n: string) => n.replace('\n\n', '\n')],
    ['no signature lines', (n: string) => n.slice(0, n.indexOf('\u2014'))],
    ['ASCII dash instead of em dash', (n: string) => n.replace('\u2014', '--')],
    ['a control character', (n: string) => n.replace('plaza', 'pl\u0007aza')],
    ['a carriage return', (n: string) => n.replace(/\n/g, '\r\n')],
    ['signature line without final newline', (n: string) => n.slice(0, -1)],
    ['non-base64 signature', (n: string) => n.replace(/ (\S+)\n$/, ' not*base64\n')],
  ])('rejects a note with %s', (_, mangle) => {
    expect(reason(() => verifyCheckpoint(mangle(signed.note), keys.publicKey))).toBe('malformed-note');
  });
});

describe('key export and import', () => {
  const keys = generateLedgerKeyPair();

  it('round-trips private keys through PEM and raw seed, producing the same signatures', () => {
    const viaPem = importPrivateKeyPem(exportPrivateKeyPem(keys.privateKey));
    const viaRaw = importPrivateKeyRaw(exportPrivateKeyRaw(keys.privateKey));
    const a = signCheckpoint(cp, keys.privateKey);
    expect(signCheckpoint(cp, viaPem).note).toBe(a.note);
    expect(signCheckpoint(cp, viaRaw).note).toBe(a.note);
    expect(Buffer.from(exportPrivateKeyRaw(keys.privateKey), 'base64')).toHaveLength(32);
  });

  it('round-trips public keys through PEM, raw and SPKI', () => {
    const raw = exportPublicKeyRaw(keys.publicKey);
    expect(Buffer.from(raw, 'base64')).toHaveLength(32);
    expect(exportPublicKeyRaw(importPublicKeyPem(exportPublicKeyPem(keys.publicKey)))).toBe(raw);
    expect(exportPublicKeyRaw(importPublicKeyRaw(Buffer.from(raw, 'base64')))).toBe(raw);
    expect(Buffer.from(exportPublicKeySpki(keys.publicKey), 'base64').subarray(-32).toString('base64')).toBe(raw);
  });

  it('refuses non-Ed25519 and malformed keys', () => {
    expect(reason(() => importPublicKeyRaw(Buffer.alloc(31)))).toBe('malformed-key');
    expect(reason(() => importPublicKeyRaw('not base64!'))).toBe('malformed-key');
    expect(reason(() => importPublicKeyPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'))).toBe('malformed-key');
    expect(reason(() => signCheckpoint(cp, keys.publicKey))).toBe('malformed-key');
    expect(reason(() => signCheckpoint(cp, keys.privateKey, 'bad name'))).toBe('malformed-key');
  });
});

describe('CheckpointSigner', () => {
  const keys = generateLedgerKeyPair();
  const leaves = Array.from({ length: 20 }, (_, i) => leafHash(Buffer.from(`e${i}`)));
  const tree = MerkleTree.fromLeafHashes(leaves);
  const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 17, 0, s));

  it('signs successive checkpoints that verify', () => {
    const signer = new CheckpointSigner({ origin: ORIGIN, privateKey: keys.privateKey });
    const a = signer.sign({ size: 5, root: tree.root(5), time: at(1) });
    const b = signer.sign({ size: 12, root: tree.root(12), time: at(2) }, tree.consistencyProof(5, 12));
    const c = signer.sign({ size: 12, root: tree.root(12), time: at(3) });
    expect([a, b, c].map((s) => verifyCheckpoint(s, keys.publicKey).size)).toEqual([5, 12, 12]);
    expect(signer.last?.time).toBe(at(3).toISOString());
  });

  it('refuses a time that does not strictly increase', () => {
    const signer = new CheckpointSigner({ origin: ORIGIN, privateKey: keys.privateKey });
    signer.sign({ size: 5, root: tree.root(5), time: at(10) });
    expect(reason(() => signer.sign({ size: 6, root: tree.root(6), time: at(10) }))).toBe('time-not-increasing');
    expect(reason(() => signer.sign({ size: 6, root: tree.root(6), time: at(9) }))).toBe('time-not-increasing');
    // A refused checkpoint does not move the signer forward.
    expect(signer.last?.size).toBe(5);
  });

  it('refuses a decreasing size and a changed root at the same size', () => {
    const signer = new CheckpointSigner({ origin: ORIGIN, privateKey: keys.privateKey });
    signer.sign({ size: 10, root: tree.root(10), time: at(1) });
    expect(reason(() => signer.sign({ size: 9, root: tree.root(9), time: at(2) }))).toBe('size-decreasing');
    expect(reason(() => signer.sign({ size: 10, root: tree.root(9), time: at(3) }))).toBe('inconsistent-with-previous');
  });

  it('refuses a root that a supplied consistency proof does not connect to the previous one', () => {
    const signer = new CheckpointSigner({ origin: ORIGIN, privateKey: keys.privateKey });
    signer.sign({ size: 5, root: tree.root(5), time: at(1) });
    const forkRoot = MerkleTree.fromLeafHashes([...leaves.slice(0, 4), leafHash(Buffer.from('forked')), ...leaves.slice(5, 12)]).root();
    expect(reason(() => signer.sign({ size: 12, root: forkRoot, time: at(2) }, tree.consistencyProof(5, 12)))).toBe('inconsistent-with-previous');
  });

  it('keeps the rules across a restart when given the previous checkpoint', () => {
    const first = new CheckpointSigner({ origin: ORIGIN, privateKey: keys.privateKey });
    const signed = first.sign({ size: 7, root: tree.root(7), time: at(30) });
    const previous = verifyCheckpoint(signed, keys.publicKey);
    const resumed = new CheckpointSigner({ origin: ORIGIN, privateKey: exportPrivateKeyPem(keys.privateKey), previous });
    expect(reason(() => resumed.sign({ size: 8, root: tree.root(8), time: at(30) }))).toBe('time-not-increasing');
    expect(verifyCheckpoint(resumed.sign({ size: 8, root: tree.root(8), time: at(31) }), keys.publicKey).size).toBe(8);
    expect(reason(() => new CheckpointSigner({ origin: 'other.example', privateKey: keys.privateKey, previous }))).toBe('origin-mismatch');
  });
});
