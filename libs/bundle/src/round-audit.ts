import { minorDigits, PHASES, validateEnvelope, type EventEnvelope, type PlazaEvent, type ResultsDeclaredPayload, type RoundConfig } from '@plaza/contracts';
import { canonicalJson, utf8 } from '@plaza/ledger';
import { createHash } from 'node:crypto';
import { fromElection, writePb, type PbDocument, type PbElection, type PbVoteType } from '@plaza/pabulib';
import { ballotDigest, computeUnitResult, RoundReplay, SupportReplay, type ReplayedBallot, type SupportComparison } from '@plaza/recount';
import { ballotCastProblem, ballotsOpenedProblem, votersRegisteredProblem } from './ballot-shape';
import { InsiderActions, type InsiderCheck, type InsiderReport } from './insider-actions';
import { formatResults, pbFileName, type DeclaredResult } from './format';

/** Names of the round-level checks, stable for reports and tests. */
export type RoundCheck =
  | 'event-valid' // envelope and payload as the contracts define them, of this round
  | 'stream-order' // every stream's versions 1, 2, 3… in ledger order: nothing missing, repeated or swapped
  | 'phase-order' // phase changes start where the round is and only move forward
  | 'ballot-phase' // ballots only after voting opened and before VotingClosed (see RoundAudit)
  | 'one-ballot-per-pseudonym' // a pseudonym's ballots form one revision chain; only the latest counts
  | 'ballot-opening' // every sealed ballot that counts is opened after VotingClosed, and its opening matches its commitment; no other is
  | 'voting-closed' // VotingClosed's counts and ballot digest match the ballots replayed
  | 'results' // every declared result equals the one recomputed from the replay (libs/recount)
  | 'support-selection' // SupportSelectionDeclared equals the selection recomputed from the support events; no support breaks the rules
  | 'round-config' // the round's RoundCreated is in the ledger
  | InsiderCheck; // four-eyes, registration-order: see insider-actions.ts

export interface RoundFailure {
  readonly check: RoundCheck;
  readonly message: string;
  readonly index?: number;
  readonly eventId?: string;
  readonly unitId?: string;
  readonly differences?: readonly string[];
}

export interface UnitComparison {
  readonly unitId: string;
  readonly declaredIndex: number;
  readonly declaredEventId: string;
  readonly declared: { readonly selected: readonly string[]; readonly spent: number; readonly inputDigest: string };
  readonly recomputed: { readonly selected: readonly string[]; readonly spent: number; readonly inputDigest: string; readonly ballotsCounted: number };
  readonly differences: readonly string[];
}

export interface RoundAuditReport {
  readonly events: number;
  readonly ballotsCast: number;
  readonly counted: Readonly<Record<string, number>>;
  readonly anomalies: readonly { eventId: string; reason: string }[];
  readonly comparisons: readonly UnitComparison[];
  /** The support phase's declared selection next to the recomputed one (empty for a round without the phase). */
  readonly supportSelection: readonly SupportComparison[];
  /** Insider actions (four-eyes changes, paper batches, secret destruction) as the ledger shows them. */
  readonly insider: InsiderReport;
  /** One failure per check at most: the first entry where it fails. */
  readonly failures: readonly RoundFailure[];
  /** The derived files a bundle must carry, by name: results.json and one .pb per unit (empty when finish() was told not to keep them). */
  readonly files: ReadonlyMap<string, string>;
  /** SHA-256 (hex) and UTF-8 length of every derived file, by name: computed while each is written. */
  readonly fileDigests: ReadonlyMap<string, { readonly bytes: number; readonly sha256: string }>;
}

export interface FinishOptions {
  /** Keep each derived file's text in `files` (the exporter writes them); the verifier needs only their digests. */
  readonly texts?: boolean;
}

/**
 * Field by field comparison of a declared result with the recomputed one; empty when they agree. Shared by the
 * audit service's recount and `plaza verify`, so both report a dispute in the same words.
 */
