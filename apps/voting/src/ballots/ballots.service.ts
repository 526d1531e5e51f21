import { Inject, Injectable } from '@nestjs/common';
import { readBallotCast, type BallotCast, type BallotCastV1, type EventContext } from '@plaza/contracts';
import { ConcurrencyError, currentClaim, EventStore, IdempotencyClaimLostError, lockClaims, markClaimsApplied, quoteIdent, type ClaimScope } from '@plaza/event-store';
import { canonicalBytes, leafHash } from '@plaza/ledger';
import { InjectSchema, type Caller } from '@plaza/nest-runtime';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import { LinkDestroyed, lockRound, pseudonymOf, type LockedRound } from '../rounds/round-access';
import { ballotStream, decideBallot, Ineligible, type CurrentBallot } from './ballot.decider';
import { BALLOT_GROUPS, type BallotGroups, type GroupMember, type GroupOutcome } from './ballot-groups';
import type { BallotChoicesDto, CastBallotDto } from './dto/cast-ballot.dto';

export interface BallotReceipt {
  readonly roundId: string;
  readonly unitId: string;
  readonly channel: 'online' | 'paper';
  readonly eventId: string;
  /** RFC 9162 leaf hash (hex) of the ballot event's canonical bytes: what the audit ledger will hold. */
  readonly leafHash: string;
  /** 1 for the voter's first ballot event, 2 for the next (a revision, or a ballot in another category), … */
  readonly ballotVersion: number;
}

export type Command = Omit<EventContext, 'roundId'>;

export type Via = { channel: 'online' } | { channel: 'paper'; batchId: string; batchUnitId: string; operatorId: string };

/** One ballot for castMany: whose (pseudonym), where, what and how it came in. */
export interface CastItem {
  readonly pseudonym: string;
  readonly unitId: string;
  readonly ballot: BallotChoicesDto;
  readonly via: Via;
  readonly ctx: Command;
  /** The Idempotency-Key claim of the request that cast it: recorded as applied in the transaction that appends it. */
  readonly claim?: ClaimScope;
}

export type CastResult = { readonly ok: true; readonly receipt: BallotReceipt } | { readonly ok: false; readonly error: unknown };

type BallotEvent = Omit<BallotCast, 'streamId' | 'streamVersion'>;

