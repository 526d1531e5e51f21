import { createHash } from 'node:crypto';
import { upcast, type BallotCastRead, type BallotOpening, type EventEnvelope, type PlazaEvent, type ResultsDeclaredPayload, type RoundConfig } from '@plaza/contracts';
import { computeUnitResult, type AcceptedProposal, type CountedBallot } from './compute-unit-result';
import { ballotCommitment, countBallots, type CastRecord, type CountOutcome, type OpenResult } from './counting-rule';

/** A counted ballot with the event that cast it. */
export interface ReplayedBallot extends CountedBallot {
  readonly eventId: string;
  readonly unitId: string;
  readonly channel: 'online' | 'paper';
}

/** A ballot the replay left out of the count, and why. */
export interface ReplayAnomaly {
  readonly eventId: string;
  readonly reason: string;
}

/**
 * Something wrong with the sealed ballots' openings: an opening that does not match its commitment, one for a
 * superseded version or for no sealed ballot at all, one given twice or before the close, or a selected ballot
 * never opened. `eventId` is the entry to look at (the BallotsOpened, or the BallotCast never opened); `index`
 * its ledger index when the caller gave indexes to apply().
 */
export interface OpeningProblem {
  readonly eventId: string;
  readonly index?: number;
  /** The BallotCast concerned. */
  readonly ballotEventId: string;
  readonly reason: string;
}

/** A cast as the replay keeps it: public facts, and the content once known (v1: as cast; v2: from its opening). */
interface ReplayCast extends CastRecord {
  readonly index?: number;
  readonly ballotId: string;
  /** Sealed (v2) ballots only. */
  readonly commitment?: string;
  /** Unsealed (v1) ballots only: the choices were public from the start. */
  readonly clear?: { readonly choices: readonly string[]; readonly points?: readonly number[] };
}

interface ReplayOpening {
  readonly opening: BallotOpening;
  /** The BallotsOpened event that carries it, and its index. */
  readonly eventId: string;
  readonly index?: number;
  used: boolean;
}

const DIGEST_SLICE = 10_000;

/**
 * sha256 hex over the counted ballots' event ids, sorted and joined by '\n': the `ballotDigest` of VotingClosed.
 * It pins exactly which ballot events the declaration counted.
 */
export function ballotDigest(eventIds: readonly string[]): string {
  // Hashed a slice at a time: the same bytes as the whole joined text, which for a million ballots is 37 MB.
  const sorted = [...eventIds].sort();
  const hash = createHash('sha256');
  for (let i = 0; i < sorted.length; i += DIGEST_SLICE) hash.update((i > 0 ? '\n' : '') + sorted.slice(i, i + DIGEST_SLICE).join('\n'), 'utf8');
  return hash.digest('hex');
}

/**
 * A voter votes in the district they are registered in; thematic categories are open to every registered voter
 * of the round (each category is a separate ballot with its own budget).
 */
export function mayVoteIn(config: Pick<RoundConfig, 'units'>, registeredUnit: string, ballotUnit: string): boolean {
  if (registeredUnit === ballotUnit) return true;
  return config.units.some((u) => u.id === ballotUnit && u.kind === 'category');
}

/** What a registration says about a voter (records are shared between voters: do not mutate). */
export interface RegisteredVoter {
  readonly unitId: string;
}

/**
 * Dense ids for strings (0, 1, 2… in order of first sight): an open-addressing table of Int32Arrays with its own
 * hash, which for a million 64-character pseudonyms costs a third of a Map's lookups (no V8 string hash, no
 * rehash copies of a growing Map). The hash is seeded per table, and a probe run longer than any the load factor
 * explains (crafted collisions) switches the table to a Map for good, so the worst case stays a Map's.
 */
export class StringIds {
  readonly #keys: string[] = [];
  #hashes = new Int32Array(1024);
  #slots = new Int32Array(2048).fill(-1);
  readonly #seed = (Math.random() * 0x100000000) | 0;
  #map: Map<string, number> | undefined;

  /** `maxProbes`: the longest probe run before the table gives up for a Map (lower only in tests). */
  constructor(private readonly maxProbes = 200) {}

  get size(): number {
    return this.#keys.length;
  }

