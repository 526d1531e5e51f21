import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import type { EventEnvelope } from './envelope';
import { IsCanonicalUuid } from './ids';

// Insider actions: what an administrator or staff member does that could change who votes or what is counted,
// recorded as public, attributable events (who did it is the token's subject). The audit bundle carries them and
// `plaza verify` lists them (libs/bundle insider-actions.ts). See docs/threat-model.md.

/** What a change of eligibility while voting is open does: re-import roll lines, or mint more voting codes. */
export const ELIGIBILITY_CHANGE_KINDS = ['roll', 'codes'] as const;
export type EligibilityChangeKind = (typeof ELIGIBILITY_CHANGE_KINDS)[number];

/**
 * An administrator asks to change the roll or the codes while voting is open. Nothing is registered until a
 * second, different administrator confirms (EligibilityChangeConfirmed): four eyes.
 */
export class EligibilityChangeRequestedPayload {
  @IsCanonicalUuid()
  readonly changeId!: string;

  @IsIn(ELIGIBILITY_CHANGE_KINDS)
  readonly kind!: EligibilityChangeKind;

  /** Subject of the administrator's token. */
  @IsString()
  @MaxLength(200)
  readonly requestedBy!: string;

  /** Voters the change would register (new or moved), per unit id: how big it is, never who. */
  @IsObject()
  readonly perUnit!: Record<string, number>;
}

export class EligibilityChangeConfirmedPayload {
  @IsCanonicalUuid()
  readonly changeId!: string;

  /** Subject of the second administrator's token; never the requester's. */
  @IsString()
  @MaxLength(200)
  readonly confirmedBy!: string;

  @IsInt()
  @Min(0)
  readonly registered!: number;
}

/**
 * A second staff member confirms a closed paper batch: they entered and refused none of its sheets and did not
 * open it. `overrides`: paper sheets of the batch that replaced a ballot cast online (`paper-overrides-online`).
 */
export class PaperBatchConfirmedPayload {
  @IsCanonicalUuid()
  readonly batchId!: string;

  @IsString()
  @MaxLength(200)
  readonly confirmedBy!: string;

  @IsInt()
  @Min(0)
  readonly overrides!: number;
}

export const SECRET_DESTRUCTION_TRIGGERS = ['admin', 'automatic'] as const;

/** The round's pseudonym secret was destroyed: nobody can link a resident to a pseudonym of this round any more. */
export class RoundSecretDestroyedPayload {
  @IsIn(SECRET_DESTRUCTION_TRIGGERS)
  readonly trigger!: (typeof SECRET_DESTRUCTION_TRIGGERS)[number];

  /** The administrator's subject, or `system` for the automatic destruction. */
  @IsString()
  @MaxLength(200)
  readonly destroyedBy!: string;
}

/** One age band's aggregate over the round; `null` where the cell (or a cell that would give it away) is under the minimum. */
export class AgeBandCell {
  @IsString()
  @MaxLength(20)
  readonly band!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  readonly registered!: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  readonly voted!: number | null;
}

/**
 * Registered voters and voters who voted per age band over the whole round, declared once at the close: the only
 * public place age bands appear (VotersRegistered v2 carries none; per-unit tables would let one be subtracted
 * from another). Cells under `minCell`, and cells that would give one away, are null.
 */
export class ParticipationDeclaredPayload {
  @IsInt()
  @Min(1)
  readonly minCell!: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AgeBandCell)
  readonly bands!: AgeBandCell[];
}

export type EligibilityChangeRequested = EventEnvelope<'EligibilityChangeRequested', EligibilityChangeRequestedPayload>;
export type EligibilityChangeConfirmed = EventEnvelope<'EligibilityChangeConfirmed', EligibilityChangeConfirmedPayload>;
export type PaperBatchConfirmed = EventEnvelope<'PaperBatchConfirmed', PaperBatchConfirmedPayload>;
export type RoundSecretDestroyed = EventEnvelope<'RoundSecretDestroyed', RoundSecretDestroyedPayload>;
export type ParticipationDeclared = EventEnvelope<'ParticipationDeclared', ParticipationDeclaredPayload>;

export type InsiderEvent = EligibilityChangeRequested | EligibilityChangeConfirmed | PaperBatchConfirmed | RoundSecretDestroyed | ParticipationDeclared;
