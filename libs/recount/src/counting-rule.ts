import type { BallotChannel, RoundConfig } from '@plaza/contracts';
import { sha256Hex } from './compute-unit-result';

/** Domain separation of ballot commitments: a commitment can never be read as any other hash Plaza publishes. */
export const BALLOT_COMMITMENT_DOMAIN = 'plaza.ballot/1';

/** What a sealed ballot commits to: the ballot's id, its content and a per-version random salt (64 hex digits). */
export interface BallotContent {
  readonly ballotId: string;
  readonly choices: readonly string[];
  readonly points?: readonly number[];
  readonly salt: string;
}

/**
 * The commitment a sealed BallotCast (schemaVersion 2) carries: sha256 hex of the RFC 8785 canonical JSON of
 * `{ballotId, choices, domain: "plaza.ballot/1", points?, salt}` (points only on cumulative ballots). The salt
 * (32 random bytes) makes it hiding: a ballot over a few dozen proposals could otherwise be found by trying every
 * choice list. The ballotId makes it binding to one ballot: an opening cannot be moved to another.
 */
export function ballotCommitment(content: BallotContent): string {
  // The canonical text written out directly (a million openings are checked per large round): keys in JCS order,
  // strings and numbers as JSON.stringify writes them, which is what RFC 8785 prescribes for them (the spec checks
  // it against canonicalDigestJson).
  const { ballotId, choices, points, salt } = content;
  let text = `{"ballotId":${JSON.stringify(ballotId)},"choices":[`;
  for (let i = 0; i < choices.length; i++) text += (i > 0 ? ',' : '') + JSON.stringify(choices[i]);
  text += `],"domain":"${BALLOT_COMMITMENT_DOMAIN}"`;
  if (points !== undefined) {
    text += ',"points":[';
    for (let i = 0; i < points.length; i++) text += (i > 0 ? ',' : '') + canonicalNumber(points[i]);
    text += ']';
  }
  return sha256Hex(`${text},"salt":${JSON.stringify(salt)}}`);
}

function canonicalNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError('non-finite numbers have no JSON form');
  return JSON.stringify(n);
}

/** One cast ballot as the counting rule sees it: public facts only (who, where, how, in cast order per voter). */
export interface CastRecord {
  /** The caller's dense id for the pseudonym (0, 1, 2…): per-voter state lives in arrays indexed by it. */
  readonly voter: number;
  readonly voterPseudonym: string;
  readonly eventId: string;
  readonly unitId: string;
  readonly channel: BallotChannel;
}

/** What a ballot holds once opened (or, for an unsealed v1 ballot, as cast). */
export interface OpenedContent {
  readonly choices: readonly string[];
  readonly points?: readonly number[];
}

/** A selected ballot's content: opened, an opening that fails its commitment (with why), or none (undefined). */
export type OpenResult = { readonly ok: true; readonly content: OpenedContent } | { readonly ok: false; readonly reason: string } | undefined;

export type ExclusionKind = 'unit' | 'channel' | 'ineligible' | 'unopened' | 'bad-opening' | 'not-on-ballot';

export interface CountingRound {
  readonly config: Pick<RoundConfig, 'units' | 'eligibility'>;
  /** The unit a voter is registered in at the close (the latest registration); undefined: never registered. */
  registeredUnit(voter: number): string | undefined;
  /** The proposals on a unit's ballot at the close (accepted, not withdrawn, rejected or merged away). */
  onBallot(unitId: string): ReadonlySet<string> | undefined;
}

export interface CountOutcome<C extends CastRecord> {
  /** Counted ballots with their content, for every unit of the round (in the order voters first cast there). */
  readonly counted: Map<string, (C & OpenedContent)[]>;
  /** Every ballot that must be opened at the close: the latest version per voter and unit of an eligible voter. */
  readonly selected: readonly C[];
  /** Versions replaced by a later one of the same voter in the same unit: sealed forever. */
  readonly superseded: readonly C[];
  readonly excluded: readonly { readonly cast: C; readonly kind: ExclusionKind; readonly reason: string }[];
}

