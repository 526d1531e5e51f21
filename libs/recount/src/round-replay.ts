import { createHash } from 'node:crypto';
import { upcast, type EventEnvelope, type PlazaEvent, type ResultsDeclaredPayload, type RoundConfig } from '@plaza/contracts';
import { computeUnitResult, type AcceptedProposal, type CountedBallot } from './compute-unit-result';

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
  /** Per unit (in the order units first got a ballot): the latest ballot by voter id, and ids in first-ballot order. */
  private readonly latest = new Map<string, { byVoter: (ReplayedBallot | undefined)[]; order: number[] }>();
  /** The last counted() fold, until the next apply. */
  private countCache: { byUnit: Map<string, ReplayedBallot[]>; anomalies: ReplayAnomaly[] } | undefined;
  private closedBy: string | undefined;
  private readonly declaredEvents: EventEnvelope<'ResultsDeclared', ResultsDeclaredPayload>[] = [];
  private readonly problems: ReplayAnomaly[] = [];

  constructor(readonly roundId?: string) {}

  apply(envelope: EventEnvelope): void {
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
        const p = event.payload;
        const id = this.idOf(p.voterPseudonym);
        const voterPseudonym = this.names[id];
        let unit = this.latest.get(p.unitId);
        if (!unit) {
          unit = { byVoter: [], order: [] };
          this.latest.set(p.unitId, unit);
        }
        if (unit.byVoter[id] === undefined) unit.order.push(id);
        unit.byVoter[id] = p.points
          ? { eventId: event.id, voterPseudonym, unitId: p.unitId, channel: p.channel, choices: p.choices, points: p.points }
          : { eventId: event.id, voterPseudonym, unitId: p.unitId, channel: p.channel, choices: p.choices };
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

  private countedWithAnomalies(): { byUnit: Map<string, ReplayedBallot[]>; anomalies: ReplayAnomaly[] } {
    this.countCache ??= this.fold();
    return this.countCache;
  }

  private fold(): { byUnit: Map<string, ReplayedBallot[]>; anomalies: ReplayAnomaly[] } {
    const byUnit = new Map<string, ReplayedBallot[]>();
    const anomalies: ReplayAnomaly[] = [];
    for (const u of this.roundConfig?.units ?? []) byUnit.set(u.id, []);
    const onBallot = new Map<string, Set<string>>();
    for (const unitId of byUnit.keys()) onBallot.set(unitId, new Set(this.accepted(unitId).map((a) => a.proposalId)));
    for (const [unitId, { byVoter, order }] of this.latest) {
      const list = byUnit.get(unitId);
      const proposals = onBallot.get(unitId);
      for (const id of order) {
        const b = byVoter[id]!;
        if (!list || !proposals) {
          anomalies.push({ eventId: b.eventId, reason: `unit ${b.unitId} is not part of the round` });
          continue;
        }
        const voter = this.registration[id];
        if (!voter) {
          anomalies.push({ eventId: b.eventId, reason: `pseudonym ${b.voterPseudonym} was never registered` });
          continue;
        }
        if (!mayVoteIn(this.roundConfig!, voter.unitId, b.unitId)) {
          anomalies.push({ eventId: b.eventId, reason: `pseudonym registered in ${voter.unitId} voted in district ${b.unitId}` });
          continue;
        }
        let allOnBallot = true;
        for (let k = 0; k < b.choices.length && allOnBallot; k++) allOnBallot = proposals.has(b.choices[k]);
        if (!allOnBallot) {
          const stray = b.choices.filter((id) => !proposals.has(id));
          anomalies.push({ eventId: b.eventId, reason: `names proposals not on the ballot of ${b.unitId}: ${stray.join(', ')}` });
          continue;
        }
        list.push(b);
      }
    }
    return { byUnit, anomalies };
  }
}
