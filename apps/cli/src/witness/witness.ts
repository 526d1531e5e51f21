import { verify as edVerify } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CheckpointError,
  cosignCheckpoint,
  generateCosignerKey,
  LedgerError,
  parseCosignerSignerKey,
  parseHandoverText,
  parseSignedNote,
  parseVerifierKey,

  verifyCheckpoint,
  verifyConsistency,
  type Checkpoint,
} from '@plaza/ledger';

/**
 * The witness: an independent program that cosigns (C2SP tlog-cosignature) only checkpoints of the audit
 * service's ledger that are consistent with the last one it cosigned. Its memory is one small folder (--state):
 * state.json (the operator's key, pinned on first contact, and the last checkpoint cosigned) and, after a refusal,
 * HALTED and an evidence folder.
 */

export const STATE_FILE = 'state.json';
export const HALTED_FILE = 'HALTED';

export interface WitnessState {
  readonly audit: string;
  /** The audit service's C2SP verifier key, pinned on first contact (trust on first use). */
  readonly operatorKey: string;
  readonly origin: string;
  /** The last checkpoint cosigned: its size, root (base64) and full signed note as fetched. */
  readonly size: number;
  readonly rootHash: string;
  readonly note: string;
  /** The cosignature line this witness made for it. */
  readonly cosignature: string;
}

export type WitnessOutcome =
  | { readonly kind: 'cosigned'; readonly size: number; readonly previous?: number; readonly submitted: boolean; readonly message: string }
  | { readonly kind: 'unchanged'; readonly size: number; readonly message: string }
  | { readonly kind: 'refused'; readonly reason: 'rollback' | 'split-view' | 'bad-signature'; readonly evidence: string; readonly message: string };

/** Thrown for what a retry may fix: the audit service is down or answered badly. */
export class WitnessUnavailable extends Error {}

