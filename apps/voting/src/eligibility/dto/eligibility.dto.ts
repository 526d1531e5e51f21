import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ELIGIBILITY_CHANGE_KINDS, type EligibilityChangeKind } from '@plaza/contracts';
import { IsIn, IsInt, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { MAX_CODES_PER_REQUEST } from '../eligibility.service';

export class ImportRollDto {
  @ApiProperty({ example: 'resident_id,unit_id,birth_year\nR-1,centre,1980\n', description: 'The voter roll as CSV text' })
  @IsString()
  @Length(1, 50_000_000)
  csv!: string;
}

export class GenerateCodesDto {
  @ApiProperty({ example: 'centre' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'unitId must be a unit id such as centre' })
  unitId!: string;

  @ApiProperty({ example: 500, maximum: MAX_CODES_PER_REQUEST })
  @IsInt()
  @Min(1)
  @Max(MAX_CODES_PER_REQUEST)
  count!: number;
}

export class SignInDto {
  @ApiProperty({ example: 'ABCDE-FGHJK' })
  @IsString()
  @Length(1, 40)
  @Matches(/^[0-9A-Za-z\s-]+$/, { message: 'code must be letters, digits and dashes as printed' })
  @MaxLength(40)
  code!: string;
}

export class RequestEligibilityChangeDto {
  @ApiProperty({ enum: ELIGIBILITY_CHANGE_KINDS, description: 'roll: (re-)register the lines of `csv`; codes: `count` more codes for `unitId`' })
  @IsIn(ELIGIBILITY_CHANGE_KINDS, { message: `kind must be one of: ${ELIGIBILITY_CHANGE_KINDS.join(', ')}` })
  kind!: EligibilityChangeKind;

  @ApiPropertyOptional({ example: 'resident_id,unit_id\nR-7,north\n', description: 'kind roll: roll lines as CSV text (with the header)' })
  @ValidateIf((o: RequestEligibilityChangeDto) => o.kind === 'roll')
  @IsString()
  @Length(1, 100_000)
  csv?: string;

  @ApiPropertyOptional({ example: 'centre', description: 'kind codes: the unit' })
  @ValidateIf((o: RequestEligibilityChangeDto) => o.kind === 'codes')
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'unitId must be a unit id such as centre' })
  unitId?: string;

  @ApiPropertyOptional({ example: 20, maximum: MAX_CODES_PER_REQUEST, description: 'kind codes: how many codes' })
  @ValidateIf((o: RequestEligibilityChangeDto) => o.kind === 'codes')
  @IsInt()
  @Min(1)
  @Max(MAX_CODES_PER_REQUEST)
  count?: number;
}
