import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import type { EventEnvelope } from './envelope';
import { IsMinorUnits } from './money';

export const PHASES = ['submission', 'review', 'voting', 'closed', 'published'] as const;
export type Phase = (typeof PHASES)[number];

export const BALLOT_TYPES = ['approval'] as const;
export type BallotType = (typeof BALLOT_TYPES)[number];

export const OUTCOME_RULES = ['greedy'] as const;
export type OutcomeRule = (typeof OUTCOME_RULES)[number];

export class DistrictSpec {
  /** Short stable id used in URLs and ballots, e.g. `north`. */
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/)
  readonly id!: string;

  @IsString()
  @Length(1, 200)
  readonly name!: string;

  @IsMinorUnits()
  readonly budget!: number;
}

export class BallotRulesSpec {
  @IsIn(BALLOT_TYPES)
  readonly type!: BallotType;

  @IsInt()
  @Min(1)
  readonly minPicks!: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  readonly maxPicks?: number;
}

export class RoundCreatedPayload {
  @IsString()
  @Length(1, 200)
  readonly name!: string;

  @Matches(/^[A-Z]{3}$/)
  readonly currency!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => DistrictSpec)
  readonly districts!: DistrictSpec[];

  @ValidateNested()
  @Type(() => BallotRulesSpec)
  readonly ballot!: BallotRulesSpec;

  @IsIn(OUTCOME_RULES)
  readonly rule!: OutcomeRule;

  @IsIn(PHASES)
  readonly phase!: Phase;
}

export class RoundPhaseChangedPayload {
  @IsIn(PHASES)
  readonly from!: Phase;

  @IsIn(PHASES)
  readonly to!: Phase;
}

export class ProposalSubmittedPayload {
  @IsUUID()
  readonly proposalId!: string;

  @IsString()
  readonly districtId!: string;

  @IsString()
  @Length(1, 200)
  readonly title!: string;

  @IsString()
  @Length(0, 10_000)
  readonly description!: string;

  @IsMinorUnits()
  readonly estimatedCost!: number;

  @IsString()
  readonly authorId!: string;
}

export class ProposalAcceptedPayload {
  @IsUUID()
  readonly proposalId!: string;

  @IsString()
  readonly districtId!: string;

  /** The reviewed cost the tally uses. */
  @IsMinorUnits()
  readonly cost!: number;

  @IsString()
  @Length(0, 2000)
  readonly reason!: string;
}

export type RoundCreated = EventEnvelope<'RoundCreated', RoundCreatedPayload>;
export type RoundPhaseChanged = EventEnvelope<'RoundPhaseChanged', RoundPhaseChangedPayload>;
export type ProposalSubmitted = EventEnvelope<'ProposalSubmitted', ProposalSubmittedPayload>;
export type ProposalAccepted = EventEnvelope<'ProposalAccepted', ProposalAcceptedPayload>;

export type ProposalsEvent = RoundCreated | RoundPhaseChanged | ProposalSubmitted | ProposalAccepted;