@Injectable()
export class BallotsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    @InjectSchema() private readonly schema: string,
    @Inject(BALLOT_GROUPS) private readonly groups: BallotGroups<BallotReceipt>,
  ) {
    groups.bind(this.commitGroup);
  }

  /** The pseudonym a resident votes under: the voting code's, or the HMAC of the identity the roll knows. */
  callerPseudonym(round: LockedRound, caller: Caller): string {
    if (round.secret === null) throw new LinkDestroyed();
    const codesRound = round.config.eligibility.mode === 'codes';
    if (caller.votingCode) {
      if (caller.votingCode.roundId !== round.roundId) throw new Ineligible('other-round', 'this voting code is for another round');
      if (!codesRound) throw new Ineligible('not-registered', 'this round uses a voter roll, not voting codes');
      return caller.votingCode.pseudonym;
    }
    // A code is used only through code sign-in (a token with the votingCode claim): an identity token whose
    // subject merely looks like one (`code:<CODE>`) must not reach the code's pseudonym.
    if (caller.sub.startsWith('code:')) throw new Ineligible('invalid-code', 'a voting code is used only by signing in with it (POST /rounds/:roundId/codes/sign-in)');
    if (codesRound) throw new Ineligible('not-registered', 'this round uses voting codes: sign in with your code to vote');
    return pseudonymOf(round.secret, caller.sub);
  }

  /**
   * One online ballot. Concurrent casts are gathered into groups (BallotGroups) and each group is written in
   * one transaction; the answer comes only after that transaction committed, and each ballot gets its own
   * receipt or its own error.
   */
  async cast(roundId: string, caller: Caller, dto: CastBallotDto, ctx: Command): Promise<BallotReceipt> {
    // The request's Idempotency-Key claim travels with the ballot: the group's transaction records it (the group is
    // written outside this request's async flow, where the event store would not see it).
    const claim = currentClaim();
    return this.groups.submit({ roundId, caller, dto, ctx, ...(claim ? { claim } : {}) });
  }

  /**
   * Writes one group of online ballots for one round in one transaction (round row held FOR SHARE, so the close
   * waits for it). A member that is refused, ineligible or loses a race gets its own error; the others commit.
   * An error of the transaction itself (lost database) fails every member: nothing of the group is stored.
   */
  readonly commitGroup = async (roundId: string, members: readonly GroupMember[]): Promise<GroupOutcome<BallotReceipt>[]> => {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const round = await lockRound(manager, this.schema, roundId);
        const outcomes: GroupOutcome<BallotReceipt>[] = new Array(members.length);
        const items: CastItem[] = [];
        const at: number[] = [];
        members.forEach((m, i) => {
          try {
            const pseudonym = this.callerPseudonym(round, m.caller);
            items.push({ pseudonym, unitId: m.dto.unitId, ballot: m.dto, via: { channel: 'online' }, ctx: m.ctx, ...(m.claim ? { claim: m.claim } : {}) });
            at.push(i);
          } catch (error) {
            outcomes[i] = { ok: false, error };
          }
        });
        const results = await this.castMany(manager, round, items);
        results.forEach((r, j) => (outcomes[at[j]] = r));
        return outcomes;
      });
    } catch (error) {
      return members.map(() => ({ ok: false, error }));
    }
  };

  /**
   * Validates and records one ballot inside the caller's transaction (round row held FOR SHARE): the ballot
   * stream's version makes two casts by one voter at the same moment a conflict instead of a double vote.
   */
  async castLocked(
    manager: EntityManager,
    round: LockedRound,
    pseudonym: string,
    unitId: string,
    ballot: BallotChoicesDto,
    via: Via,
    ctx: Command,
  ): Promise<BallotReceipt> {
    const claim = currentClaim();
    const [result] = await this.castMany(manager, round, [{ pseudonym, unitId, ballot, via, ctx, ...(claim ? { claim } : {}) }]);
    if (!result.ok) throw result.error;
    return result.receipt;
  }

  /**
   * Validates and records several ballots inside the caller's transaction with a fixed number of statements
   * (not per ballot): eligibility, accepted proposals, current ballots and stream versions are read for all of
   * them at once, the events appended in one statement with one concurrency outcome each, the sealed contents
   * and the ballot box written in one statement each. Results come back in the items' order; an item that is
   * refused or loses a race (another cast of the same voter, in this group or in a concurrent transaction) gets
   * its error and writes nothing.
   */
  async castMany(manager: EntityManager, round: LockedRound, items: readonly CastItem[]): Promise<CastResult[]> {
    if (items.length === 0) return [];
    const s = quoteIdent(this.schema);
    const roundId = round.roundId;
    const pseudonyms = [...new Set(items.map((i) => i.pseudonym))];
    const units = [...new Set(items.map((i) => i.unitId))];
    const streamIds = pseudonyms.map((p) => ballotStream(roundId, p));
    const registeredRows: { pseudonym: string; unit_id: string }[] = await manager.query(
      `SELECT pseudonym, unit_id FROM ${s}.voters WHERE round_id = $1 AND pseudonym = ANY($2::text[])`,
      [roundId, pseudonyms],
    );
    const acceptedRows: { unit_id: string; proposal_id: string; cost: string }[] = await manager.query(
      `SELECT unit_id, proposal_id, cost FROM ${s}.proposals WHERE round_id = $1 AND unit_id = ANY($2::text[]) AND status = 'accepted' ORDER BY accepted_seq`,
      [roundId, units],
    );
    const currentRows: { voter_pseudonym: string; unit_id: string; channel: 'online' | 'paper'; ballot_version: number }[] = await manager.query(
      `SELECT voter_pseudonym, unit_id, channel, ballot_version FROM ${s}.ballot_box WHERE round_id = $1 AND voter_pseudonym = ANY($2::text[])`,
      [roundId, pseudonyms],
    );
    const versions = await this.store.streamVersions(streamIds, { manager });
    const registered = new Map(registeredRows.map((r) => [r.pseudonym, r.unit_id]));
    const accepted = new Map<string, { proposalId: string; cost: number }[]>(units.map((u) => [u, []]));
    for (const a of acceptedRows) accepted.get(a.unit_id)!.push({ proposalId: a.proposal_id, cost: Number(a.cost) });
    const current = new Map<string, Map<string, CurrentBallot>>(pseudonyms.map((p) => [p, new Map()]));
    for (const r of currentRows) current.get(r.voter_pseudonym)!.set(r.unit_id, { channel: r.channel, version: r.ballot_version });

    const results: CastResult[] = new Array(items.length);
    const decided: { index: number; item: CastItem; event: BallotEvent; streamId: string; version: number; salt: string }[] = [];
    const taken = new Set<string>();
    // Each request's Idempotency-Key row is locked while its claim is live (a retry cannot take it over before this
    // transaction ends) and marked applied below with the ballots that went in: a retried cast never writes twice.
    const holds = await lockClaims(manager, items.map((i) => i.claim));
    items.forEach((item, index) => {
      if (!holds[index]) {
        results[index] = { ok: false, error: new IdempotencyClaimLostError(item.claim!.key) };
        return;
      }
      const streamId = ballotStream(roundId, item.pseudonym);
      const version = versions.get(streamId) ?? 0;
      try {
        const salt = randomBytes(32).toString('hex');
        const via = item.via;
        const [event] = decideBallot(
          {
            kind: 'CastBallot',
            ballotId: uuidv7(),
            salt,
            voterPseudonym: item.pseudonym,
            unitId: item.unitId,
            choices: item.ballot.choices,
            ...(item.ballot.points !== undefined ? { points: item.ballot.points } : {}),
            channel: via.channel,
            ...(via.channel === 'paper' ? { paper: { batchId: via.batchId, batchUnitId: via.batchUnitId, operatorId: via.operatorId } } : {}),
          },
          {
            round: { phase: round.phase, config: round.config },
            registeredUnit: registered.get(item.pseudonym),
            accepted: accepted.get(item.unitId) ?? [],
            current: current.get(item.pseudonym)!,
          },
          { ...item.ctx, roundId },
        );
        // Two casts of one voter in one group: the second meets the first as two concurrent transactions would.
        if (taken.has(streamId)) throw new ConcurrencyError(streamId, version);
        taken.add(streamId);
        decided.push({ index, item, event: event as BallotEvent, streamId, version, salt });
      } catch (error) {
        results[index] = { ok: false, error };
      }
    });
    if (decided.length === 0) return results;

    const appended = await this.store.appendEach(
      manager,
      decided.map((d) => ({ streamId: d.streamId, expectedVersion: d.version, event: d.event })),
    );
    const written = decided.filter((d, j) => {
      const a = appended[j];
      if (!a.ok) results[d.index] = { ok: false, error: a.error };
      return a.ok;
    });
    if (written.length === 0) return results;
    const receipts = written.map((d) => ({
      roundId,
      unitId: d.event.payload.unitId,
      channel: d.event.payload.channel,
      eventId: d.event.id,
      leafHash: leafHash(canonicalBytes({ ...d.event, streamId: d.streamId, streamVersion: d.version + 1 })).toString('hex'),
      ballotVersion: d.version + 1,
    }));
    // An online cast answers with its receipt (201): stored with the key in this transaction, so a retry that
    // reaches another instance after this one died between the commit and the answer still gets it.
    await markClaimsApplied(
      manager,
      written.map((d) => d.item.claim),
      written.map((d, j) => (d.item.via.channel === 'online' ? { status: 201, body: receipts[j] } : undefined)),
    );
    const col = <T>(f: (d: (typeof written)[number]) => T) => written.map(f);
    const choices = col((d) => JSON.stringify(d.item.ballot.choices));
    const points = col((d) => (d.item.ballot.points !== undefined ? JSON.stringify(d.item.ballot.points) : null));
    // The sealed ballots' content, kept here (never published) until the close opens the ballots that count.
    await manager.query(
      `INSERT INTO ${s}.ballot_secrets (event_id, round_id, voter_pseudonym, unit_id, ballot_id, ballot_version, channel, choices, points, salt, cast_at)
       SELECT u.event_id, $1, u.pseudonym, u.unit_id, u.ballot_id, u.version, u.channel, u.choices, u.points, u.salt, u.cast_at
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::integer[], $7::text[], $8::jsonb[], $9::jsonb[], $10::text[], $11::timestamptz[])
           AS u(event_id, pseudonym, unit_id, ballot_id, version, channel, choices, points, salt, cast_at)`,
      [
        roundId,
        col((d) => d.event.id),
        col((d) => d.item.pseudonym),
        col((d) => d.event.payload.unitId),
        col((d) => d.event.payload.ballotId),
        col((d) => d.version + 1),
        col((d) => d.event.payload.channel),
        choices,
        points,
        col((d) => d.salt),
        col((d) => d.event.occurredAt),
      ],
    );
    await manager.query(
      `INSERT INTO ${s}.ballot_box (round_id, voter_pseudonym, unit_id, ballot_event_id, ballot_version, choices, points, channel, batch_id, cast_at)
       SELECT $1, u.pseudonym, u.unit_id, u.event_id, u.version, u.choices, u.points, u.channel, u.batch_id, u.cast_at
         FROM unnest($2::text[], $3::text[], $4::uuid[], $5::integer[], $6::jsonb[], $7::jsonb[], $8::text[], $9::uuid[], $10::timestamptz[])
           AS u(pseudonym, unit_id, event_id, version, choices, points, channel, batch_id, cast_at)
       ON CONFLICT (round_id, voter_pseudonym, unit_id) DO UPDATE SET ballot_event_id = EXCLUDED.ballot_event_id,
         ballot_version = EXCLUDED.ballot_version, choices = EXCLUDED.choices, points = EXCLUDED.points,
         channel = EXCLUDED.channel, batch_id = EXCLUDED.batch_id, cast_at = EXCLUDED.cast_at`,
      [
        roundId,
        col((d) => d.item.pseudonym),
        col((d) => d.event.payload.unitId),
        col((d) => d.event.id),
        col((d) => d.version + 1),
        choices,
        points,
        col((d) => d.event.payload.channel),
        col((d) => d.event.payload.paper?.batchId ?? null),
        col((d) => d.event.occurredAt),
      ],
    );
    written.forEach((d, j) => (results[d.index] = { ok: true, receipt: receipts[j] }));
    return results;
  }

  /** The caller's current ballots and every version they cast, with receipts. */
  async mine(roundId: string, caller: Caller) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const pseudonym = this.callerPseudonym(round, caller);
      const s = quoteIdent(this.schema);
      const registered: { unit_id: string }[] = await manager.query(`SELECT unit_id FROM ${s}.voters WHERE round_id = $1 AND pseudonym = $2`, [
        roundId,
        pseudonym,
      ]);
      if (registered.length === 0) throw new Ineligible('not-registered', 'you are not registered to vote in this round');
      const streamId = ballotStream(roundId, pseudonym);
      const events = (await this.store.readStream(streamId, 1, { manager })) as (BallotCast | BallotCastV1)[];
      // The content of sealed versions is in the service's own store; unsealed (v1) ones carry it themselves.
      const secrets: { event_id: string; choices: string[]; points: number[] | null }[] = await manager.query(
        `SELECT event_id, choices, points FROM ${s}.ballot_secrets WHERE round_id = $1 AND voter_pseudonym = $2`,
        [roundId, pseudonym],
      );
      const content = new Map(secrets.map((r) => [r.event_id, r]));
      const current = new Map<string, BallotCast | BallotCastV1>();
      for (const e of events) current.set(e.payload.unitId, e);
      const view = (e: BallotCast | BallotCastV1) => {
        const p = readBallotCast(e);
        const kept = content.get(e.id);
        const choices = p.choices ?? kept?.choices ?? [];
        const points = p.points ?? kept?.points ?? undefined;
        return {
          unitId: p.unitId,
          channel: p.channel,
          choices,
          ...(points ? { points } : {}),
          sealed: p.commitment !== undefined,
          castAt: e.occurredAt,
          eventId: e.id,
          ballotVersion: e.streamVersion,
          leafHash: leafHash(canonicalBytes(e)).toString('hex'),
        };
      };
      return {
        roundId,
        phase: round.phase,
        registeredUnit: registered[0].unit_id,
        voterPseudonym: pseudonym,
        current: [...current.values()].map(view),
        history: events.map(view),
      };
    });
  }
}