/** The key files of `plaza witness keygen`: slashes of the key name become '_' in the file name. */
export function keyFileBase(name: string): string {
  return name.replace(/\//g, '_');
}

/** Writes DIR/NAME.key (signer key, mode 0600) and DIR/NAME.vkey (verifier key); refuses to overwrite. */
export function witnessKeygen(name: string, dir: string): { keyFile: string; vkeyFile: string; verifierKey: string } {
  const { signerKey, verifierKey } = generateCosignerKey(name);
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, `${keyFileBase(name)}.key`);
  const vkeyFile = join(dir, `${keyFileBase(name)}.vkey`);
  for (const f of [keyFile, vkeyFile]) if (existsSync(f)) throw new Error(`${f} exists: refusing to overwrite a witness key`);
  writeFileSync(keyFile, signerKey + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
  writeFileSync(vkeyFile, verifierKey + '\n', { flag: 'wx' });
  return { keyFile, vkeyFile, verifierKey };
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new WitnessUnavailable(`GET ${url}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* kept as text */
  }
  if (res.status >= 500) throw new WitnessUnavailable(`GET ${url}: HTTP ${res.status}`);
  return { status: res.status, body };
}

function readState(dir: string): WitnessState | undefined {
  const path = join(dir, STATE_FILE);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as WitnessState) : undefined;
}

function writeState(dir: string, state: WitnessState): void {
  const tmp = join(dir, `${STATE_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, join(dir, STATE_FILE));
}

export interface WitnessOptions {
  readonly audit: string;
  readonly keyFile: string;
  readonly stateDir: string;
  readonly now?: () => number;
}

/**
 * One pass: fetch the latest signed checkpoint, check the operator's signature, and a consistency proof from the
 * last checkpoint cosigned; then cosign it, keep it in the state and submit the cosignature. A smaller size, a
 * different root at the same size or a proof that does not verify is refused: evidence is written, the state folder
 * is marked HALTED (later runs refuse to start until a person has looked), nothing is cosigned.
 */
export async function witnessOnce(options: WitnessOptions): Promise<WitnessOutcome> {
  const audit = options.audit.replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const signer = parseCosignerSignerKey(readFileSync(options.keyFile, 'utf8'));
  mkdirSync(options.stateDir, { recursive: true });
  const halted = join(options.stateDir, HALTED_FILE);
  if (existsSync(halted)) {
    throw new Error(`the witness halted earlier (${readFileSync(halted, 'utf8').trim()}); read the evidence in ${options.stateDir}, then remove ${halted} to resume`);
  }
  const state = readState(options.stateDir);
  let operatorKey = state?.operatorKey;
  if (!operatorKey) {
    const key = await getJson(`${audit}/ledger/public-key`);
    operatorKey = (key.body as { verifierKey?: string }).verifierKey;
    if (key.status !== 200 || typeof operatorKey !== 'string') throw new WitnessUnavailable(`${audit}/ledger/public-key did not give a verifier key`);
  }
  const latest = await getJson(`${audit}/ledger/checkpoints/latest`);
  if (latest.status === 404) return { kind: 'unchanged', size: 0, message: 'no checkpoint has been signed yet' };
  const note = (latest.body as { note?: string }).note;
  if (latest.status !== 200 || typeof note !== 'string') throw new WitnessUnavailable(`${audit}/ledger/checkpoints/latest: HTTP ${latest.status}`);
  // Only the operator's own signature line is kept: other witnesses' lines are not ours to vouch for.
  const { text: body } = parseSignedNote(note);
  const refuse = (reason: 'rollback' | 'split-view' | 'bad-signature', message: string, proof?: unknown): WitnessOutcome => {
    const evidence = writeEvidence(options.stateDir, now(), { reason, message, previous: state, latestNote: note, proof });
    writeFileSync(halted, `${reason} at ${new Date(now()).toISOString()}: ${message}\n`);
    return { kind: 'refused', reason, evidence, message };
  };
  let cp: Checkpoint;
  try {
    const operator = parseVerifierKey(operatorKey);
    cp = verifyCheckpoint(note, operator.publicKey, { keyName: operator.keyName });
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    // A rotated key is followed only through handovers signed by the pinned key (and then by each next key).
    const next = await followHandovers(audit, operatorKey);
    let rotated: Checkpoint | undefined;
    if (next) {
      try {
        const k = parseVerifierKey(next.key);
        rotated = verifyCheckpoint(note, k.publicKey, { keyName: k.keyName });
      } catch {
        rotated = undefined;
      }
    }
    if (!next || !rotated || rotated.size < next.fromSize) {
      return refuse('bad-signature', `the latest checkpoint is not signed by the operator key ${operatorKey} (nor by a key it handed over to): ${e.message}`);
    }
    cp = rotated;
    operatorKey = next.key;
  }
  if (state && cp.origin !== state.origin) return refuse('split-view', `the latest checkpoint is of origin ${cp.origin}, not ${state.origin}`);
  const root = Buffer.from(cp.root).toString('base64');
  let proofRecord: unknown;
  if (state) {
    if (cp.size < state.size) {
      return refuse('rollback', `rolled back: the latest checkpoint has size ${cp.size}, but this witness cosigned size ${state.size} before`);
    }
    if (cp.size === state.size) {
      if (root !== state.rootHash) return refuse('split-view', `two roots for size ${cp.size}: ${state.rootHash} cosigned before, ${root} now`);
      const cosigned = (latest.body as { cosignatures?: { line: string }[] }).cosignatures ?? [];
      if (cosigned.some((c) => c.line === state.cosignature)) return { kind: 'unchanged', size: cp.size, message: `size ${cp.size} is already cosigned` };
      // Cosigned before but the submission was lost: submit the same cosignature again.
      const submitted = await submit(audit, cp.size, state.cosignature);
      return { kind: 'cosigned', size: cp.size, submitted, message: `cosignature of size ${cp.size} submitted again` };
    }
    const url = `${audit}/ledger/consistency?from=${state.size}&to=${cp.size}`;
    const answer = await getJson(url);
    const proofHex = (answer.body as { proof?: unknown }).proof;
    proofRecord = { url, status: answer.status, answer: answer.body, from: state.size, to: cp.size };
    if (answer.status !== 200 || !Array.isArray(proofHex) || !proofHex.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
      return refuse('split-view', `the operator gave no consistency proof from size ${state.size} (cosigned before) to ${cp.size}: HTTP ${answer.status}`, proofRecord);
    }
    try {
      verifyConsistency(state.size, cp.size, proofHex.map((h: string) => Buffer.from(h, 'hex')), Buffer.from(state.rootHash, 'base64'), cp.root);
    } catch (e) {
      if (!(e instanceof LedgerError)) throw e;
      return refuse(
        'split-view',
        `the checkpoint of size ${cp.size} (root ${root}) is not consistent with the one of size ${state.size} (root ${state.rootHash}) this witness cosigned: ${e.message}`,
        proofRecord,
      );
    }
  }
  const cosignature = cosignCheckpoint(body, signer, Math.floor(now() / 1000));
  // Kept before it is sent: a witness never cosigns two different trees of one size, even across a crash.
  writeState(options.stateDir, { audit, operatorKey, origin: cp.origin, size: cp.size, rootHash: root, note, cosignature });
  const submitted = await submit(audit, cp.size, cosignature);
  return {
    kind: 'cosigned',
    size: cp.size,
    previous: state?.size,
    submitted,
    message: `cosigned size ${cp.size}${state ? ` (consistent with size ${state.size})` : ' (first checkpoint seen; operator key pinned)'}${submitted ? '' : ', submission failed: retried next run'}`,
  };
}

/** The newest key reachable from `pinned` through handovers each signed by the key before it (GET /ledger/key-history). */
async function followHandovers(audit: string, pinned: string): Promise<{ key: string; fromSize: number } | undefined> {
  const answer = await getJson(`${audit}/ledger/key-history`);
  const history = (answer.body as { history?: { kind: string; note: string }[] }).history;
  if (answer.status !== 200 || !Array.isArray(history)) return undefined;
  let key = pinned;
  let fromSize = -1;
  for (const h of history) {
    if (h.kind !== 'handover' || typeof h.note !== 'string') continue;
    try {
      const current = parseVerifierKey(key);
      const { text, signatures } = parseSignedNote(h.note);
      const own = signatures.filter((s) => s.keyName === current.keyName && s.keyId.equals(current.keyId));
      if (own.length === 0 || !own.every((s) => edVerify(null, Buffer.from(text, 'utf8'), current.publicKey, s.signature))) return undefined;
      const handover = parseHandoverText(text);
      if (handover.fromSize <= fromSize) return undefined;
      key = handover.newKey;
      fromSize = handover.fromSize;
    } catch {
      return undefined;
    }
  }
  return key === pinned ? undefined : { key, fromSize };
}

async function submit(audit: string, size: number, cosignature: string): Promise<boolean> {
  try {
    const res = await fetch(`${audit}/ledger/cosignatures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size, cosignature }),
    });
    if (res.status === 200) return true;
    throw new Error(`POST ${audit}/ledger/cosignatures: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('POST')) throw e;
    return false;
  }
}

/** Writes the evidence of a refusal to `<state>/evidence-<time>/` and returns that folder. */
function writeEvidence(
  dir: string,
  at: number,
  what: { reason: string; message: string; previous: WitnessState | undefined; latestNote: string; proof?: unknown },
): string {
  const folder = join(dir, `evidence-${new Date(at).toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(folder, { recursive: true });
  if (what.previous) writeFileSync(join(folder, 'cosigned-checkpoint.note'), what.previous.note);
  writeFileSync(join(folder, 'offered-checkpoint.note'), what.latestNote);
  if (what.proof !== undefined) writeFileSync(join(folder, 'consistency-proof.json'), JSON.stringify(what.proof, null, 2) + '\n');
  const report = [
    `Plaza witness refused to cosign: ${what.reason}`,
    what.message,
    '',
    `audit service: ${what.previous?.audit ?? '?'}`,
    `operator key:  ${what.previous?.operatorKey ?? '?'}`,
    what.previous ? `cosigned before: size ${what.previous.size}, root ${what.previous.rootHash} (cosigned-checkpoint.note)` : 'cosigned before: nothing',
    'offered now:     offered-checkpoint.note',
    what.proof !== undefined ? 'the proof asked for and the answer: consistency-proof.json' : '',
    '',
    'Both notes carry the operator\'s signature: together they prove the operator signed two histories that cannot both be true.',
    'Publish them (see docs/witnessing.md, "When the witness reports a split view").',
  ].join('\n');
  writeFileSync(join(folder, 'report.txt'), report + '\n');
  return folder;
}


