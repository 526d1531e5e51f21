import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import type { EventEnvelope } from './envelope';
import { IsMinorUnits } from './money';
import { BallotRules, BudgetUnit, PHASES, ROUND_CONFIG_KEYS, RoundConfig, SupportThreshold, UNIT_ID_PATTERN, type Phase, type RoundConfigKey } from './round-config';
import { IsCanonicalUuid } from './ids';
import { HEX64, legacyAuthorPseudonym } from './pseudonym';

/** @deprecated slice name; use BudgetUnit. Kept so code written against the slice compiles while it moves over. */
export type DistrictSpec = BudgetUnit;
/** @deprecated slice name; use BallotRules. */
export type BallotRulesSpec = BallotRules;

export const PHASE_TRIGGERS = ['admin', 'schedule'] as const;
export type PhaseTrigger = (typeof PHASE_TRIGGERS)[number];

export class RoundCreatedPayload {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RoundConfig)
  readonly config!: RoundConfig;

  @IsIn(['draft'])
  readonly phase!: 'draft';

  /** The administrator who did it (token subject); absent when the schedule did. Additive to contracts v2. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  readonly actorId?: string;
}

/** The full new configuration after an administrator's change, with the top-level keys that changed. */
export class RoundConfiguredPayload {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RoundConfig)
  readonly config!: RoundConfig;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(ROUND_CONFIG_KEYS, { each: true })
  readonly changed!: RoundConfigKey[];

  /** The administrator who did it (token subject); absent when the schedule did. Additive to contracts v2. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  readonly actorId?: string;
}

export class RoundPhaseChangedPayload {
  @IsIn(PHASES)
  readonly from!: Phase;

  @IsIn(PHASES)
  readonly to!: Phase;

  @IsIn(PHASE_TRIGGERS)
  readonly trigger!: PhaseTrigger;

  /** The administrator who did it (token subject); absent when the schedule did. Additive to contracts v2. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  readonly actorId?: string;
}

/** What a resident writes; the same fields on submit and on every edit. */
export class ProposalContent {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @Matches(UNIT_ID_PATTERN)
  readonly unitId!: string;

  @IsString()
  @Length(1, 200)
  readonly title!: string;

  @IsString()
  @Length(0, 10_000)
  readonly description!: string;

  @IsMinorUnits()
  readonly estimatedCost!: number;

  @IsOptional()
  @IsString()
  @Length(1, 500)
  readonly location?: string;
}

/**
 * schemaVersion 2: the author is the resident's per-round pseudonym (HMAC under the proposals service's round
 * secret), never the identity. v1 events (ProposalSubmittedPayloadV1) carried the token subject in the clear; they
 * are read through upcastProposalSubmittedV1.
 */
export class ProposalSubmittedPayload extends ProposalContent {
  @Matches(HEX64)
  readonly authorPseudonym!: string;
}

/** ProposalSubmitted schemaVersion 1, as stored before authors were pseudonymous (the bytes are never rewritten). */
export class ProposalSubmittedPayloadV1 extends ProposalContent {
  /** The token subject of the resident who proposed it, in the clear. */
  @IsString()
  @Length(1, 200)
  readonly authorId!: string;
}

/** v1 → v2: the clear author id becomes legacyAuthorPseudonym(authorId); every other field is kept. */
export function upcastProposalSubmittedV1(payload: ProposalSubmittedPayloadV1): ProposalSubmittedPayload {
  const { authorId, ...content } = payload;
  return { ...content, authorPseudonym: legacyAuthorPseudonym(authorId) };
}

export class ProposalEditedPayload extends ProposalContent {}

export class ProposalWithdrawnPayload {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  readonly reason?: string;
}

export class ProposalReviewedPayload {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @IsString()
  @Length(1, 10_000)
  readonly feasibilityNotes!: string;

  @IsOptional()
  @IsMinorUnits()
  readonly costEstimate?: number;

  @IsString()
  @Length(1, 200)
  readonly reviewerId!: string;
}

export class ProposalAcceptedPayload {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @Matches(UNIT_ID_PATTERN)
  readonly unitId!: string;

  /** The reviewed cost the tally uses. */
  @IsMinorUnits()
  readonly cost!: number;

  @IsString()
  @Length(0, 2000)
  readonly reason!: string;

  @IsString()
  @Length(1, 200)
  readonly reviewerId!: string;
}

export class ProposalRejectedPayload {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @Matches(UNIT_ID_PATTERN)
  readonly unitId!: string;

  /** Public: shown to the author and everyone else. */
  @IsString()
  @Length(1, 2000)
  readonly reason!: string;

  @IsString()
  @Length(1, 200)
  readonly reviewerId!: string;
}

