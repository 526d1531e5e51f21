import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsString, IsUUID, Matches } from 'class-validator';
import type { EventEnvelope } from './envelope';

export const BALLOT_CHANNELS = ['online', 'paper'] as const;
export type BallotChannel = (typeof BALLOT_CHANNELS)[number];

export class BallotCastPayload {
  @IsUUID()
  readonly ballotId!: string;

  /** HMAC-SHA256 of the resident identity under the round's secret (hex); never the identity itself. */
  @Matches(/^[0-9a-f]{64}$/)
  readonly voterPseudonym!: string;

  @IsString()
  readonly districtId!: string;

  /** Approved proposal ids (order carries no meaning for approval ballots). */
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  readonly approvals!: string[];

  @IsIn(BALLOT_CHANNELS)
  readonly channel!: BallotChannel;
}

export type BallotCast = EventEnvelope<'BallotCast', BallotCastPayload>;

export type VotingEvent = BallotCast;