export function resultDifferences(declared: ResultsDeclaredPayload, recomputed: ResultsDeclaredPayload): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => canonicalJson(a as object) === canonicalJson(b as object);
  const list = (ids: readonly string[]) => `[${ids.join(', ')}]`;
  if (!same(declared.selected, recomputed.selected)) out.push(`selected: declared ${list(declared.selected)}, recomputed ${list(recomputed.selected)}`);
  if (declared.spent !== recomputed.spent) out.push(`spent: declared ${declared.spent}, recomputed ${recomputed.spent}`);
  if (declared.budget !== recomputed.budget) out.push(`budget: declared ${declared.budget}, recomputed ${recomputed.budget}`);
  if (declared.inputDigest !== recomputed.inputDigest) out.push(`inputDigest: declared ${declared.inputDigest}, recomputed ${recomputed.inputDigest}`);
  if (declared.ballotsCounted !== recomputed.ballotsCounted) out.push(`ballotsCounted: declared ${declared.ballotsCounted}, recomputed ${recomputed.ballotsCounted}`);
  if (declared.status !== recomputed.status) out.push(`status: declared ${declared.status}, recomputed ${recomputed.status}`);
  if (declared.rule !== recomputed.rule) out.push(`rule: declared ${declared.rule}, recomputed ${recomputed.rule}`);
  if (declared.tieBreaking !== recomputed.tieBreaking) out.push(`tieBreaking: declared ${declared.tieBreaking}, recomputed ${recomputed.tieBreaking}`);
  if (!same(declared.options, recomputed.options)) out.push(`options: declared ${canonicalJson(declared.options)}, recomputed ${canonicalJson(recomputed.options)}`);
  if (!same(declared.explanation ?? null, recomputed.explanation ?? null)) out.push('explanation: differs from the recomputed explanation');
  return out;
}

interface ClosedAt {
  readonly index: number;
  readonly eventId: string;
  readonly payload: { readonly ballotsCounted: number; readonly perUnit: Record<string, number>; readonly ballotDigest: string };
}

const PB_VOTE_TYPE: Record<RoundConfig['ballot']['type'], PbVoteType> = {
  approval: 'approval',
  knapsack: 'approval',
  cumulative: 'cumulative',
  ranked: 'ordinal',
  'choose-one': 'choose-1',
};

/**
 * Pabulib text of one unit's counted ballots, for outside tools (pabutools, equalshares.net). Money stays in
 * minor units as the official tally counts it (META `comment` says so); voters are the pseudonyms.
 */
export function unitPb(roundId: string, config: RoundConfig, unitId: string, projects: readonly { proposalId: string; cost: number; title?: string }[], ballots: readonly ReplayedBallot[]): string {
  return [...unitPbPieces(roundId, config, unitId, projects, ballots)].join('');
}

/** Votes per piece of unitPbPieces: a few MB of text at a time. */
const PB_VOTES_PER_PIECE = 10_000;

const byPseudonym = (x: { voterPseudonym: string }, y: { voterPseudonym: string }) => (x.voterPseudonym < y.voterPseudonym ? -1 : x.voterPseudonym > y.voterPseudonym ? 1 : 0);

/**
 * unitPb's text in consecutive pieces (header, then the votes a slice at a time), so a million ballots never
 * make one 140 MB string plus its rows: each slice goes through the same fromElection / writePb as the whole
 * file would, and only its vote lines are kept (the text writePb gives for the slice without its lines is
 * exactly the prefix to drop, since every line ends with the newline).
 */