/**
 * **The counting rule**: which ballots count. The voting service's official close and every recount (the audit
 * service, `plaza verify`, the browser verifier) call this one function, so they cannot disagree.
 *
 * 1. Per voter and unit, the latest version counts, under the round's paper policy: a paper ballot is final (a
 *    later ballot cannot replace it); under `refuse-if-voted-online` a paper ballot after an online one does not
 *    replace it either. Replaced versions are `superseded`.
 * 2. Eligibility at the close: the voter's latest registration. A voter votes in the district they are registered
 *    in at the close and in any category; a ballot in a district they have moved away from does not count (a
 *    moved voter who voted in both districts is counted once, in the new one). These are `selected`: every one
 *    is opened at the close, so anyone can check the rest of the rule.
 * 3. A selected ballot counts once its content is known (`open`) and names only proposals on the unit's ballot at
 *    the close (a proposal withdrawn while voting was open leaves the ballots naming it uncounted).
 *
 * `casts` in cast order (ledger order, or each voter's stream order). Pure: no clock, no I/O.
 */
export function countBallots<C extends CastRecord>(round: CountingRound, casts: Iterable<C>, open: (cast: C) => OpenResult): CountOutcome<C> {
  const { config } = round;
  const policy = config.eligibility.paperPolicy;
  const kinds = new Map(config.units.map((u) => [u.id, u.kind]));
  const excluded: { cast: C; kind: ExclusionKind; reason: string }[] = [];
  const superseded: C[] = [];
  // Per unit: the current version by voter id, and voter ids in first-cast order.
  const latest = new Map<string, { byVoter: (C | undefined)[]; order: number[] }>();
  for (const cast of casts) {
    if (!kinds.has(cast.unitId)) {
      excluded.push({ cast, kind: 'unit', reason: `unit ${cast.unitId} is not part of the round` });
      continue;
    }
    let unit = latest.get(cast.unitId);
    if (!unit) {
      unit = { byVoter: [], order: [] };
      latest.set(cast.unitId, unit);
    }
    const current = unit.byVoter[cast.voter];
    if (current === undefined) {
      unit.order.push(cast.voter);
    } else if (current.channel === 'paper') {
      excluded.push({ cast, kind: 'channel', reason: `a paper ballot is final: ${cast.eventId} cannot replace ${current.eventId}` });
      continue;
    } else if (cast.channel === 'paper' && policy === 'refuse-if-voted-online') {
      excluded.push({ cast, kind: 'channel', reason: `the round refuses paper after an online ballot: ${cast.eventId} cannot replace ${current.eventId}` });
      continue;
    } else {
      superseded.push(current);
    }
    unit.byVoter[cast.voter] = cast;
  }

  const counted = new Map<string, (C & OpenedContent)[]>();
  for (const u of config.units) counted.set(u.id, []);
  const selected: C[] = [];
  for (const [unitId, { byVoter, order }] of latest) {
    const list = counted.get(unitId)!;
    const proposals = round.onBallot(unitId);
    for (const voter of order) {
      const cast = byVoter[voter]!;
      const registered = round.registeredUnit(voter);
      if (registered === undefined) {
        excluded.push({ cast, kind: 'ineligible', reason: `pseudonym ${cast.voterPseudonym} was never registered` });
        continue;
      }
      if (registered !== unitId && kinds.get(unitId) !== 'category') {
        excluded.push({ cast, kind: 'ineligible', reason: `pseudonym registered in ${registered} voted in district ${unitId}` });
        continue;
      }
      selected.push(cast);
      const opened = open(cast);
      if (opened === undefined) {
        excluded.push({ cast, kind: 'unopened', reason: `ballot ${cast.eventId} of ${cast.voterPseudonym} in ${unitId} was never opened` });
        continue;
      }
      if (!opened.ok) {
        excluded.push({ cast, kind: 'bad-opening', reason: opened.reason });
        continue;
      }
      const { choices, points } = opened.content;
      let allOnBallot = proposals !== undefined;
      for (let k = 0; k < choices.length && allOnBallot; k++) allOnBallot = proposals!.has(choices[k]);
      if (!allOnBallot) {
        const stray = choices.filter((id) => !proposals?.has(id));
        excluded.push({ cast, kind: 'not-on-ballot', reason: `names proposals not on the ballot of ${unitId}: ${stray.join(', ')}` });
        continue;
      }
      list.push(points !== undefined ? { ...cast, choices, points } : { ...cast, choices });
    }
  }
  return { counted, selected, superseded, excluded };
}
