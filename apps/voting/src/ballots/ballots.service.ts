import { ForbiddenException, Injectable } from '@nestjs/common';
import { readBallotCast, type BallotCast, type BallotCastV1, type EventContext } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { canonicalBytes, leafHash } from '@plaza/ledger';
import { InjectSchema, validationFailed, type Caller } from '@plaza/nest-runtime';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import { lockRound, pseudonymOf, type LockedRound } from '../rounds/round-access';
import { ballotStream, BallotRuleViolation, decideBallot, Ineligible, type CurrentBallot } from './ballot.decider';
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

/** Maps the decider's outcomes onto HTTP: rule problems → 400 with fields, ineligibility → 403. */
export function asHttpError(error: unknown): unknown {
  if (error instanceof BallotRuleViolation) return validationFailed(error.problems.map((p) => ({ field: p.field, messages: [p.message] })));
  if (error instanceof Ineligible) return new ForbiddenException({ statusCode: 403, error: 'Forbidden', code: error.code, message: error.message });
  return error;
}

@Injectable()
export class BallotsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    @InjectSchema() private readonly schema: string,
  ) {}

  /** The pseudonym a resident votes under: the voting code's, or the HMAC of the identity the roll knows. */
  callerPseudonym(round: LockedRound, caller: Caller): string {
    if (caller.votingCode) {
      if (caller.votingCode.roundId !== round.roundId) throw new Ineligible('other-round', 'this voting code is for another round');
      return caller.votingCode.pseudonym;
    }
    return pseudonymOf(round.secret, caller.sub);
  }

  async cast(roundId: string, caller: Caller, dto: CastBallotDto, ctx: Command): Promise<BallotReceipt> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const round = await lockRound(manager, this.schema, roundId);
        return this.castLocked(manager, round, this.callerPseudonym(round, caller), dto.unitId, dto, { channel: 'online' }, ctx);
      });
    } catch (error) {
      throw asHttpError(error);
    }
  }

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
    via: { channel: 'online' } | { channel: 'paper'; batchId: string; batchUnitId: string; operatorId: string },
    ctx: Command,
  ): Promise<BallotReceipt> {
    const s = quoteIdent(this.schema);
    const roundId = round.roundId;
    const registered: { unit_id: string }[] = await manager.query(`SELECT unit_id FROM ${s}.voters WHERE round_id = $1 AND pseudonym = $2`, [
      roundId,
      pseudonym,
    ]);
    const accepted: { proposal_id: string; cost: string }[] = await manager.query(
      `SELECT proposal_id, cost FROM ${s}.proposals WHERE round_id = $1 AND unit_id = $2 AND status = 'accepted' ORDER BY accepted_seq`,
      [roundId, unitId],
    );
    const currentRows: { unit_id: string; channel: 'online' | 'paper'; ballot_version: number }[] = await manager.query(
      `SELECT unit_id, channel, ballot_version FROM ${s}.ballot_box WHERE round_id = $1 AND voter_pseudonym = $2`,
      [roundId, pseudonym],
    );
    const current = new Map<string, CurrentBallot>(currentRows.map((r) => [r.unit_id, { channel: r.channel, version: r.ballot_version }]));
    const salt = randomBytes(32).toString('hex');
    const events = decideBallot(
      {
        kind: 'CastBallot',
        ballotId: uuidv7(),
        salt,
        voterPseudonym: pseudonym,
        unitId,
        choices: ballot.choices,
        ...(ballot.points !== undefined ? { points: ballot.points } : {}),
        channel: via.channel,
        ...(via.channel === 'paper' ? { paper: { batchId: via.batchId, batchUnitId: via.batchUnitId, operatorId: via.operatorId } } : {}),
      },
      {
        round: { phase: round.phase, config: round.config },
        registeredUnit: registered[0]?.unit_id,
        accepted: accepted.map((a) => ({ proposalId: a.proposal_id, cost: Number(a.cost) })),
        current,
      },
      { ...ctx, roundId },
    );
    const streamId = ballotStream(roundId, pseudonym);
    const version = await this.store.streamVersion(streamId, { manager });
    await this.store.append(streamId, version, events, { manager });
    const event = events[0] as Omit<BallotCast, 'streamId' | 'streamVersion'>;
    const p = event.payload;
    // The sealed ballot's content, kept here (never published) until the close opens the ballots that count.
    await manager.query(
      `INSERT INTO ${s}.ballot_secrets (event_id, round_id, voter_pseudonym, unit_id, ballot_id, ballot_version, channel, choices, points, salt, cast_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        event.id,
        roundId,
        pseudonym,
        p.unitId,
        p.ballotId,
        version + 1,
        p.channel,
        JSON.stringify(ballot.choices),
        ballot.points !== undefined ? JSON.stringify(ballot.points) : null,
        salt,
        event.occurredAt,
      ],
    );
    await manager.query(
      `INSERT INTO ${s}.ballot_box (round_id, voter_pseudonym, unit_id, ballot_event_id, ballot_version, choices, points, channel, batch_id, cast_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (round_id, voter_pseudonym, unit_id) DO UPDATE SET ballot_event_id = EXCLUDED.ballot_event_id,
         ballot_version = EXCLUDED.ballot_version, choices = EXCLUDED.choices, points = EXCLUDED.points,
         channel = EXCLUDED.channel, batch_id = EXCLUDED.batch_id, cast_at = EXCLUDED.cast_at`,
      [
        roundId,
        pseudonym,
        p.unitId,
        event.id,
        version + 1,
        JSON.stringify(ballot.choices),
        ballot.points !== undefined ? JSON.stringify(ballot.points) : null,
        p.channel,
        p.paper?.batchId ?? null,
        event.occurredAt,
      ],
    );
    const envelope = { ...event, streamId, streamVersion: version + 1 };
    return {
      roundId,
      unitId: p.unitId,
      channel: p.channel,
      eventId: event.id,
      leafHash: leafHash(canonicalBytes(envelope)).toString('hex'),
      ballotVersion: version + 1,
    };
  }

  /** The caller's current ballots and every version they cast, with receipts. */
  async mine(roundId: string, caller: Caller) {
    try {
      return await this.dataSource.transaction(async (manager) => {
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
    } catch (error) {
      throw asHttpError(error);
    }
  }
}