/** On the target's stream: the sources were folded into it. */
export class ProposalsMergedPayload {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsCanonicalUuid({ each: true })
  readonly sources!: string[];

  @IsString()
  @Length(1, 200)
  readonly reviewerId!: string;
}

/** On each source's stream: where it went. */
export class ProposalMergedIntoPayload {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @IsCanonicalUuid()
  readonly into!: string;
}

/** A round pseudonym: hex HMAC-SHA256 of the resident's identity under a per-round secret (never the identity). */
export const SUPPORTER_PATTERN = /^[0-9a-f]{64}$/;

/**
 * A resident backs a proposal during the support phase. On the resident's support stream
 * (`supports-<roundId>-<supporter>`), so one resident's supports are decided one at a time. `supporter` is the
 * round pseudonym, never the resident's identity.
 */
export class ProposalSupportedPayload {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @Matches(UNIT_ID_PATTERN)
  readonly unitId!: string;

  @Matches(SUPPORTER_PATTERN, { message: 'supporter must be a 64-character hex pseudonym' })
  readonly supporter!: string;
}

/** The resident takes a support back (support phase only); it can be given to another proposal. */
export class ProposalSupportWithdrawnPayload extends ProposalSupportedPayload {}

/** One proposal's support count as the selection saw it. */
export class SupportTally {
  @IsCanonicalUuid()
  readonly proposalId!: string;

  @Matches(UNIT_ID_PATTERN)
  readonly unitId!: string;

  @IsInt()
  @Min(0)
  readonly supports!: number;

  @IsBoolean()
  readonly selected!: boolean;
}

/**
 * The support phase's outcome, on the round's stream right after the phase change that ended it: which proposals
 * go on to review (and may reach the ballot). Computed by libs/recount supportSelection from the support events;
 * the audit service and `plaza verify` recompute it from the ledger. Proposals not selected cannot be reviewed,
 * accepted or merged.
 */
export class SupportSelectionDeclaredPayload {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SupportThreshold)
  readonly threshold!: SupportThreshold;

  /** Every open proposal of the round: by unit id, then most supports first, then proposal id. */
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => SupportTally)
  readonly proposals!: SupportTally[];

  /** The selected proposal ids, sorted. */
  @IsArray()
  @ArrayMaxSize(100_000)
  @ArrayUnique()
  @IsCanonicalUuid({ each: true })
  readonly selected!: string[];

  /** How many distinct pseudonyms held at least one support when the phase ended. */
  @IsInt()
  @Min(0)
  readonly supporters!: number;
}

export type RoundCreated = EventEnvelope<'RoundCreated', RoundCreatedPayload>;
export type RoundConfigured = EventEnvelope<'RoundConfigured', RoundConfiguredPayload>;
export type RoundPhaseChanged = EventEnvelope<'RoundPhaseChanged', RoundPhaseChangedPayload>;
export type ProposalSubmitted = EventEnvelope<'ProposalSubmitted', ProposalSubmittedPayload>;
export type ProposalEdited = EventEnvelope<'ProposalEdited', ProposalEditedPayload>;
export type ProposalWithdrawn = EventEnvelope<'ProposalWithdrawn', ProposalWithdrawnPayload>;
export type ProposalReviewed = EventEnvelope<'ProposalReviewed', ProposalReviewedPayload>;
export type ProposalAccepted = EventEnvelope<'ProposalAccepted', ProposalAcceptedPayload>;
export type ProposalRejected = EventEnvelope<'ProposalRejected', ProposalRejectedPayload>;
export type ProposalsMerged = EventEnvelope<'ProposalsMerged', ProposalsMergedPayload>;
export type ProposalMergedInto = EventEnvelope<'ProposalMergedInto', ProposalMergedIntoPayload>;

export type ProposalSupported = EventEnvelope<'ProposalSupported', ProposalSupportedPayload>;
export type ProposalSupportWithdrawn = EventEnvelope<'ProposalSupportWithdrawn', ProposalSupportWithdrawnPayload>;
export type SupportSelectionDeclared = EventEnvelope<'SupportSelectionDeclared', SupportSelectionDeclaredPayload>;

export type RoundEvent = RoundCreated | RoundConfigured | RoundPhaseChanged | SupportSelectionDeclared;
export type SupportEvent = ProposalSupported | ProposalSupportWithdrawn;
export type ProposalEvent =
  | ProposalSubmitted
  | ProposalEdited
  | ProposalWithdrawn
  | ProposalReviewed
  | ProposalAccepted
  | ProposalRejected
  | ProposalsMerged
  | ProposalMergedInto;

export type ProposalsEvent = RoundEvent | ProposalEvent | SupportEvent;
