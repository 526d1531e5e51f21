import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsEmpty,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import type { EventEnvelope } from './envelope';
import { IsMinorUnits } from './money';
import { OutcomeRule, UNIT_ID_PATTERN } from './round-config';
import { IsCanonicalUuid } from './ids';

export const BALLOT_CHANNELS = ['online', 'paper'] as const;
export type BallotChannel = (typeof BALLOT_CHANNELS)[number];

export const AGE_BANDS = ['16-17', '18-29', '30-44', '45-64', '65+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

const PSEUDONYM = /^[0-9a-f]{64}$/;
const UNIT_ID = UNIT_ID_PATTERN;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** VotersRegistered v2 (v1 and its upcaster: voters-registered.v1.ts): a pseudonym and its unit, nothing more. */
export class RegisteredVoter {
  /** HMAC-SHA256 of the identity under the round's secret (hex); never the identity itself. */
  @Matches(PSEUDONYM)
  readonly pseudonym!: string;

  @Matches(UNIT_ID)
  readonly unitId!: string;

  /** Not in v2: age bands appear only as aggregates with small cells suppressed (ParticipationDeclared). */
  @IsEmpty({ message: 'ageBand is not part of VotersRegistered v2: age bands appear only as aggregates' })
  readonly ageBand?: undefined;
}

export class VotersRegisteredPayload {
  @IsIn(['roll', 'codes'])
  readonly source!: 'roll' | 'codes';

  /** Sorted by pseudonym (unrelated to the roll's or the code sheet's order); at most 1000 per event. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => RegisteredVoter)
  readonly voters!: RegisteredVoter[];

  /** Registered while voting was open: the four-eyes change (EligibilityChangeConfirmed) that allowed it. */
  @IsOptional()
  @IsCanonicalUuid()
  readonly changeId?: string;
}

export class PaperEntry {
  @IsCanonicalUuid()
  readonly batchId!: string;

  @IsString()
  readonly operatorId!: string;
}

/** What a ballot says: in a v1 BallotCast, and in the opening of a sealed one. */
export class BallotChoices {
  /** Proposal ids; for ranked ballots the order is the ranking, most preferred first. */
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(1000)
  @IsCanonicalUuid({ each: true })
  readonly choices!: string[];

  /** Cumulative ballots: points per choice, in the same order. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  readonly points?: number[];
}

/**
 * BallotCast at schemaVersion 1 (before sealed ballots): the choices in the clear. Never written any more; kept so
 * stored v1 events still validate and replay (see readBallotCast).
 */
export class BallotCastV1Payload extends BallotChoices {
  @IsCanonicalUuid()
  readonly ballotId!: string;

  /** HMAC-SHA256 of the resident identity under the round's secret (hex); never the identity itself. */
  @Matches(PSEUDONYM)
  readonly voterPseudonym!: string;

  @Matches(UNIT_ID)
  readonly unitId!: string;

  @IsIn(BALLOT_CHANNELS)
  readonly channel!: BallotChannel;


  /** Paper ballots: the batch they were entered in and the staff member who entered them. */
  @IsOptional()
  @ValidateNested()
  @Type(() => PaperEntry)
  readonly paper?: PaperEntry;
}

/**
 * BallotCast at schemaVersion 2: a sealed ballot. The public record says who (pseudonym) cast a ballot in which
 * unit, by which channel, and a commitment to its content; the choices and the salt stay in the voting service
 * until the close, when the ballots that count are opened (BallotsOpened). See ballotCommitment in libs/recount.
 */
export class BallotCastPayload {
  @IsCanonicalUuid()
  readonly ballotId!: string;

  /** HMAC-SHA256 of the resident identity under the round's secret (hex); never the identity itself. */
  @Matches(PSEUDONYM)
  readonly voterPseudonym!: string;

  @Matches(UNIT_ID)
  readonly unitId!: string;

  @IsIn(BALLOT_CHANNELS)
  readonly channel!: BallotChannel;

  /** sha256 hex of the RFC 8785 canonical JSON of {ballotId, choices, domain: "plaza.ballot/1", points?, salt}. */
  @Matches(SHA256_HEX)
  readonly commitment!: string;

  /** Paper ballots: the batch they were entered in and the staff member who entered them. */
  @IsOptional()
  @ValidateNested()
  @Type(() => PaperEntry)
  readonly paper?: PaperEntry;
}

/** The content of one sealed ballot, published at the close: it must hash to the BallotCast's commitment. */
export class BallotOpening extends BallotChoices {
  /** The BallotCast event this opens (the receipt's eventId). */
  @IsCanonicalUuid()
  readonly eventId!: string;

  @Matches(PSEUDONYM)
  readonly voterPseudonym!: string;

  @Matches(UNIT_ID)
  readonly unitId!: string;


  /** 32 random bytes (hex), drawn per ballot version: without it nobody can test a guess against the commitment. */
  @Matches(SHA256_HEX)
  readonly salt!: string;
}

/**
 * Openings of the ballots selected at the close (libs/recount countBallots: the latest version per pseudonym and
 * unit of a voter eligible at the close), up to 1000 per event, after VotingClosed in the tally stream.
 * Superseded versions are never opened.
 */
export class BallotsOpenedPayload {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => BallotOpening)
  readonly openings!: BallotOpening[];
}

export class PaperBatchOpenedPayload {
  @IsCanonicalUuid()
  readonly batchId!: string;

  @Matches(UNIT_ID)
  readonly unitId!: string;

  @IsString()
  readonly operatorId!: string;

  @IsInt()
  @Min(0)
  readonly sheetsCounted!: number;
}

export class PaperBatchClosedPayload {
  @IsCanonicalUuid()
  readonly batchId!: string;

  @IsInt()
  @Min(0)
  readonly entered!: number;

  @IsInt()
  @Min(0)
  readonly sheetsCounted!: number;

  /**
   * Sheets set aside as refused (PaperSheetRefused) in the batch. Absent in batches closed before refusals were
   * recorded, which had none.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  readonly refused?: number;

  /**
   * entered + refused − sheetsCounted: every sheet counted by hand is either entered or set aside as refused, so
   * 0 means the batch reconciles; positive when more sheets were handled than counted.
   */
  @IsInt()
  readonly discrepancy!: number;
}

/**
 * Why a paper sheet could not count. Deliberately coarse, and never who the sheet was from: the ledger is public.
 * `not-eligible`: not on the roll, another unit or round, an invalid or used code; `already-voted`: online or
 * on paper before; `spoiled`: the sheet itself is invalid (unreadable, more crosses than allowed, torn).
 */
export const PAPER_REFUSAL_REASONS = ['not-eligible', 'already-voted', 'spoiled'] as const;
export type PaperRefusalReason = (typeof PAPER_REFUSAL_REASONS)[number];

/** A counted sheet the clerk set aside instead of entering, so the batch still reconciles. */
export class PaperSheetRefusedPayload {
  @IsCanonicalUuid()
  readonly batchId!: string;

  @IsIn(PAPER_REFUSAL_REASONS)
  readonly reason!: PaperRefusalReason;
}

export class VotingClosedPayload {
  @IsInt()
  @Min(0)
  readonly ballotsCounted!: number;

  /** Counted ballots per unit id (every unit of the round, zero included). */
  @IsObject()
  readonly perUnit!: Record<string, number>;

  /** sha256 hex over the counted BallotCast event ids, sorted, joined by '\n'. */
  @Matches(SHA256_HEX)
  readonly ballotDigest!: string;
}

export class ResultsDeclaredPayload {
  @Matches(UNIT_ID)
  readonly unitId!: string;

  @IsString()
  readonly rule!: string;

  /** The round's outcome rule (RoundConfig.outcome) as it stood at the close. */
  @IsDefined()
  @ValidateNested()
  @Type(() => OutcomeRule)
  readonly options!: OutcomeRule;

  /**
   * `support-then-lower-cost-then-input-order` (the default, the only value before tie-breaking was configurable), or
   * the round's `outcome.tieBreak` joined by "-then-", e.g. `more-support-then-lottery` (added, v2).
   */
  @Matches(/^(support-then-lower-cost-then-input-order|(more-support|lower-cost|higher-cost|ballot-order|project-id|lottery)(-then-(more-support|lower-cost|higher-cost|ballot-order|project-id|lottery))*)$/)
  readonly tieBreaking!: string;

  /** sha256 hex of the RFC 8785 canonical JSON of the tally input {instance, profile, rule, options}. */
  @Matches(SHA256_HEX)
  readonly inputDigest!: string;

  /** Proposal ids in selection order. */
  @IsArray()
  @IsCanonicalUuid({ each: true })
  readonly selected!: string[];

  @IsMinorUnits()
  readonly spent!: number;

  @IsMinorUnits()
  readonly budget!: number;

  @IsIn(['ok', 'tie'])
  readonly status!: 'ok' | 'tie';

  /** libs/tally resultToJson(result).explanation: bigints as decimal strings, rationals as "n/d". */
  @IsDefined()
  readonly explanation!: unknown;

  @IsInt()
  @Min(0)
  readonly ballotsCounted!: number;
}

export type VotersRegistered = EventEnvelope<'VotersRegistered', VotersRegisteredPayload>;
export type BallotCast = EventEnvelope<'BallotCast', BallotCastPayload>;
/** A stored BallotCast of schemaVersion 1 (choices in the clear); read through readBallotCast. */
export type BallotCastV1 = EventEnvelope<'BallotCast', BallotCastV1Payload> & { readonly schemaVersion: 1 };
export type BallotsOpened = EventEnvelope<'BallotsOpened', BallotsOpenedPayload>;
export type PaperBatchOpened = EventEnvelope<'PaperBatchOpened', PaperBatchOpenedPayload>;
export type PaperSheetRefused = EventEnvelope<'PaperSheetRefused', PaperSheetRefusedPayload>;
export type PaperBatchClosed = EventEnvelope<'PaperBatchClosed', PaperBatchClosedPayload>;
export type VotingClosed = EventEnvelope<'VotingClosed', VotingClosedPayload>;
export type ResultsDeclared = EventEnvelope<'ResultsDeclared', ResultsDeclaredPayload>;

export type VotingEvent = VotersRegistered | BallotCast | BallotsOpened | PaperBatchOpened | PaperSheetRefused | PaperBatchClosed | VotingClosed | ResultsDeclared;

/**
 * A BallotCast of either schema version, upcast to one read shape: v2 (sealed) carries `commitment` and no
 * choices; v1 (stored before ballots were sealed, never rewritten) carries its choices in the clear and no
 * commitment, so it needs no opening.
 */
export interface BallotCastRead {
  readonly ballotId: string;
  readonly voterPseudonym: string;
  readonly unitId: string;
  readonly channel: BallotChannel;
  readonly paper?: PaperEntry;
  readonly commitment?: string;
  readonly choices?: readonly string[];
  readonly points?: readonly number[];
}

/** The upcaster on read for BallotCast: every reader that interprets ballots goes through it. */
export function readBallotCast(event: Pick<BallotCast | BallotCastV1, 'schemaVersion' | 'payload'>): BallotCastRead {
  if (event.schemaVersion === 1) return event.payload as BallotCastV1Payload;
  // A sealed ballot's content is only ever what its opening says, whatever else the payload carries.
  const { ballotId, voterPseudonym, unitId, channel, commitment, paper } = event.payload as BallotCastPayload;
  return { ballotId, voterPseudonym, unitId, channel, commitment, ...(paper ? { paper } : {}) };
}
