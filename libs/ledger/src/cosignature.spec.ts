import { createPublicKey, verify as edVerify } from 'node:crypto';
import { formatCheckpointBody, signCheckpoint } from './checkpoint';
import {
  cosignCheckpoint,
  cosignerKeyId,
  generateCosignerKey,
  noteCosignatures,
  parseCosignerSignerKey,
  parseCosignerVerifierKey,
  verifyCosignature,
} from './cosignature';
import { cosignedMessage, parseSignatureLine } from './cosignature-text';
import { generateLedgerKeyPair, importPrivateKeyRaw } from './keys';

const cp = (size: number) => ({ origin: 'plaza.test/ledger', size, root: Buffer.alloc(32, size), time: '2026-12-07T17:00:00.000Z' });

describe('cosignature/v1 (C2SP tlog-cosignature, Ed25519)', () => {
  const seed = Buffer.alloc(32, 7);
  const witness = { keyName: 'witness.example/w1', privateKey: importPrivateKeyRaw(seed) };

  it('signs "cosignature/v1\\ntime <seconds>\\n" followed by the whole checkpoint body', () => {
    const body = formatCheckpointBody(cp(3));
    expect(Buffer.from(cosignedMessage(body, 1765126800)).toString('utf8')).toBe(`cosignature/v1\ntime 1765126800\n${body}`);
    const line = cosignCheckpoint(body, witness, 1765126800);
    const sig = parseSignatureLine(line);
    expect(sig.keyName).toBe('witness.example/w1');
    // key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]; then the big-endian u64 timestamp, then 64 signature bytes.
    expect(Buffer.from(sig.keyId).equals(cosignerKeyId(witness.keyName, witness.privateKey))).toBe(true);
    expect(sig.signature.length).toBe(72);
    expect(Buffer.from(sig.signature.subarray(0, 8)).readBigUInt64BE()).toBe(1765126800n);
    const pub = createPublicKey(witness.privateKey);
    expect(edVerify(null, cosignedMessage(body, 1765126800), pub, sig.signature.subarray(8))).toBe(true);
  });

  it('round-trips the signer and verifier keys and checks their key IDs', () => {
    const { signerKey, verifierKey } = generateCosignerKey('uni.example/witness');
    expect(signerKey).toMatch(/^PRIVATE\+KEY\+uni\.example\/witness\+[0-9a-f]{8}\+/);
    const signer = parseCosignerSignerKey(signerKey);
    expect(signer.verifierKey).toBe(verifierKey);
    expect(parseCosignerVerifierKey(verifierKey).keyId.equals(signer.keyId)).toBe(true);
    // A checkpoint signer key (type 0x01) is not a witness key.
    const [vName, vId] = verifierKey.split('+');
    const ledgerVkey = `${vName}+${vId}+${Buffer.concat([Buffer.of(1), Buffer.alloc(32, 1)]).toString('base64')}`;
    expect(() => parseCosignerVerifierKey(ledgerVkey)).toThrow(/0x04/);
    const [name, id, material] = [verifierKey.split('+')[0], verifierKey.split('+')[1], verifierKey.split('+').slice(2).join('+')];
    expect(() => parseCosignerVerifierKey(`${name}+${id === '00000000' ? '00000001' : '00000000'}+${material}`)).toThrow(/key ID/);
  });

  it('refuses a forged cosignature, one for another checkpoint, and another witness', () => {
    const { signerKey } = generateCosignerKey('w.example/a');
    const a = parseCosignerSignerKey(signerKey);
    const b = parseCosignerSignerKey(generateCosignerKey('w.example/b').signerKey);
    const body3 = formatCheckpointBody(cp(3));
    const body4 = formatCheckpointBody(cp(4));
    const line = cosignCheckpoint(body3, a, 1765126800);
    expect(verifyCosignature(body3, line, a).timestamp).toBe(1765126800);
    expect(() => verifyCosignature(body4, line, a)).toThrow(/does not verify/);
    expect(() => verifyCosignature(body3, line, b)).toThrow(/not by witness/);
    const bytes = Buffer.from(line.split(' ')[2], 'base64');
    bytes[20] ^= 1;
    expect(() => verifyCosignature(body3, `\u2014 w.example/a ${bytes.toString('base64')}\n`, a)).toThrow(/does not verify/);
    // Moving the timestamp breaks the signature too.
    const moved = Buffer.from(line.split(' ')[2], 'base64');
    moved[11] ^= 1;
    expect(() => verifyCosignature(body3, `\u2014 w.example/a ${moved.toString('base64')}\n`, a)).toThrow(/does not verify/);
  });

  it('finds the valid cosignatures of each witness on a cosigned note', () => {
    const ledger = generateLedgerKeyPair();
    const signed = signCheckpoint(cp(5), ledger.privateKey);
    const a = parseCosignerSignerKey(generateCosignerKey('w.example/a').signerKey);
    const b = parseCosignerSignerKey(generateCosignerKey('w.example/b').signerKey);
    const note = signed.note + cosignCheckpoint(signed.body, a, 100);
    const found = noteCosignatures(note, [a, b]);
    expect(found.get(a.verifierKey)?.timestamp).toBe(100);
    expect(found.get(b.verifierKey)).toBeUndefined();
  });
});