export function* unitPbPieces(
  roundId: string,
  config: RoundConfig,
  unitId: string,
  projects: readonly { proposalId: string; cost: number; title?: string }[],
  ballots: readonly ReplayedBallot[],
): Generator<string> {
  const unit = config.units.find((u) => u.id === unitId);
  if (!unit) throw new Error(`unit ${unitId} is not part of the round`);
  const b = config.ballot;
  // Already sorted when finish() hands them over: then this is one linear pass.
  const sorted = [...ballots].sort(byPseudonym);
  const dec = (n: number) => ({ units: BigInt(n), scale: 0 });
  // Money in currency units with the currency's decimals (48000.00), as Pabulib writes it, so an outside
  // tool's Add1 raises one currency unit per step, like the official tally.
  const money = (n: number) => ({ units: BigInt(n), scale: minorDigits(config.currency) });
  const withPoints = b.type === 'cumulative';
  const votesOf = (slice: readonly ReplayedBallot[]): PbElection['votes'] =>
    slice.map((v) => ({
      voterId: v.voterPseudonym,
      projects: [...v.choices],
      ...(withPoints ? { points: (v.points ?? []).map(dec) } : {}),
      extra: {},
    }));
  // fromElection adds a points column only when some vote has points, i.e. never for an empty cumulative file.
  const voteColumns = withPoints && sorted.length > 0 ? ['voter_id', 'vote', 'points'] : ['voter_id', 'vote'];
  const election: PbElection = {
    meta: new Map<string, string>(),
    description: config.name,
    unit: unit.name,
    instance: roundId,
    subunit: unitId,
    currency: config.currency,
    comment: `Plaza audit bundle: costs and budget in ${config.currency}; voters are round pseudonyms; ballot type ${b.type}`,
    voteType: PB_VOTE_TYPE[b.type],
    rule: config.outcome.rule,
    budget: money(unit.budget),
    ...(b.minPicks !== undefined ? { minLength: b.minPicks } : {}),
    ...(b.maxPicks !== undefined ? { maxLength: b.maxPicks } : {}),
    ...(b.type === 'knapsack' ? { maxSumCost: money(b.maxSumCost ?? unit.budget) } : {}),
    ...(b.totalPoints !== undefined ? { maxSumPoints: dec(b.totalPoints) } : {}),
    ...(b.maxPointsPerProject !== undefined ? { maxPoints: dec(b.maxPointsPerProject) } : {}),
    projects: projects.map((p) => ({ id: p.proposalId, cost: money(p.cost), name: p.title ?? '', categories: [], beneficiaries: [], extra: {} })),
    votes: [],
  };
  const header = fromElection(election, { voteColumns });
  header.meta.set('num_votes', String(sorted.length));
  yield writePb(header);
  for (let from = 0; from < sorted.length; from += PB_VOTES_PER_PIECE) {
    const doc = fromElection({ ...election, votes: votesOf(sorted.slice(from, from + PB_VOTES_PER_PIECE)) }, { voteColumns });
    const withoutVotes: PbDocument = { ...doc, votes: { columns: doc.votes.columns, rows: [] } };
    const text = writePb(doc);
    const prefix = writePb(withoutVotes);
    if (!text.startsWith(prefix)) throw new Error('a Pabulib slice does not start with its own header');
    yield text.slice(prefix.length);
  }
}

/**
 * Replays one round's ledger entries in ledger order: checks what the ledger alone can prove about the round
 * (see RoundCheck) and feeds libs/recount's RoundReplay, then recomputes every unit's result and compares it
 * with each ResultsDeclared. Memory grows with the round's streams and counted ballots, not with the entries.
 */
export class RoundAudit {
  readonly replay: RoundReplay;
  readonly #support: SupportReplay;
  readonly #failures = new Map<RoundCheck, RoundFailure>();
  readonly #streams = new Map<string, number>();
  /** Version of each voter's ballot stream, by the replay's voter id (0: none yet); doubles hold any safe integer. */
  #ballotStreams = new Float64Array(1024);
  readonly #titles = new Map<string, string>();
  /** One string per proposal id, shared by every ballot naming it (JSON.parse makes a new one each time). */
  readonly #proposalIds = new Map<string, string>();
  /**
   * One array per distinct choice list, shared by the ballots that make it (approval ballots over a few dozen
   * proposals repeat the same lists a million times). Bounded, so crafted input cannot grow it past the ballots.
   */
  readonly #choiceLists = new Map<string, string[]>();
  readonly #declared: DeclaredResult[] = [];
  readonly #insider = new InsiderActions();
  #phase: string | undefined;
  #closed: ClosedAt | undefined;
  /** When the voting phase opened (the proposals service's clock), once the ledger shows it. */
  #votingOpenedAt: number | undefined;
  /** Ballots the ledger holds before the opening phase change: judged at the end by time (see apply). */
  readonly #early: { index: number; eventId: string; occurredAt: number }[] = [];
  #events = 0;
  #ballots = 0;

  readonly #ballotPrefix: string;
  /** The round id once it is known to be a UUID: events carrying it need no second check. */
  readonly #checkedRoundId: string | undefined;

  constructor(readonly roundId: string) {
    this.replay = new RoundReplay(roundId);
    this.#support = new SupportReplay(roundId);
    this.#ballotPrefix = `ballot-${roundId}-`;
    this.#checkedRoundId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(roundId) ? roundId : undefined;
  }

