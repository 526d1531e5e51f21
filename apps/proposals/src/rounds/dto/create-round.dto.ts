import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BALLOT_TYPES, OUTCOME_RULES, PHASES, type BallotType, type OutcomeRule, type Phase } from '@plaza/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

export class DistrictDto {
  @ApiProperty({ example: 'north', description: 'Short id: lower-case letters, digits and dashes' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'id must be 1-40 lower-case letters, digits or dashes' })
  id!: string;

  @ApiProperty({ example: 'North district' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: 100000000, description: 'Budget in minor units of the round currency (e.g. grosze)' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  budget!: number;
}

export class BallotRulesDto {
  @ApiProperty({ enum: BALLOT_TYPES })
  @IsIn(BALLOT_TYPES)
  type!: BallotType;

  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  @Max(1000)
  minPicks!: number;

  @ApiPropertyOptional({ example: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  maxPicks?: number;
}

export class CreateRoundDto {
  @ApiProperty({ example: 'Green Budget 2027' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: 'PLN', description: 'ISO 4217 code' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a 3-letter ISO 4217 code' })
  currency!: string;

  @ApiProperty({ type: [DistrictDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => DistrictDto)
  districts!: DistrictDto[];

  @ApiProperty({ type: BallotRulesDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => BallotRulesDto)
  ballot!: BallotRulesDto;

  @ApiProperty({ enum: OUTCOME_RULES })
  @IsIn(OUTCOME_RULES)
  rule!: OutcomeRule;
}

export class ChangePhaseDto {
  @ApiProperty({ enum: PHASES })
  @IsIn(PHASES)
  to!: Phase;
}
