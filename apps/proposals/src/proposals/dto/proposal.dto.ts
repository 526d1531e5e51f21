import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsMinorUnits, IsSingleLine, UNIT_ID_PATTERN } from '@plaza/contracts';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { PROPOSAL_STATUSES, type ProposalStatus } from '../proposal.decider';
import { PageQuery } from '../../shared/page.query';

const UNIT_MESSAGE = { message: 'unitId must be a unit id of the round (lower-case letters, digits, dashes)' };

export class SubmitProposalDto {
  @ApiProperty({ example: 'north', description: 'The district or category the project is for' })
  @Matches(UNIT_ID_PATTERN, UNIT_MESSAGE)
  unitId!: string;

  @ApiProperty({ example: 'Trees on Market Street' })
  @IsString()
  @Length(3, 200)
  @IsSingleLine()
  title!: string;

  @ApiProperty({ example: 'Plant 40 trees along the street.' })
  @IsString()
  @Length(0, 10_000)
  description!: string;

  @ApiProperty({ example: 5_000_000, description: 'Estimated cost in minor units of the round currency' })
  @IsMinorUnits()
  estimatedCost!: number;

  @ApiPropertyOptional({ example: 'Market Street between Elm and Oak' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @IsSingleLine()
  location?: string;
}

/** Only the fields given change. */
export class EditProposalDto {
  @ApiPropertyOptional({ example: 'north' })
  @IsOptional()
  @Matches(UNIT_ID_PATTERN, UNIT_MESSAGE)
  unitId?: string;

  @ApiPropertyOptional({ example: 'Trees on Market Street and Elm Street' })
  @IsOptional()
  @IsString()
  @Length(3, 200)
  @IsSingleLine()
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(0, 10_000)
  description?: string;

  @ApiPropertyOptional({ example: 6_000_000 })
  @IsOptional()
  @IsMinorUnits()
  estimatedCost?: number;

  @ApiPropertyOptional({ description: 'Empty string removes the location' })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  @IsSingleLine()
  location?: string;
}

export class WithdrawProposalDto {
  @ApiPropertyOptional({ example: 'The city already plans this.' })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  @IsSingleLine()
  reason?: string;
}

export class ReviewProposalDto {
  @ApiProperty({ example: 'Feasible; needs a permit from the roads department.' })
  @IsString()
  @Length(1, 10_000)
  feasibilityNotes!: string;

  @ApiPropertyOptional({ example: 4_800_000, description: "Staff's cost estimate in minor units" })
  @IsOptional()
  @IsMinorUnits()
  costEstimate?: number;
}

export class AcceptProposalDto {
  @ApiProperty({ example: 4_800_000, description: 'Reviewed cost in minor units; the tally uses this' })
  @IsMinorUnits()
  cost!: number;

  @ApiProperty({ example: 'Feasible; cost checked with the parks department.' })
  @IsString()
  @Length(0, 2000)
  @IsSingleLine()
  reason!: string;
}

export class RejectProposalDto {
  @ApiProperty({ example: 'The street belongs to the region, not the city.', description: 'Public reason, shown to everyone' })
  @IsString()
  @Length(1, 2000)
  @IsSingleLine()
  reason!: string;
}

export class MergeProposalsDto {
  @ApiProperty({ type: [String], format: 'uuid', description: 'Duplicates to fold into this proposal (same unit, still open)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  sources!: string[];
}

export class ListProposalsQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'north' })
  @IsOptional()
  @Matches(UNIT_ID_PATTERN, UNIT_MESSAGE)
  unitId?: string;

  @ApiPropertyOptional({ enum: PROPOSAL_STATUSES })
  @IsOptional()
  @IsIn(PROPOSAL_STATUSES)
  status?: ProposalStatus;

  @ApiPropertyOptional({ description: "Only the caller's own proposals (needs a token)" })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  mine?: boolean;

  @ApiPropertyOptional({ description: 'Words to find in title or description (all must occur, case-insensitive)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;

  @ApiPropertyOptional({ description: 'Minimum cost in minor units (accepted cost once accepted, else the estimate)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  minCost?: number;

  @ApiPropertyOptional({ description: 'Maximum cost in minor units' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  maxCost?: number;

}

export class ProposalCommandResponse {
  @ApiProperty({ format: 'uuid' }) proposalId!: string;
  @ApiProperty({ description: 'Stream version after the command' }) version!: number;
  @ApiProperty({ enum: PROPOSAL_STATUSES }) status!: ProposalStatus;
  @ApiProperty({ type: [String], description: 'Events written (empty: nothing changed)' }) events!: string[];
}

export class ReviewResponse {
  @ApiProperty() feasibilityNotes!: string;
  @ApiProperty({ type: Number, nullable: true }) costEstimate!: number | null;
  @ApiProperty() reviewerId!: string;
  @ApiProperty({ format: 'date-time' }) reviewedAt!: string;
}

export class ProposalLinkResponse {
  @ApiProperty({ format: 'uuid' }) proposalId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: PROPOSAL_STATUSES }) status!: ProposalStatus;
}

export class ProposalResponse {
  @ApiProperty({ format: 'uuid' }) proposalId!: string;
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty() unitId!: string;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ description: "The author's estimate in minor units" }) estimatedCost!: number;
  @ApiProperty({ type: String, nullable: true }) location!: string | null;
  @ApiProperty({ description: "The author's per-round pseudonym (the one the ledger shows); never the identity" }) authorPseudonym!: string;
  @ApiProperty({ description: 'The caller is the author' }) mine!: boolean;
  @ApiProperty({ enum: PROPOSAL_STATUSES }) status!: ProposalStatus;
  @ApiProperty({ type: [ReviewResponse] }) reviews!: ReviewResponse[];
  @ApiProperty({ type: Number, nullable: true, description: 'Reviewed cost the tally uses (accepted only)' }) cost!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Public reason of the acceptance, rejection or withdrawal' }) decisionReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) decidedBy!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'Set when merged into another proposal' }) mergedInto!: string | null;
  @ApiProperty({ type: [String], description: 'Proposals merged into this one' }) mergedFrom!: string[];
  @ApiProperty({ format: 'date-time' }) submittedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Supports held now (support phase; public). After the phase: the count the selection saw' }) supports!: number;
}

export class ProposalPageResponse {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [ProposalResponse] }) items!: ProposalResponse[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The offset of the next page (null after the last): a page stops at `limit` rows or at about 1 MiB of them, whichever comes first',
  })
  next!: number | null;
  @ApiPropertyOptional({ description: 'true when this page stopped early at its byte cap (fewer than `limit` rows, more follow at `next`)' })
  cut?: boolean;
}

export class ProposalHistoryEntry {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'ProposalReviewed' }) type!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: object;
}

export class ProposalDetailResponse extends ProposalResponse {
  @ApiProperty({ type: ProposalLinkResponse, nullable: true }) mergedIntoProposal!: ProposalLinkResponse | null;
  @ApiProperty({ type: [ProposalLinkResponse] }) mergedFromProposals!: ProposalLinkResponse[];
  @ApiProperty({ type: [ProposalHistoryEntry], description: 'Every event of the proposal, oldest first' }) history!: ProposalHistoryEntry[];
}
