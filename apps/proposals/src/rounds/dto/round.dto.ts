import './round-config.openapi';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { PHASES, RoundConfig, type Phase } from '@plaza/contracts';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../shared/page.query';

/** The whole configuration of a new round; it starts as a draft. */
export class CreateRoundDto extends RoundConfig {}

/** Any top-level settings to replace (each replaces the whole setting, e.g. the whole ballot); the rest stay. */
export class ConfigureRoundDto extends PartialType(RoundConfig) {}

export class ChangePhaseDto {
  @ApiProperty({ enum: PHASES, description: 'A later phase: draft → submission → review → voting → closed → published' })
  @IsIn(PHASES)
  to!: Phase;
}

export class ListRoundsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PHASES })
  @IsOptional()
  @IsIn(PHASES)
  phase?: Phase;

}

export class RoundCommandResponse {
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty({ description: 'Stream version after the command' }) version!: number;
  @ApiProperty({ enum: PHASES }) phase!: Phase;
  @ApiProperty({ type: [String], example: ['RoundConfigured'], description: 'Events written (empty: nothing changed)' }) events!: string[];
}

export class PhaseTimesResponse {
  @ApiPropertyOptional({ format: 'date-time' }) draft?: string;
  @ApiPropertyOptional({ format: 'date-time' }) submission?: string;
  @ApiPropertyOptional({ format: 'date-time' }) review?: string;
  @ApiPropertyOptional({ format: 'date-time' }) voting?: string;
  @ApiPropertyOptional({ format: 'date-time' }) closed?: string;
  @ApiPropertyOptional({ format: 'date-time' }) published?: string;
}

export class RoundResponse {
  @ApiProperty({ format: 'uuid' }) roundId!: string;
  @ApiProperty({ type: () => RoundConfig }) config!: RoundConfig;
  @ApiProperty({ enum: PHASES }) phase!: Phase;
  @ApiProperty({ type: () => PhaseTimesResponse, description: 'When each phase reached so far began' }) phaseStartedAt!: PhaseTimesResponse;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the schedule will next move the round' })
  nextScheduledAt!: string | null;
  @ApiProperty({ type: [String], description: 'Settings an administrator can still change in this phase' }) editable!: string[];
  @ApiPropertyOptional({ type: [String], description: 'Support phase only, once it ended: the proposals its selection sent to review' })
  supportSelected?: readonly string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() version!: number;
}

export class RoundPageResponse {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [RoundResponse] }) items!: RoundResponse[];
}

export class HistoryEntryResponse {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'RoundConfigured' }) type!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: object;
}
