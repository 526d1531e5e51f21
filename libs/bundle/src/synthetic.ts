import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope, RoundConfig } from '@plaza/contracts';
import { canonicalBytes, CompactRange, formatVerifierKey, leafHash, signCheckpoint, type LedgerKeyPair } from '@plaza/ledger';
import { ballotCommitment, ballotDigest, RoundReplay } from '@plaza/recount';
import { checkpointsText, digestOf, FileDigest, manifestText, publicKeyText } from './build';
import { CHECKPOINTS_FILE, formatLedgerLine, LEDGER_FILE, PUBLIC_KEY_FILE, type BundleCheckpoint } from './format';
import { RoundAudit } from './round-audit';
import { MerkleTree } from '@plaza/ledger';

/**
 * Synthetic rounds and bundles, for the verifier's tests and benchmark: a complete approval round in ledger
 * order (config, proposals, phases, registrations, ballots, close, declared results computed by libs/recount),
 * and a bundle written from it exactly as the audit service writes one.
 */
export interface SyntheticRoundOptions {
  readonly voters: number;
  readonly proposals?: number;
  readonly roundId?: string;
  readonly budget?: number;
  /** Deterministic choices: same seed, same ballots. */
  readonly seed?: number;
  readonly start?: Date;
  /** false: ballots as cast before they were sealed (BallotCast v1, choices in the clear, no openings). Default true. */
  readonly sealed?: boolean;
  /** The round's outcome rule; default greedy. */
  readonly rule?: RoundConfig['outcome']['rule'];
}

export const SYNTHETIC_UNIT = 'centre';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): the same seed gives the same synthetic data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A pseudonym-shaped hex string (64 digits) for voter `i`. */
export function syntheticPseudonym(i: number): string {
  return i.toString(16).padStart(16, '0').repeat(4);
}

/** The round's events in ledger order, with stream ids and versions as the services assign them. */
export function* syntheticRound(options: SyntheticRoundOptions): Generator<EventEnvelope> {
  const roundId = options.roundId ?? uuidv7();
  let clock = (options.start ?? new Date('2026-11-01T08:00:00.000Z')).getTime();
  const versions = new Map<string, number>();
  const event = (type: string, producer: 'proposals' | 'voting', streamId: string, payload: unknown, schemaVersion = 1): EventEnvelope => {
    const streamVersion = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, streamVersion);
    clock += 1;
    return {
      id: uuidv7({ msecs: clock }),
      type,
      schemaVersion,
      streamId,
      streamVersion,
      roundId,
      occurredAt: new Date(clock).toISOString(),
      producer,
      correlationId: `synthetic-${type}`,
      causationId: null,
      payload,
    };
  };
  const budget = options.budget ?? 1_000_000_00;
  const config: RoundConfig = {
    name: 'Synthetic round',
    currency: 'PLN',
    units: [{ id: SYNTHETIC_UNIT, name: 'Centre', kind: 'district', budget }],
    schedule: {},
    ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
    outcome: { rule: options.rule ?? 'greedy' },
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
  } as RoundConfig;
  const replay = new RoundReplay(roundId);
  const emit = function* (e: EventEnvelope): Generator<EventEnvelope> {
    replay.apply(e);
    yield e;
  };
  const round = `round-${roundId}`;
  yield* emit(event('RoundCreated', 'proposals', round, { config, phase: 'draft' }));
  yield* emit(event('RoundPhaseChanged', 'proposals', round, { from: 'draft', to: 'submission', trigger: 'admin' }));
  const proposals: string[] = [];
  const n = options.proposals ?? 8;
  for (let i = 0; i < n; i++) {
    const proposalId = uuidv7({ msecs: clock });
    proposals.push(proposalId);
    const cost = Math.floor(budget / 4) + i * 1_000_00;
    yield* emit(
      event('ProposalSubmitted', 'proposals', `proposal-${proposalId}`, {
        proposalId,
        unitId: SYNTHETIC_UNIT,
        title: `Proposal ${i + 1}`,
        description: 'Synthetic',
        estimatedCost: cost,
        authorId: `author-${i}`,
      }),
    );
  }
  yield* emit(event('RoundPhaseChanged', 'proposals', round, { from: 'submission', to: 'review', trigger: 'admin' }));
  for (let i = 0; i < n; i++) {
    const cost = Math.floor(budget / 4) + i * 1_000_00;
    yield* emit(
      event('ProposalAccepted', 'proposals', `proposal-${proposals[i]}`, { proposalId: proposals[i], unitId: SYNTHETIC_UNIT, cost, reason: 'ok', reviewerId: 'staff-1' }),
    );
  }
  yield* emit(event('RoundPhaseChanged', 'proposals', round, { from: 'review', to: 'voting', trigger: 'admin' }));
  for (let from = 0; from < options.voters; from += 1000) {
    const voters = [];
    for (let i = from; i < Math.min(options.voters, from + 1000); i++) voters.push({ pseudonym: syntheticPseudonym(i), unitId: SYNTHETIC_UNIT });
    yield* emit(event('VotersRegistered', 'voting', `voters-${roundId}`, { source: 'roll', voters }));
  }
  // Ballots are sealed (BallotCast v2): the choices and salts are drawn again, from the same seeds, for the
  // openings after VotingClosed, so a million of them are never held at once.
  const seed = options.seed ?? 1;
  const content = () => {
    const choicesRandom = mulberry32(seed);
    const saltRandom = mulberry32(seed ^ 0x5a17);
    return () => {
      const picks = 1 + Math.floor(choicesRandom() * 3);
      const choices = new Set<string>();
      while (choices.size < picks) choices.add(proposals[Math.floor(choicesRandom() * n)]);
      let salt = '';
      for (let w = 0; w < 8; w++) salt += Math.floor(saltRandom() * 0x100000000).toString(16).padStart(8, '0');
      return { choices: [...choices], salt };
    };
  };
  const cast = content();
  const ballotEvents: string[] = [];
  for (let i = 0; i < options.voters; i++) {
    const { choices, salt } = cast();
    const pseudonym = syntheticPseudonym(i);
    const ballotId = uuidv7({ msecs: clock });
    const ballot = { ballotId, voterPseudonym: pseudonym, unitId: SYNTHETIC_UNIT, channel: 'online' };
    const e =
      options.sealed === false
        ? event('BallotCast', 'voting', `ballot-${roundId}-${pseudonym}`, { ...ballot, choices })
        : event('BallotCast', 'voting', `ballot-${roundId}-${pseudonym}`, { ...ballot, commitment: ballotCommitment({ ballotId, choices, salt }) }, 2);
    ballotEvents.push(e.id);
    yield* emit(e);
  }
  yield* emit(event('RoundPhaseChanged', 'proposals', round, { from: 'voting', to: 'closed', trigger: 'admin' }));
  // Every voter is registered once and casts once, so every ballot counts.
  yield* emit(
    event('VotingClosed', 'voting', `tally-${roundId}`, {
      ballotsCounted: options.voters,
      perUnit: { [SYNTHETIC_UNIT]: options.voters },
      ballotDigest: ballotDigest(ballotEvents),
    }),
  );
  const open = content();
  for (let from = 0; options.sealed !== false && from < options.voters; from += 1000) {
    const openings = [];
    for (let i = from; i < Math.min(options.voters, from + 1000); i++) {
      const { choices, salt } = open();
      openings.push({ eventId: ballotEvents[i], voterPseudonym: syntheticPseudonym(i), unitId: SYNTHETIC_UNIT, choices, salt });
    }
    yield* emit(event('BallotsOpened', 'voting', `tally-${roundId}`, { openings }));
  }
  for (const result of replay.results()) yield* emit(event('ResultsDeclared', 'voting', `tally-${roundId}`, result));
}

