import { CheckpointError } from './errors';
import { checkOrigin, checkpointTimeMillis } from './note';

// The ledger key's history as signed notes (C2SP signed-note bodies; the signature lines are by Ed25519 ledger
// keys, type 0x01): a handover by the old key naming the new key and the ledger size from which it signs, and a
// revocation of a compromised key from a size, with a public reason. Pure text, shared by Node and the browser.

export const HANDOVER_HEADER = 'plaza.ledger/key-handover/v1';
export const REVOCATION_HEADER = 'plaza.ledger/key-revocation/v1';
const DECIMAL = /^(0|[1-9][0-9]*)$/;

export interface Handover {
  readonly origin: string;
  /** Checkpoints of this size or larger are signed by `newKey`, smaller ones by the key handing over. */
  readonly fromSize: number;
  /** C2SP verifier key of the new key. */
  readonly newKey: string;
  readonly time: string;
}

export interface Revocation {
  readonly origin: string;
  /** C2SP verifier key revoked. */
  readonly revokedKey: string;
  /** Checkpoints of this size or larger signed by the revoked key are invalid. */
  readonly fromSize: number;
  readonly reason: string;
  readonly time: string;
}

const bad = (message: string) => new CheckpointError('malformed-body', message);

function oneLine(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.length === 0 || /[\u0000-\u001f]/.test(value)) throw bad(`${what} must be one non-empty line`);
}

function size(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw bad(`${what} must be a non-negative integer`);
}

/**
 * The handover body:
 * `plaza.ledger/key-handover/v1\n<origin>\nfrom <size>\nkey <new verifier key>\ntime <ISO-8601 ms>\n`.
 * The first line keeps it apart from a checkpoint body (whose second line is a bare decimal size).
 */
export function formatHandoverText(h: Handover): string {
  checkOrigin(h.origin);
  size(h.fromSize, 'from');
  oneLine(h.newKey, 'key');
  checkpointTimeMillis(h.time);
  return `${HANDOVER_HEADER}\n${h.origin}\nfrom ${h.fromSize}\nkey ${h.newKey}\ntime ${h.time}\n`;
}

/**
 * The revocation body:
 * `plaza.ledger/key-revocation/v1\n<origin>\nkey <revoked verifier key>\nfrom <size>\nreason <one line>\ntime <ISO-8601 ms>\n`.
 */
export function formatRevocationText(r: Revocation): string {
  checkOrigin(r.origin);
  oneLine(r.revokedKey, 'key');
  size(r.fromSize, 'from');
  oneLine(r.reason, 'reason');
  checkpointTimeMillis(r.time);
  return `${REVOCATION_HEADER}\n${r.origin}\nkey ${r.revokedKey}\nfrom ${r.fromSize}\nreason ${r.reason}\ntime ${r.time}\n`;
}

function fields(text: string, header: string, names: readonly string[]): { origin: string; values: string[] } {
  if (!text.endsWith('\n')) throw bad('note body must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== header || lines.length !== names.length + 2) throw bad(`not a ${header} note`);
  const values = names.map((name, i) => {
    const line = lines[i + 2];
    if (!line.startsWith(`${name} `)) throw bad(`line ${i + 3} of a ${header} note must start with "${name} "`);
    return line.slice(name.length + 1);
  });
  return { origin: lines[1], values };
}

/** Parses a handover body exactly as formatHandoverText writes it. */
export function parseHandoverText(text: string): Handover {
  const { origin, values } = fields(text, HANDOVER_HEADER, ['from', 'key', 'time']);
  if (!DECIMAL.test(values[0])) throw bad('handover size is not a decimal');
  const h = { origin, fromSize: Number(values[0]), newKey: values[1], time: values[2] };
  if (formatHandoverText(h) !== text) throw bad('handover is not in its canonical form');
  return h;
}

/** Parses a revocation body exactly as formatRevocationText writes it. */
export function parseRevocationText(text: string): Revocation {
  const { origin, values } = fields(text, REVOCATION_HEADER, ['key', 'from', 'reason', 'time']);
  if (!DECIMAL.test(values[1])) throw bad('revocation size is not a decimal');
  const r = { origin, revokedKey: values[0], fromSize: Number(values[1]), reason: values[2], time: values[3] };
  if (formatRevocationText(r) !== text) throw bad('revocation is not in its canonical form');
  return r;
}
