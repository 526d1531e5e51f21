import type { RoundCheck } from './round-audit';

/** Names of the bundle-level checks (round-level ones are RoundCheck). */
export type BundleCheck =
  | 'manifest' // manifest.json parses, re-serializes to its exact bytes, and every field is what the bundle shows
  | 'file-set' // the directory holds exactly the files the manifest lists
  | 'file-digest' // each listed file has the listed size and SHA-256
  | 'public-key' // public-key.txt is a C2SP Ed25519 verifier key (and the pinned one, with --key)
  | 'key-history' // key-history.jsonl: each handover signed by the key handing over, each revocation by the key current then
  | 'checkpoint-format' // a checkpoints.jsonl line is exactly as written and agrees with its signed note
  | 'checkpoint-signature' // the note verifies under the public key
  | 'checkpoint-order' // sizes and times strictly increase
  | 'checkpoint-consistency' // the RFC 9162 consistency proof from the previous checkpoint verifies
  | 'entry-format' // a ledger.jsonl line is exactly as written
  | 'entry-index' // indexes run 0, 1, 2… without gap, repeat or swap
  | 'leaf-hash' // leaf hash = SHA-256(0x00 ‖ canonical bytes) for the round's entries
  | 'checkpoint-root' // the root recomputed from the leaves equals every signed root
  | 'checkpoint-beyond-end' // a checkpoint covers more entries than the bundle holds (truncated)
  | 'entries-beyond-checkpoint' // entries after the latest checkpoint: nothing vouches for them
  | 'witness-cosignatures' // with --witness: the checkpoint covering the round carries the quorum of valid cosignatures, and no given witness's cosignature is forged
  | 'derived-file'; // results.json and the .pb files equal what the verifier derives from the ledger

/** Every check `plaza verify` (and apps/web's browser verifier) reports, by its stable name. */
export type VerifyCheck = BundleCheck | RoundCheck;

/** Every check in the order reports list them (`checks` of a VerifyReport). */
export const VERIFY_CHECKS: readonly VerifyCheck[] = [
  'manifest',
  'file-set',
  'file-digest',
  'public-key',
  'key-history',
  'checkpoint-format',
  'checkpoint-signature',
  'checkpoint-order',
  'checkpoint-consistency',
  'entry-format',
  'entry-index',
  'leaf-hash',
  'checkpoint-root',
  'checkpoint-beyond-end',
  'entries-beyond-checkpoint',
  'event-valid',
  'stream-order',
  'phase-order',
  'ballot-phase',
  'one-ballot-per-pseudonym',
  'ballot-opening',
  'voting-closed',
  'round-config',
  'four-eyes',
  'registration-order',
  'results',
  'support-selection',
  'derived-file',
  'witness-cosignatures',
];
