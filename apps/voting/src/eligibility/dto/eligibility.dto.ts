import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
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
