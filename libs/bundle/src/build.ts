import { createHash, type Hash } from 'node:crypto';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  formatCheckpointLine,
  formatLedgerLine,
  formatManifest,
  formatPublicKey,
  type BundleCheckpoint,
  type ManifestFile,
} from './format';
import { RoundAudit } from './round-audit';

/** One ledger leaf as a bundle source hands it over: the canonical bytes only for the bundle's round. */
export interface LeafSource {
  readonly index: number;
  readonly leafHash: Uint8Array;
  readonly canonical?: string | Buffer | null;
}

/** ledger.jsonl, line by line, from leaves in index order. */
export async function* ledgerLines(leaves: AsyncIterable<LeafSource> | Iterable<LeafSource>): AsyncGenerator<string> {
  for await (const leaf of leaves) {
    const canonical = leaf.canonical == null ? undefined : typeof leaf.canonical === 'string' ? leaf.canonical : leaf.canonical.toString('utf8');
    yield formatLedgerLine(leaf.index, Buffer.from(leaf.leafHash).toString('hex'), canonical);
  }
}

export function checkpointsText(checkpoints: readonly BundleCheckpoint[]): string {
  return checkpoints.map(formatCheckpointLine).join('');
}

export function publicKeyText(verifierKey: string): string {
  return formatPublicKey(verifierKey);
}

/**
 * The files derived from the round's events (results.json and one .pb per unit), by replaying them in ledger
 * order exactly as `plaza verify` will.
 */
export async function derivedFiles(roundId: string, events: AsyncIterable<{ index: number; event: unknown }> | Iterable<{ index: number; event: unknown }>): Promise<Map<string, string>> {
  const audit = new RoundAudit(roundId);
  for await (const e of events) audit.apply(e.index, e.event);
  return new Map(audit.finish().files);
}

/** SHA-256 and length of a file written in pieces. */
export class FileDigest {
  readonly #hash: Hash = createHash('sha256');
  #bytes = 0;

  constructor(readonly name: string) {}

  update(chunk: string | Buffer): void {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.#hash.update(b);
    this.#bytes += b.length;
  }

  done(): ManifestFile {
    return { name: this.name, bytes: this.#bytes, sha256: this.#hash.digest('hex') };
  }
}

export function digestOf(name: string, text: string): ManifestFile {
  const d = new FileDigest(name);
  d.update(text);
  return d.done();
}

export interface ManifestInput {
  readonly roundId: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly ledgerSize: number;
  readonly roundEntries: number;
  readonly checkpoints: readonly BundleCheckpoint[];
  readonly files: readonly ManifestFile[];
}

export function manifestText(m: ManifestInput): string {
  const last = m.checkpoints.at(-1);
  if (!last) throw new Error('a bundle needs at least one checkpoint');
  return formatManifest({
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    roundId: m.roundId,
    origin: m.origin,
    verifierKey: m.verifierKey,
    ledgerSize: m.ledgerSize,
    roundEntries: m.roundEntries,
    checkpoints: m.checkpoints.length,
    latestCheckpoint: { size: last.size, rootHash: last.rootHash, time: last.time },
    files: m.files,
  });
}
