import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Min } from 'class-validator';

export class BallotChoicesDto {
  @ApiProperty({ type: [String], description: 'Proposal ids; for ranked ballots in order of preference, most preferred first' })
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true, message: 'each choice must be a proposal id (UUID)' })
  choices!: string[];

  @ApiPropertyOptional({ type: [Number], description: 'Cumulative ballots: points per choice, in the same order' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsInt({ each: true, message: 'each points value must be a whole number' })
  @Min(1, { each: true, message: 'each points value must be at least 1' })
  points?: number[];
}

export class CastBallotDto extends BallotChoicesDto {
  @ApiProperty({ example: 'centre', description: 'The district or category this ballot is for' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'unitId must be a unit id such as centre' })
  unitId!: string;
}

export class PaperBallotDto extends BallotChoicesDto {
  @ApiProperty({ example: 'R-000123', description: 'The voter as identified on the sheet: the roll resident id, or the voting code' })
  @IsString()
  @Length(1, 200)
  voter!: string;
}