export interface SyntheticBundleOptions {
  readonly keys: LedgerKeyPair;
  readonly origin?: string;
  /** Sign a checkpoint every this many ledger entries (and at the end). */
  readonly checkpointEvery?: number;
  /** Put this many entries of another round (hash only in the bundle) before each of the round's entries. */
  readonly othersBetween?: number;
  readonly start?: Date;
}

/**
 * Writes `events` (one round, ledger order) as a bundle in `dir`, as the audit service would export it: the
 * other rounds' entries hash-only, checkpoints signed by `keys`, derived files, manifest. Streams, so a million
 * entries fit in little memory (apart from the round's replay).
 */
export async function writeSyntheticBundle(dir: string, roundId: string, events: Iterable<EventEnvelope>, options: SyntheticBundleOptions): Promise<{ entries: number; checkpoints: number }> {
  mkdirSync(dir, { recursive: true });
  const origin = options.origin ?? 'plaza.test/ledger';
  const every = options.checkpointEvery ?? 1000;
  const range = new CompactRange();
  const tree = new MerkleTree();
  let time = (options.start ?? new Date('2026-11-02T08:00:00.000Z')).getTime();
  const checkpoints: BundleCheckpoint[] = [];
  const ledgerDigest = new FileDigest(LEDGER_FILE);
  const out = createWriteStream(join(dir, LEDGER_FILE), { highWaterMark: 1 << 20 });
  const audit = new RoundAudit(roundId);
  let pending = '';
  let roundEntries = 0;
  const write = async (line: string) => {
    ledgerDigest.update(line);
    pending += line;
    if (pending.length > 1 << 20) {
      const chunk = pending;
      pending = '';
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  };
  const sign = () => {
    const size = range.size;
    const prev = checkpoints.at(-1);
    if (prev && prev.size === size) return;
    time += 1000;
    const signed = signCheckpoint({ origin, size, root: range.root(), time: new Date(time).toISOString() }, options.keys.privateKey);
    const consistency = prev ? tree.consistencyProof(prev.size, size).map((h) => h.toString('hex')) : [];
    checkpoints.push({ size, rootHash: range.root().toString('base64'), time: new Date(time).toISOString(), keyId: signed.keyId, note: signed.note, consistency });
  };
  const append = async (leaf: Buffer, canonical?: string) => {
    // The tree takes the leaf from the very text written, so the signed roots cannot drift from the file.
    const hex = leaf.toString('hex');
    await write(formatLedgerLine(range.size, hex, canonical));
    const written = Buffer.from(hex, 'hex');
    range.append(written);
    tree.append(written);
    if (range.size % every === 0) sign();
  };
  let other = 0;
  for (const e of events) {
    for (let k = 0; k < (options.othersBetween ?? 0); k++) {
      await append(leafHash(Buffer.from(`other round entry ${other++}`)));
    }
    const bytes = canonicalBytes(e);
    audit.apply(range.size, e);
    roundEntries++;
    await append(leafHash(bytes), bytes.toString('utf8'));
  }
  sign();
  out.write(pending);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const verifierKey = formatVerifierKey(origin, options.keys.publicKey);
  const files = [ledgerDigest.done()];
  const texts = new Map<string, string>([
    [CHECKPOINTS_FILE, checkpointsText(checkpoints)],
    [PUBLIC_KEY_FILE, publicKeyText(verifierKey)],
    ...audit.finish().files,
  ]);
  for (const [name, text] of texts) {
    writeFileSync(join(dir, name), text);
    files.push(digestOf(name, text));
  }
  writeFileSync(join(dir, 'manifest.json'), manifestText({ roundId, origin, verifierKey, ledgerSize: range.size, roundEntries, checkpoints, files }));
  return { entries: range.size, checkpoints: checkpoints.length };
}
