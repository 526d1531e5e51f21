import { Injectable } from '@nestjs/common';
import { NotFound } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import { checkpointsText, derivedFiles, digestOf, FileDigest, ledgerLines, manifestText, publicKeyText, type LeafSource } from '@plaza/bundle';
import { CHECKPOINTS_FILE, KEY_HISTORY_FILE, formatKeyHistoryLine, LEDGER_FILE, PB_FILE_PATTERN, PUBLIC_KEY_FILE, RESULTS_FILE, type BundleCheckpoint } from '@plaza/bundle';
import type { CheckpointView } from '../ledger/checkpoints';
import { LedgerQuery } from '../ledger/ledger-query';
import { LedgerTree } from '../ledger/ledger-tree';
import { SigningKey } from '../ledger/signing-key';
import { KeyRotation } from '../ledger/key-rotation';

const BATCH = 10_000;

export type Sink = (chunk: string) => void | Promise<void>;

/**
 * The parts of a bundle cut at one checkpoint that follow from the ledger alone (which never changes below a
 * checkpoint's size): ledger.jsonl, key-history.jsonl and the derived files (results, .pb). checkpoints.json is
 * not among them: witnesses may cosign an old checkpoint later, so it is made on each request (cheap).
 */
interface BuiltBundle {
  readonly ledger: string;
  readonly ledgerDigest: ReturnType<FileDigest['done']>;
  readonly roundEntries: number;
  readonly keyHistory: string | undefined;
  readonly derived: ReadonlyMap<string, string>;
  readonly bytes: number;
}

/** Bundles kept in memory, least recently used dropped first, by total size (issue #13: 50 readers, one build). */
export const BUNDLE_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * Builds a round's audit bundle (format in apps/cli/src/bundle/format.ts and apps/audit/README.md) at a
 * checkpoint: every byte follows from the ledger up to that checkpoint's size, so the manifest and each file
 * can be served by separate requests and still agree.
 */