  /** The id of `key`, a new one (= size before the call) when it was never seen. */
  idOf(key: string): number {
    if (this.#map) return this.#viaMap(key);
    const h = this.#hash(key);
    const slots = this.#slots;
    const mask = slots.length - 1;
    let slot = h & mask;
    for (let probes = 0; ; probes++) {
      const id = slots[slot];
      if (id < 0) break;
      if (this.#hashes[id] === h && this.#keys[id] === key) return id;
      if (probes >= this.maxProbes) {
        this.#map = new Map(this.#keys.map((k, i) => [k, i]));
        return this.#viaMap(key);
      }
      slot = (slot + 1) & mask;
    }
    const id = this.#add(key, h);
    slots[slot] = id;
    if (2 * this.#keys.length > slots.length) this.#grow();
    return id;
  }

  #viaMap(key: string): number {
    let id = this.#map!.get(key);
    if (id === undefined) {
      id = this.#add(key, 0);
      this.#map!.set(key, id);
    }
    return id;
  }

  #add(key: string, h: number): number {
    const id = this.#keys.length;
    this.#keys.push(key);
    if (id >= this.#hashes.length) {
      const grown = new Int32Array(this.#hashes.length * 2);
      grown.set(this.#hashes);
      this.#hashes = grown;
    }
    this.#hashes[id] = h;
    return id;
  }

  #grow(): void {
    const slots = new Int32Array(this.#slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.#keys.length; id++) {
      let slot = this.#hashes[id] & mask;
      while (slots[slot] >= 0) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.#slots = slots;
  }

  /** FNV-1a over the UTF-16 code units from a seeded basis, then murmur3's finalizer to spread the low bits. */
  #hash(key: string): number {
    let h = this.#seed ^ 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }
}

interface AcceptedEntry {
  unitId: string;
  cost: number;
  order: number;
}

/**
 * Folds one round's events, in ledger order, into what its result depends on: the round's configuration, the
 * accepted proposals of each unit (in acceptance order, minus those withdrawn, rejected or merged away), the
 * registered pseudonyms, and the counted ballots (the latest BallotCast per pseudonym and unit before
 * VotingClosed). Ballots from unregistered pseudonyms or naming proposals not on the unit's ballot are left
 * out and reported as anomalies. Events of other rounds are ignored.
 */
export class RoundReplay {
  private roundConfig: RoundConfig | undefined;
  private roundPhase: string | undefined;
  private readonly acceptedById = new Map<string, AcceptedEntry>();
  private acceptances = 0;
  /**
   * Every pseudonym seen (registered or on a ballot) gets a dense id: per-voter state lives in arrays indexed by
   * it, so a ballot costs one map lookup and a million voters no objects or composite keys of their own. The
   * string kept is the first one seen (the registration's, usually), shared by everything that names the voter.
   */
  private readonly ids = new StringIds();
  private readonly names: string[] = [];
  /** By id: the voter's registration (undefined: never registered). Records are shared per (unit, age band). */
  private readonly registration: (RegisteredVoter | undefined)[] = [];
  private readonly voterRecords = new Map<string, RegisteredVoter>();
  private lastName: string | undefined;
  private lastId = -1;
  /** Every ballot cast before VotingClosed, in ledger order (the counting rule picks the latest per voter and unit). */
  private readonly casts: ReplayCast[] = [];
  /** Openings by unit, then by voter id. */
  private readonly openings = new Map<string, (ReplayOpening | undefined)[]>();
  /** Further openings for a voter and unit that already has one (never in an honest ledger). */
  private readonly extraOpenings: (ReplayOpening & { readonly voter: number })[] = [];
  private readonly openingIssues: OpeningProblem[] = [];
  private sealedBallots = 0;
  /** The last count, until the next apply. */
  private countCache: { byUnit: Map<string, ReplayedBallot[]>; anomalies: ReplayAnomaly[]; openingProblems: OpeningProblem[]; selected: number; superseded: ReadonlySet<string> } | undefined;
  private closedBy: string | undefined;
  private readonly declaredEvents: EventEnvelope<'ResultsDeclared', ResultsDeclaredPayload>[] = [];
  private readonly problems: ReplayAnomaly[] = [];

  constructor(readonly roundId?: string) {}

  /** Applies the round's next event in ledger order; `index` (its ledger index) only locates problems in reports. */
  apply(envelope: EventEnvelope, index?: number): void {
    if (this.roundId !== undefined && envelope.roundId !== this.roundId) return;
    this.countCache = undefined;
    const event = upcast(envelope) as PlazaEvent;
    switch (event.type) {
      case 'RoundCreated':
      case 'RoundConfigured':
        if (!this.closedBy) this.roundConfig = event.payload.config;
        if (event.type === 'RoundCreated') this.roundPhase = event.payload.phase;
        return;
      case 'RoundPhaseChanged':
        this.roundPhase = event.payload.to;
        return;
      case 'ProposalAccepted': {
        const known = this.acceptedById.get(event.payload.proposalId);
        this.acceptedById.set(event.payload.proposalId, {
          unitId: event.payload.unitId,
          cost: event.payload.cost,
          order: known?.order ?? this.acceptances++,
        });
        return;
      }
      case 'ProposalWithdrawn':
      case 'ProposalRejected':
      case 'ProposalMergedInto':
        if (!this.closedBy) this.acceptedById.delete(event.payload.proposalId);
        return;
      case 'ProposalEdited': {
        const known = this.acceptedById.get(event.payload.proposalId);
        if (known && !this.closedBy) known.unitId = event.payload.unitId;
        return;
      }
      case 'VotersRegistered':
        for (const v of event.payload.voters) {
          let record = this.voterRecords.get(v.unitId);
          if (!record) {
            record = Object.freeze({ unitId: v.unitId });
            this.voterRecords.set(v.unitId, record);
          }
          this.registration[this.idOf(v.pseudonym)] = record;
        }
        return;
      case 'BallotCast': {
        if (this.closedBy) {
          this.problems.push({ eventId: event.id, reason: 'cast after VotingClosed' });
          return;
        }
        // The upcast on read (contracts readBallotCast): v2 sealed with a commitment, v1 with its choices in the clear.
        const p = event.payload as BallotCastRead;
        const voter = this.idOf(p.voterPseudonym);
        const base = { voter, voterPseudonym: this.names[voter], eventId: event.id, unitId: p.unitId, channel: p.channel, ballotId: p.ballotId, index };
        if (p.commitment !== undefined) {
          this.sealedBallots++;
          this.casts.push({ ...base, commitment: p.commitment });
        } else {
          this.casts.push({ ...base, clear: p.points ? { choices: p.choices ?? [], points: p.points } : { choices: p.choices ?? [] } });
        }
        return;
      }
      case 'BallotsOpened': {
        for (const opening of event.payload.openings) {
          const at = { eventId: event.id, ...(index !== undefined ? { index } : {}), ballotEventId: opening.eventId };
          if (!this.closedBy) {
            this.openingIssues.push({ ...at, reason: `ballot ${opening.eventId} was opened before VotingClosed, while voting was open` });
            continue;
          }
          const voter = this.idOf(opening.voterPseudonym);
          let unit = this.openings.get(opening.unitId);
          if (!unit) {
            unit = [];
            this.openings.set(opening.unitId, unit);
          }
          const first = unit[voter];
          if (first === undefined) unit[voter] = { opening, eventId: event.id, index, used: false };
          else if (first.opening.eventId === opening.eventId || this.extraOpenings.some((x) => x.opening.eventId === opening.eventId)) {
            this.openingIssues.push({ ...at, reason: `ballot ${opening.eventId} is opened twice` });
          } else this.extraOpenings.push({ opening, eventId: event.id, index, used: false, voter });
        }
        return;
      }
      case 'VotingClosed':
        this.closedBy ??= event.id;
        return;
      case 'ResultsDeclared':
        this.declaredEvents.push(event);
        return;
      default:
        // Submissions, reviews, merges' target side, paper batches and audit events do not change the count.
        return;
    }
  }

  /** The round's configuration as it stood at VotingClosed (or now, before it). */
  get config(): RoundConfig | undefined {
    return this.roundConfig;
  }

  get phase(): string | undefined {
    return this.roundPhase;
  }

  /** Id of the VotingClosed event, once seen. */
  get closedEventId(): string | undefined {
    return this.closedBy;
  }

  get declared(): readonly EventEnvelope<'ResultsDeclared', ResultsDeclaredPayload>[] {
    return this.declaredEvents;
  }

  get anomalies(): readonly ReplayAnomaly[] {
    return [...this.problems, ...this.countedWithAnomalies().anomalies];
  }

  registered(): ReadonlyMap<string, RegisteredVoter> {
    const out = new Map<string, RegisteredVoter>();
    this.registration.forEach((r, id) => {
      if (r) out.set(this.names[id], r);
    });
    return out;
  }

  /**
   * The replay's dense id for a pseudonym (assigned on first sight), so callers can keep per-voter state in
   * arrays too; pseudonymOf(id) is the one string the replay keeps for it.
   */
  idOf(pseudonym: string): number {
    // A caller that asked for this very string just before apply() (RoundAudit does) spares the second lookup.
    if (pseudonym === this.lastName) return this.lastId;
    const id = this.ids.idOf(pseudonym);
    if (id === this.names.length) {
      this.names.push(pseudonym);
      this.registration.push(undefined);
    }
    this.lastName = pseudonym;
    this.lastId = id;
    return id;
  }

  pseudonymOf(id: number): string {
    return this.names[id];
  }

  /** Accepted proposals of a unit in acceptance order. */
  accepted(unitId: string): AcceptedProposal[] {
    return [...this.acceptedById.entries()]
      .filter(([, a]) => a.unitId === unitId)
      .sort((a, b) => a[1].order - b[1].order)
      .map(([proposalId, a]) => ({ proposalId, cost: a.cost }));
  }

  /** The counted ballots of every unit (latest per pseudonym and unit), by unit id. Shared until the next apply: do not mutate. */
  counted(): Map<string, ReplayedBallot[]> {
    return this.countedWithAnomalies().byUnit;
  }

  /** sha256 over the counted ballot event ids (what VotingClosed.ballotDigest should say). */
  ballotDigest(): string {
    return ballotDigest([...this.counted().values()].flat().map((b) => b.eventId));
  }

  /** Every unit's result recomputed with libs/recount, in the config's unit order. */
  results(): ResultsDeclaredPayload[] {
    const config = this.roundConfig;
    if (!config) return [];
    const counted = this.counted();
    return config.units.map((u) => computeUnitResult(config, u.id, this.accepted(u.id), counted.get(u.id) ?? []));
  }

  /**
   * Problems with the openings of sealed ballots (see OpeningProblem), in ledger order of the entry concerned.
   * Empty for rounds whose ballots are all unsealed (schemaVersion 1).
   */
  get openingProblems(): readonly OpeningProblem[] {
    return this.countedWithAnomalies().openingProblems;
  }

  /** How many ballots were cast sealed (schemaVersion 2), how many the rule selected for opening, and whether an event id is a superseded version. */
  get sealing(): { readonly sealed: number; readonly selected: number; isSuperseded(eventId: string): boolean } {
    const c = this.countedWithAnomalies();
    return { sealed: this.sealedBallots, selected: c.selected, isSuperseded: (id) => c.superseded.has(id) };
  }

  private countedWithAnomalies() {
    this.countCache ??= this.fold();
    return this.countCache;
  }

  /** The counting rule (libs/recount countBallots) over the casts, each sealed ballot checked against its opening. */
  private fold() {
    const config = this.roundConfig;
    const byUnit = new Map<string, ReplayedBallot[]>();
    const anomalies: ReplayAnomaly[] = [];
    const openingProblems: OpeningProblem[] = [];
    if (!config) return { byUnit, anomalies, openingProblems, selected: 0, superseded: new Set<string>() };
    const onBallot = new Map<string, Set<string>>();
    for (const u of config.units) onBallot.set(u.id, new Set(this.accepted(u.id).map((a) => a.proposalId)));
    const open = (cast: ReplayCast): OpenResult => {
      if (cast.clear) return { ok: true, content: cast.clear };
      let o = this.openings.get(cast.unitId)?.[cast.voter];
      if (o && o.opening.eventId !== cast.eventId) o = this.extraOpenings.find((x) => x.opening.eventId === cast.eventId && x.voter === cast.voter && x.opening.unitId === cast.unitId);
      // An opening of another version of this voter's ballot is reported below, as an opening nothing used.
      if (!o) return undefined;
      o.used = true;
      const { choices, points, salt } = o.opening;
      if (ballotCommitment({ ballotId: cast.ballotId, choices, ...(points !== undefined && points !== null ? { points } : {}), salt }) !== cast.commitment) {
        return { ok: false, reason: `the opening of ballot ${cast.eventId} does not match its commitment` };
      }
      return { ok: true, content: points !== undefined && points !== null ? { choices, points } : { choices } };
    };
    for (const unit of this.openings.values()) for (const o of unit) if (o) o.used = false;
    for (const o of this.extraOpenings) o.used = false;
    const outcome: CountOutcome<ReplayCast> = countBallots(
      { config, registeredUnit: (voter) => this.registration[voter]?.unitId, onBallot: (unitId) => onBallot.get(unitId) },
      this.casts,
      open,
    );
    for (const [unitId, list] of outcome.counted) {
      byUnit.set(
        unitId,
        list.map((b) =>
          b.points !== undefined
            ? { eventId: b.eventId, voterPseudonym: b.voterPseudonym, unitId: b.unitId, channel: b.channel, choices: b.choices, points: b.points }
            : { eventId: b.eventId, voterPseudonym: b.voterPseudonym, unitId: b.unitId, channel: b.channel, choices: b.choices },
        ),
      );
    }
    const openingsOf = (cast: ReplayCast) => {
      const first = this.openings.get(cast.unitId)?.[cast.voter];
      return first?.opening.eventId === cast.eventId ? first : (this.extraOpenings.find((x) => x.opening.eventId === cast.eventId) ?? first);
    };
    for (const { cast, kind, reason } of outcome.excluded) {
      // Before the close every sealed ballot is still unopened, as it should be: nothing to report.
      if (kind === 'unopened' && !this.closedBy) continue;
      anomalies.push({ eventId: cast.eventId, reason });
      if (kind === 'unopened' && this.closedBy) {
        const other = openingsOf(cast);
        openingProblems.push({
          eventId: cast.eventId,
          ...(cast.index !== undefined ? { index: cast.index } : {}),
          ballotEventId: cast.eventId,
          reason: other
            ? `ballot ${cast.eventId} counts but was not opened (the opening given is for ${other.opening.eventId})`
            : `ballot ${cast.eventId} counts but was never opened`,
        });
      } else if (kind === 'bad-opening') {
        const o = openingsOf(cast)!;
        openingProblems.push({ eventId: o.eventId, ...(o.index !== undefined ? { index: o.index } : {}), ballotEventId: cast.eventId, reason });
      }
    }
    const superseded = new Set(outcome.superseded.map((c) => c.eventId));
    let castsById: Map<string, ReplayCast> | undefined;
    for (const unit of [...this.openings.values(), this.extraOpenings]) {
      for (const o of unit) {
        if (!o || o.used) continue;
        // Only when something is wrong: an index of every cast by event id.
        castsById ??= new Map(this.casts.map((c) => [c.eventId, c]));
        const cast = castsById.get(o.opening.eventId);
        const reason = superseded.has(o.opening.eventId)
          ? `an opening for a superseded version (${o.opening.eventId}): superseded ballots stay sealed`
          : cast === undefined
            ? `an opening for ${o.opening.eventId}, which is no sealed ballot of this round: a counted ballot without a commitment`
            : cast.commitment === undefined
              ? `an opening for ${o.opening.eventId}, a ballot cast unsealed`
              : cast.voterPseudonym !== o.opening.voterPseudonym || cast.unitId !== o.opening.unitId
                ? `the opening of ${o.opening.eventId} names another voter or unit than the ballot`
                : `an opening for ${o.opening.eventId}, a ballot that does not count`;
        openingProblems.push({ eventId: o.eventId, ...(o.index !== undefined ? { index: o.index } : {}), ballotEventId: o.opening.eventId, reason });
      }
    }
    openingProblems.push(...this.openingIssues);
    openingProblems.sort((a, b) => (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER));
    return { byUnit, anomalies, openingProblems, selected: outcome.selected.length, superseded };
  }
}