  get failures(): readonly RoundFailure[] {
    return [...this.#failures.values()];
  }

  /** Applies the round's next entry (already parsed from its canonical bytes). */
  apply(index: number, raw: unknown): void {
    this.#events++;
    const eventId = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : undefined;
    const type = (raw as { type?: unknown })?.type;
    const problem =
      type === 'BallotCast'
        ? ballotCastProblem(raw, this.#checkedRoundId)
        : type === 'BallotsOpened'
          ? ballotsOpenedProblem(raw, this.#checkedRoundId)
          : type === 'VotersRegistered'
            ? votersRegisteredProblem(raw, this.#checkedRoundId)
            : validationProblem(raw);
    if (problem !== undefined) return this.#fail({ check: 'event-valid', message: problem, index, eventId });
    const event = raw as PlazaEvent;
    if (event.roundId !== this.roundId) {
      return this.#fail({ check: 'event-valid', message: `event belongs to round ${event.roundId}, not ${this.roundId}`, index, eventId });
    }
    if (event.producer === 'audit') return this.#fail({ check: 'event-valid', message: 'audit events are never part of the ledger', index, eventId });
    const at = { index, eventId: event.id };

    // A voter's own ballot stream is tracked by the replay's voter id (an array slot): a million ballots would
    // otherwise hold a million more 108-character stream ids in a map.
    const ownStream =
      event.type === 'BallotCast' &&
      event.streamId.length === this.#ballotPrefix.length + event.payload.voterPseudonym.length &&
      event.streamId.startsWith(this.#ballotPrefix) &&
      event.streamId.endsWith(event.payload.voterPseudonym);
    let last: number;
    let voterId = -1;
    if (ownStream) {
      voterId = this.replay.idOf((event as { payload: { voterPseudonym: string } }).payload.voterPseudonym);
      if (voterId >= this.#ballotStreams.length) {
        const grown = new Float64Array(Math.max(voterId + 1, this.#ballotStreams.length * 2));
        grown.set(this.#ballotStreams);
        this.#ballotStreams = grown;
      }
      last = this.#ballotStreams[voterId];
    } else {
      last = this.#streams.get(event.streamId) ?? 0;
    }
    if (event.streamVersion !== last + 1) {
      if (event.type === 'BallotCast' && event.streamVersion <= last) {
        this.#fail({
          check: 'one-ballot-per-pseudonym',
          message: `a second ballot at version ${event.streamVersion} of ${event.streamId} (already at ${last}) is not a revision`,
          ...at,
        });
      } else {
        this.#fail({ check: 'stream-order', message: `${event.streamId} expected version ${last + 1}, got ${event.streamVersion}`, ...at });
      }
    }
    if (ownStream) this.#ballotStreams[voterId] = Math.max(last, event.streamVersion);
    else this.#streams.set(event.streamId, Math.max(last, event.streamVersion));

    switch (event.type) {
      case 'RoundCreated':
        this.#phase = event.payload.phase;
        break;
      case 'RoundPhaseChanged': {
        const { from, to } = event.payload;
        if (from !== this.#phase || PHASES.indexOf(to) <= PHASES.indexOf(from)) {
          this.#fail({ check: 'phase-order', message: `phase change ${from} → ${to} while the round is in ${this.#phase ?? 'no phase'}`, ...at });
        }
        this.#phase = to;
        if (to === 'voting') this.#votingOpenedAt ??= Date.parse(event.occurredAt);
        break;
      }
      case 'ProposalSubmitted':
      case 'ProposalEdited':
        this.#titles.set(event.payload.proposalId, event.payload.title);
        this.#proposalIds.set(event.payload.proposalId, event.payload.proposalId);
        break;
      case 'BallotCast': {
        this.#ballots++;
        const p = event.payload;
        if (!ownStream) {
          this.#fail({ check: 'one-ballot-per-pseudonym', message: `ballot of ${p.voterPseudonym} is outside its stream (${event.streamId})`, ...at });
        }
        // Proposals and voting events travel on different topics, so ledger order is causal only within each:
        // a ballot the voting service accepted just before it consumed the closing phase change can follow that
        // change in the ledger, and a lagging proposals topic can put the opening change after early ballots.
        // So the end of voting is VotingClosed (the voting topic's own order, which is also what the count uses),
        // and a ballot ahead of the opening change must at least be stamped after it.
        if (this.#closed) this.#fail({ check: 'ballot-phase', message: 'ballot cast after VotingClosed', ...at });
        else if (this.#votingOpenedAt === undefined) this.#early.push({ index, eventId: event.id, occurredAt: Date.parse(event.occurredAt) });
        break;
      }
      case 'BallotsOpened':
        for (const o of event.payload.openings) {
          const choices = o.choices;
          for (let k = 0; k < choices.length; k++) choices[k] = this.#proposalIds.get(choices[k]) ?? choices[k];
          // Replaces the opening's array by an equal shared one (the replay keeps it; nobody mutates ballots).
          const listKey = choices.join('\n');
          const shared = this.#choiceLists.get(listKey);
          if (shared) (o as { choices: string[] }).choices = shared;
          else if (this.#choiceLists.size < 100_000) this.#choiceLists.set(listKey, choices);
        }
        break;
      case 'VotingClosed':
        this.#closed ??= { ...at, payload: event.payload };
        break;
      case 'ResultsDeclared':
        this.#declared.push({ index, eventId: event.id, payload: event.payload });
        break;
      default:
        break;
    }
    if (event.producer === 'proposals') this.#support.apply(event as EventEnvelope, index);
    this.#insider.apply(index, event, (pseudonym) => this.replay.idOf(pseudonym));
    this.replay.apply(event as EventEnvelope, index);
  }

  /** Ends the replay: recomputes and compares results, checks VotingClosed, and derives the bundle's files. */
  finish(options: FinishOptions = {}): RoundAuditReport {
    const keepTexts = options.texts ?? true;
    const config = this.replay.config;
    const files = new Map<string, string>();
    const fileDigests = new Map<string, { bytes: number; sha256: string }>();
    const addFile = (name: string, pieces: Iterable<string>) => {
      const hash = createHash('sha256');
      const kept: string[] = [];
      let bytes = 0;
      for (const piece of pieces) {
        // TextEncoder rather than Buffer, so the audit also runs in a browser (apps/web's verifier).
        const buf = utf8(piece);
        hash.update(buf);
        bytes += buf.length;
        if (keepTexts) kept.push(piece);
      }
      fileDigests.set(name, { bytes, sha256: hash.digest('hex') });
      if (keepTexts) files.set(name, kept.join(''));
    };
    addFile('results.json', [formatResults(this.roundId, this.#declared)]);
    const comparisons: UnitComparison[] = [];
    const countedByUnit: Record<string, number> = {};
    for (const f of this.#insider.failures) this.#fail(f);
    this.#checkSupport();
    const supportSelection = this.#support.comparisons;
    const insider = this.#insider.report();
    if (!config) {
      if (this.#events > 0) this.#fail({ check: 'round-config', message: 'the round has entries but no RoundCreated' });
      return { events: this.#events, ballotsCast: this.#ballots, counted: countedByUnit, anomalies: [], comparisons, supportSelection, insider, failures: this.failures, files, fileDigests };
    }
    // Sorted once here (copies: the replay's lists are shared): the Pabulib files and tallyInput sort by
    // pseudonym too, which is then a linear pass.
    const counted = new Map([...this.replay.counted()].map(([unitId, list]) => [unitId, [...list].sort(byPseudonym)]));
    for (const unit of config.units) {
      const ballots = counted.get(unit.id) ?? [];
      countedByUnit[unit.id] = ballots.length;
      const projects = this.replay.accepted(unit.id).map((a) => ({ ...a, title: this.#titles.get(a.proposalId) }));
      addFile(pbFileName(unit.id), unitPbPieces(this.roundId, config, unit.id, projects, ballots));
    }
    const opened = this.#votingOpenedAt;
    const early = this.#early.find((b) => opened === undefined || b.occurredAt < opened);
    if (early) {
      const why = opened === undefined ? 'the round never opened voting' : `it is stamped before voting opened at ${new Date(opened).toISOString()}`;
      this.#fail({ check: 'ballot-phase', message: `ballot cast outside the voting phase: ${why}`, index: early.index, eventId: early.eventId });
    }
    if (this.#closed) this.#checkClosed(this.#closed, countedByUnit, ballotDigest([...counted.values()].flat().map((b) => b.eventId)));
    // Every opening checked against its commitment before the recount below trusts any opened choice.
    const openingProblems = this.replay.openingProblems;
    const opening = openingProblems[0];
    if (opening) {
      const more = openingProblems.length > 1 ? ` (and ${openingProblems.length - 1} more problems with openings)` : '';
      // The close appends VotingClosed, the BallotsOpened events, then the declarations: a bundle cut at a
      // checkpoint signed in between holds only some of the openings. Still a failure (nothing is verified), but
      // one the reader should know how to end.
      const cut =
        this.#closed && this.#declared.length === 0
          ? `; the bundle ends inside the close (VotingClosed at entry ${this.#closed.index}, no ResultsDeclared after it): export it again at a checkpoint that covers the declarations`
          : '';
      this.#fail({ check: 'ballot-opening', message: opening.reason + more + cut, ...(opening.index !== undefined ? { index: opening.index } : {}), eventId: opening.eventId });
    }

    if (this.#declared.length > 0) {
      // RoundReplay.results() with the counted ballots computed once above (a million ballots make each pass count).
      const recomputed = new Map(config.units.map((u) => [u.id, computeUnitResult(config, u.id, this.replay.accepted(u.id), counted.get(u.id) ?? [])]));
      for (const d of this.#declared) {
        const declared = d.payload as ResultsDeclaredPayload;
        const mine = recomputed.get(declared.unitId);
        const differences = mine ? resultDifferences(declared, mine) : [`unit ${declared.unitId} is not part of the round`];
        comparisons.push({
          unitId: declared.unitId,
          declaredIndex: d.index,
          declaredEventId: d.eventId,
          declared: { selected: declared.selected, spent: declared.spent, inputDigest: declared.inputDigest },
          recomputed: mine
            ? { selected: mine.selected, spent: mine.spent, inputDigest: mine.inputDigest, ballotsCounted: mine.ballotsCounted }
            : { selected: [], spent: 0, inputDigest: '', ballotsCounted: 0 },
          differences,
        });
        if (differences.length > 0) {
          this.#fail({
            check: 'results',
            message: `declared result of ${declared.unitId} differs from the recount: ${differences[0]}`,
            index: d.index,
            eventId: d.eventId,
            unitId: declared.unitId,
            differences,
          });
        }
      }
    }
    return {
      events: this.#events,
      ballotsCast: this.#ballots,
      counted: countedByUnit,
      anomalies: this.replay.anomalies,
      comparisons,
      supportSelection,
      insider,
      failures: this.failures,
      files,
      fileDigests,
    };
  }

  /** The support phase: each declared selection against the recount, support events that break the rules, a missing declaration. */
  #checkSupport(): void {
    const at = (x: { eventId: string; index?: number }) => ({ eventId: x.eventId, ...(x.index !== undefined ? { index: x.index } : {}) });
    for (const c of this.#support.comparisons) {
      if (c.differences.length > 0)
        this.#fail({
          check: 'support-selection',
          message: `declared support selection differs from the recount: ${c.differences[0]}`,
          ...at({ eventId: c.declaredEventId, index: c.declaredIndex }),
          differences: c.differences,
        });
    }
    const anomaly = this.#support.anomalies[0];
    if (anomaly) this.#fail({ check: 'support-selection', message: anomaly.reason, ...at(anomaly) });
    const missing = this.#support.missingDeclaration;
    if (missing) this.#fail({ check: 'support-selection', message: 'the support phase ended without a SupportSelectionDeclared', ...at(missing) });
  }

  #checkClosed(closed: ClosedAt, counted: Record<string, number>, digest: string): void {
    const total = Object.values(counted).reduce((a, b) => a + b, 0);
    const problems: string[] = [];
    if (closed.payload.ballotsCounted !== total) problems.push(`ballotsCounted ${closed.payload.ballotsCounted}, replay counts ${total}`);
    if (canonicalJson(closed.payload.perUnit) !== canonicalJson(counted)) problems.push(`perUnit ${canonicalJson(closed.payload.perUnit)}, replay ${canonicalJson(counted)}`);
    if (closed.payload.ballotDigest !== digest) problems.push(`ballotDigest ${closed.payload.ballotDigest}, replay ${digest}`);
    if (problems.length > 0) this.#fail({ check: 'voting-closed', message: `VotingClosed disagrees with the ballots: ${problems.join('; ')}`, index: closed.index, eventId: closed.eventId });
  }

  #fail(f: RoundFailure): void {
    if (!this.#failures.has(f.check)) this.#failures.set(f.check, f);
  }
}

function validationProblem(raw: unknown): string | undefined {
  const r = validateEnvelope(raw);
  return r.ok ? undefined : r.reason;
}