@Injectable()
export class BundleService {
  constructor(
    private readonly query: LedgerQuery,
    private readonly tree: LedgerTree,
    private readonly key: SigningKey,
    private readonly rotation: KeyRotation,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {}

  /** Builds started since the service started (each (round, checkpoint) once while it stays cached). */
  builds = 0;
  readonly #cache = new Map<string, Promise<BuiltBundle>>();
  readonly #sizes = new Map<string, number>();
  #cachedBytes = 0;

  /**
   * The ledger-derived parts of the bundle of `roundId` cut at `size`, built once: concurrent requests share the
   * one build in flight, later ones the cached result. A build that fails is not kept.
   */
  built(roundId: string, size: number): Promise<BuiltBundle> {
    const key = `${roundId}@${size}`;
    const hit = this.#cache.get(key);
    if (hit) {
      this.#cache.delete(key); // most recently used last
      this.#cache.set(key, hit);
      return hit;
    }
    this.#sizes.delete(key);
    const build = this.#build(roundId, size);
    this.#cache.set(key, build);
    build.then(
      (b) => {
        if (this.#cache.get(key) !== build) return;
        this.#sizes.set(key, b.bytes);
        this.#cachedBytes += b.bytes;
        for (const k of [...this.#cache.keys()]) {
          if (this.#cachedBytes <= BUNDLE_CACHE_BYTES) break;
          // Oldest first; builds still in flight stay (their requests are waiting), and a bundle too big to
          // keep at all goes last: served to the requests that shared its build, then dropped.
          const bytes = this.#sizes.get(k);
          if (bytes === undefined || (k === key && this.#cache.size > 1 && b.bytes <= BUNDLE_CACHE_BYTES)) continue;
          this.#cache.delete(k);
          this.#sizes.delete(k);
          this.#cachedBytes -= bytes;
        }
      },
      () => {
        if (this.#cache.get(key) === build) this.#cache.delete(key);
      },
    );
    return build;
  }

  async #build(roundId: string, size: number): Promise<BuiltBundle> {
    this.builds++;
    const lines: string[] = [];
    const digest = new FileDigest(LEDGER_FILE);
    let roundEntries = 0;
    for await (const line of ledgerLines(this.#leaves(roundId, size, () => roundEntries++))) {
      digest.update(line);
      lines.push(line);
    }
    const ledger = lines.join('');
    const keyHistory = await this.#keyHistory(size);
    const derived = await this.#derived(roundId, size);
    let bytes = ledger.length + (keyHistory?.length ?? 0);
    for (const text of derived.values()) bytes += text.length;
    return { ledger, ledgerDigest: digest.done(), roundEntries, keyHistory, derived, bytes: bytes * 2 };
  }

  /** The checkpoint a bundle is cut at: the one of `size`, or the latest. */
  async snapshot(roundId: string, size?: number): Promise<CheckpointView> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM ${quoteIdent(this.schema)}.ledger_entries WHERE round_id = $1 LIMIT 1`, [roundId]);
    if (rows.length === 0) throw new NotFound(`round ${roundId} has no entries in the ledger`);
    return this.query.checkpointFor(size);
  }

  async manifest(roundId: string, size?: number): Promise<string> {
    const cp = await this.snapshot(roundId, size);
    const built = await this.built(roundId, cp.size);
    const checkpoints = await this.checkpoints(cp.size);
    const roundEntries = built.roundEntries;
    const files = [built.ledgerDigest, digestOf(CHECKPOINTS_FILE, checkpointsText(checkpoints)), digestOf(PUBLIC_KEY_FILE, publicKeyText(this.key.genesisVerifierKey))];
    if (built.keyHistory !== undefined) files.push(digestOf(KEY_HISTORY_FILE, built.keyHistory));
    for (const [name, text] of built.derived) files.push(digestOf(name, text));
    return manifestText({
      roundId,
      origin: cp.origin,
      verifierKey: this.key.genesisVerifierKey,
      ledgerSize: cp.size,
      roundEntries,
      checkpoints,
      files,
    });
  }

  /** Writes one file of the bundle cut at `size` to `sink`; false when the bundle has no such file. */
  async file(roundId: string, name: string, size: number | undefined, sink: Sink): Promise<boolean> {
    const cp = await this.snapshot(roundId, size);
    if (name === LEDGER_FILE) {
      const { ledger } = await this.built(roundId, cp.size);
      for (let at = 0; at < ledger.length; at += 64 * 1024) await sink(ledger.slice(at, at + 64 * 1024));
      return true;
    }
    if (name === CHECKPOINTS_FILE) {
      await sink(checkpointsText(await this.checkpoints(cp.size)));
      return true;
    }
    if (name === PUBLIC_KEY_FILE) {
      await sink(publicKeyText(this.key.genesisVerifierKey));
      return true;
    }
    if (name === KEY_HISTORY_FILE) {
      const history = (await this.built(roundId, cp.size)).keyHistory;
      if (history === undefined) return false;
      await sink(history);
      return true;
    }
    if (name === RESULTS_FILE || PB_FILE_PATTERN.test(name)) {
      const text = (await this.built(roundId, cp.size)).derived.get(name);
      if (text === undefined) return false;
      await sink(text);
      return true;
    }
    return false;
  }

  /** key-history.jsonl of a bundle cut at `size`: the handovers and revocations recorded below it; none: no file. */
  async #keyHistory(size: number): Promise<string | undefined> {
    const history = await this.rotation.history(size);
    return history.length === 0 ? undefined : history.map((h) => formatKeyHistoryLine({ kind: h.kind, note: h.note })).join('');
  }

  /** Every checkpoint up to `size`, each with the consistency proof from the one before. */
  async checkpoints(size: number): Promise<BundleCheckpoint[]> {
    const out: BundleCheckpoint[] = [];
    let after = -1;
    for (;;) {
      const page = await this.query.checkpoints(after, 1000, size);
      for (const cp of page) {
        const prev = out.at(-1);
        await this.tree.covers(cp.size);
        const proof = prev ? this.tree.tree.consistencyProof(prev.size, cp.size) : [];
        out.push({ size: cp.size, rootHash: cp.rootHash, time: cp.time, keyId: cp.keyId, note: cp.cosignedNote, consistency: proof.map((h) => h.toString('hex')) });
      }
      if (page.length < 1000) return out;
      after = page[page.length - 1].size;
    }
  }

  async *#leaves(roundId: string, size: number, onRoundEntry?: () => void): AsyncGenerator<LeafSource> {
    for (let from = 0; from < size; from += BATCH) {
      for (const leaf of await this.query.leaves(from, BATCH, size, roundId)) {
        if (leaf.canonical) onRoundEntry?.();
        yield leaf;
      }
    }
  }

  async *#roundEvents(roundId: string, size: number): AsyncGenerator<{ index: number; event: unknown }> {
    let from = 0;
    for (;;) {
      const page = await this.query.entries(from, BATCH, roundId, size);
      for (const e of page) yield { index: e.index, event: JSON.parse(e.canonical) as unknown };
      if (page.length < BATCH) return;
      from = page[page.length - 1].index + 1;
    }
  }

  #derived(roundId: string, size: number): Promise<Map<string, string>> {
    return derivedFiles(roundId, this.#roundEvents(roundId, size));
  }
}
