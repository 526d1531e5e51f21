import { createHmac } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { NotFound, type EventContext } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { canonicalBytes, leafHash } from '@plaza/ledger';
import { InjectSchema, validationFailed } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { ballotStream, BallotRuleViolation, decideBallot, type RoundView } from './ballot.decider';
import type { CastBallotDto } from './dto/cast-ballot.dto';

export interface BallotReceipt {
  readonly roundId: string;
  readonly eventId: string;
  /** RFC 9162 leaf hash (hex) of the ballot event's canonical bytes: what the audit ledger will hold. */
  readonly leafHash: string;
  /** 1 for the first ballot, 2 for the first revision, … */
  readonly ballotVersion: number;
}

@Injectable()
export class BallotsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    @InjectSchema() private readonly schema: string,
  ) {}

  /**
   * Validates and records a ballot in one transaction: the round row is read FOR SHARE so closing (which
   * updates it) waits for ballots in flight; the ballot stream's version makes two casts by one voter at
   * the same moment a conflict instead of a double vote.
   */
  async cast(roundId: string, dto: CastBallotDto, ctx: Omit<EventContext, 'roundId'>): Promise<BallotReceipt> {
    const s = quoteIdent(this.schema);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const rounds: { phase: RoundView['phase']; districts: RoundView['districts']; ballot: RoundView['ballot']; secret: Buffer }[] =
          await manager.query(
            `SELECT r.phase, r.districts, r.ballot, k.secret FROM ${s}.rounds r JOIN ${s}.round_secrets k USING (round_id)
              WHERE r.round_id = $1 FOR SHARE OF r`,
            [roundId],
          );
        if (rounds.length === 0) throw new NotFound(`round ${roundId} is not known to the voting service`);
        const round = rounds[0];
        const accepted: { proposal_id: string }[] = await manager.query(
          `SELECT proposal_id FROM ${s}.proposals WHERE round_id = $1 AND district_id = $2 AND status = 'accepted'`,
          [roundId, dto.districtId],
        );
        const pseudonym = createHmac('sha256', round.secret).update(dto.residentId, 'utf8').digest('hex');
        const events = decideBallot(
          {
            kind: 'CastBallot',
            ballotId: uuidv7(),
            voterPseudonym: pseudonym,
            districtId: dto.districtId,
            approvals: dto.approvals,
            acceptedInDistrict: new Set(accepted.map((a) => a.proposal_id)),
          },
          round,
          { ...ctx, roundId },
        );
        const streamId = ballotStream(roundId, pseudonym);
        const version = await this.store.streamVersion(streamId, { manager });
        await this.store.append(streamId, version, events, { manager });
        const event = events[0];
        await manager.query(
          `INSERT INTO ${s}.ballot_box (round_id, voter_pseudonym, district_id, ballot_event_id, ballot_version, approvals, channel, cast_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (round_id, voter_pseudonym) DO UPDATE SET district_id = EXCLUDED.district_id,
             ballot_event_id = EXCLUDED.ballot_event_id, ballot_version = EXCLUDED.ballot_version,
             approvals = EXCLUDED.approvals, channel = EXCLUDED.channel, cast_at = EXCLUDED.cast_at`,
          [roundId, pseudonym, dto.districtId, event.id, version + 1, JSON.stringify(event.payload.approvals), event.payload.channel, event.occurredAt],
        );
        const envelope = { ...event, streamId, streamVersion: version + 1 };
        return { roundId, eventId: event.id, leafHash: leafHash(canonicalBytes(envelope)).toString('hex'), ballotVersion: version + 1 };
      });
    } catch (error) {
      if (error instanceof BallotRuleViolation) throw validationFailed([{ field: error.field, messages: [error.message] }]);
      throw error;
    }
  }
}
