import { createHash, generateKeyPairSync, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { bytesEqual, toHex } from './bytes';
import { CheckpointError } from './errors';
import { exportPrivateKeyRaw, importPrivateKeyRaw, importPublicKeyRaw, publicKeyRaw, type PrivateKeyInput, type PublicKeyInput, toPrivateKey } from './keys';
import { assertKeyName, parseNote } from './note';
import {
  cosignatureKeyIdInput,
  cosignedMessage,
  formatCosignatureLine,
  NOTE_SIG_COSIGNATURE_V1,
  parseCosignerKeyText,
  parseSignatureLine,
  parseTimestampedSignature,
} from './cosignature-text';

// Witness keys and Ed25519 cosignature/v1 (C2SP tlog-cosignature) for Node: keygen, cosign, verify.

/** A witness's public identity: the name on its cosignature lines and its Ed25519 key. */
export interface Cosigner {
  readonly keyName: string;
  /** 4-byte key ID (SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4]). */
  readonly keyId: Buffer;
  readonly publicKey: KeyObject;
  /** The C2SP verifier key string `<name>+<id>+<base64(0x04 ‖ key)>`. */
  readonly verifierKey: string;
}

/** A verified cosignature. */
export interface Cosignature {
  readonly keyName: string;
  readonly keyId: string;
  /** POSIX seconds when the witness cosigned. */
  readonly timestamp: number;
  /** The signature line, with its final newline. */
  readonly line: string;
}

/** C2SP cosigner key ID of an Ed25519 public key. */
export function cosignerKeyId(keyName: string, publicKey: PublicKeyInput): Buffer {
  return createHash('sha256').update(cosignatureKeyIdInput(keyName, publicKeyRaw(publicKey))).digest().subarray(0, 4);
}

/** The witness verifier key (vkey) `<name>+<key id hex>+<base64(0x04 ‖ public key)>`. */
export function formatCosignerVerifierKey(keyName: string, publicKey: PublicKeyInput): string {
  assertKeyName(keyName);
  const raw = publicKeyRaw(publicKey);
  return `${keyName}+${toHex(cosignerKeyId(keyName, raw))}+${Buffer.concat([Buffer.of(NOTE_SIG_COSIGNATURE_V1), raw]).toString('base64')}`;
}

/** The witness signer key `PRIVATE+KEY+<name>+<key id hex>+<base64(0x04 ‖ seed)>` (keep it secret). */
export function formatCosignerSignerKey(keyName: string, privateKey: PrivateKeyInput): string {
  assertKeyName(keyName);
  const priv = toPrivateKey(privateKey);
  const seed = Buffer.from(exportPrivateKeyRaw(priv), 'base64');
  return `PRIVATE+KEY+${keyName}+${toHex(cosignerKeyId(keyName, priv))}+${Buffer.concat([Buffer.of(NOTE_SIG_COSIGNATURE_V1), seed]).toString('base64')}`;
}

/** A fresh witness key pair as its two C2SP strings. */
export function generateCosignerKey(keyName: string): { signerKey: string; verifierKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signerKey: formatCosignerSignerKey(keyName, privateKey), verifierKey: formatCosignerVerifierKey(keyName, publicKey) };
}

/** Parses a witness verifier key, checking its key ID (throws CheckpointError 'malformed-key'). */
export function parseCosignerVerifierKey(vkey: string): Cosigner {
  const { keyName, keyIdHex, rawKey } = parseCosignerKeyText(vkey);
  const publicKey = importPublicKeyRaw(rawKey);
  const keyId = cosignerKeyId(keyName, publicKey);
  if (toHex(keyId) !== keyIdHex) throw new CheckpointError('malformed-key', 'witness verifier key ID does not match its name and key');
  return { keyName, keyId, publicKey, verifierKey: formatCosignerVerifierKey(keyName, publicKey) };
}

/** Parses a witness signer key (checking its key ID against the derived public key). */
export function parseCosignerSignerKey(skey: string): Cosigner & { readonly privateKey: KeyObject } {
  const parts = skey.trim().split('+');
  if (parts.length < 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw new CheckpointError('malformed-key', 'witness signer key must be PRIVATE+KEY+<name>+<hex id>+<base64 key>');
  const [, , keyName, idHex] = parts;
  assertKeyName(keyName);
  const material = Buffer.from(parts.slice(4).join('+'), 'base64');
  if (material.length !== 33 || material[0] !== NOTE_SIG_COSIGNATURE_V1 || material.toString('base64') !== parts.slice(4).join('+')) {
    throw new CheckpointError('malformed-key', 'witness signer key is not an Ed25519 cosignature/v1 key (signature type 0x04)');
  }
  const privateKey = importPrivateKeyRaw(material.subarray(1));
  const keyId = cosignerKeyId(keyName, privateKey);
  if (toHex(keyId) !== idHex) throw new CheckpointError('malformed-key', 'witness signer key ID does not match its name and key');
  return { keyName, keyId, privateKey, publicKey: importPublicKeyRaw(publicKeyRaw(privateKey)), verifierKey: formatCosignerVerifierKey(keyName, privateKey) };
}

/** Cosigns a checkpoint body at `timestamp` (POSIX seconds): the signature line to append to its note. */
export function cosignCheckpoint(body: string, signer: { keyName: string; privateKey: KeyObject }, timestamp: number): string {
  const signature = edSign(null, cosignedMessage(body, timestamp), signer.privateKey);
  return formatCosignatureLine(signer.keyName, cosignerKeyId(signer.keyName, signer.privateKey), timestamp, signature);
}

/**
 * Verifies one cosignature line against the checkpoint body it claims to cosign and a witness key. Throws
 * CheckpointError: 'unknown-key' (another name or key ID), 'bad-signature' (a forgery, or a cosignature of
 * another checkpoint), 'malformed-note'.
 */
export function verifyCosignature(body: string, line: string, witness: Cosigner): Cosignature {
  const s = parseSignatureLine(line);
  if (s.keyName !== witness.keyName || !bytesEqual(s.keyId, witness.keyId)) {
    throw new CheckpointError('unknown-key', `the cosignature is not by witness ${witness.keyName} (key ${toHex(witness.keyId)})`);
  }
  const ts = parseTimestampedSignature(s.signature);
  if (!ts) throw new CheckpointError('malformed-note', 'a cosignature/v1 is an 8-byte timestamp and a 64-byte Ed25519 signature');
  if (!edVerify(null, cosignedMessage(body, ts.timestamp), witness.publicKey, ts.signature)) {
    throw new CheckpointError('bad-signature', `the cosignature by ${witness.keyName} does not verify for this checkpoint`);
  }
  return { keyName: s.keyName, keyId: toHex(s.keyId), timestamp: ts.timestamp, line: line.endsWith('\n') ? line : line + '\n' };
}

/** The valid cosignatures a signed note carries from each of `witnesses` (other lines are ignored). */
export function noteCosignatures(note: string, witnesses: readonly Cosigner[]): Map<string, Cosignature | undefined> {
  const { text, signatures } = parseNote(note);
  const out = new Map<string, Cosignature | undefined>();
  for (const w of witnesses) {
    out.set(w.verifierKey, undefined);
    for (const s of signatures) {
      if (s.keyName !== w.keyName || !bytesEqual(s.keyId, w.keyId)) continue;
      const line = formatNoteLine(s.keyName, s.keyId, s.signature);
      try {
        out.set(w.verifierKey, verifyCosignature(text, line, w));
        break;
      } catch {
        /* a bad line does not count */
      }
    }
  }
  return out;
}

function formatNoteLine(keyName: string, keyId: Uint8Array, signature: Uint8Array): string {
  return `\u2014 ${keyName} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}
