import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

export class SubmitProposalDto {
  @ApiProperty({ example: 'north' })
  @IsString()
  @Length(1, 40)
  districtId!: string;

  @ApiProperty({ example: 'Trees on Market Street' })
  @IsString()
  @Length(3, 200)
  title!: string;

  @ApiProperty({ example: 'Plant 40 trees along the street.' })
  @IsString()
  @Length(0, 10_000)
  description!: string;

  @ApiProperty({ example: 5000000, description: 'Estimated cost in minor units' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  estimatedCost!: number;

  @ApiProperty({ example: 'resident-42', description: 'The proposing resident (until sign-in lands, given explicitly)' })
  @IsString()
  @Length(1, 200)
  authorId!: string;
}

export class AcceptProposalDto {
  @ApiProperty({ example: 4800000, description: 'Reviewed cost in minor units; the tally uses this' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  cost!: number;

  @ApiProperty({ example: 'Feasible; cost checked with the parks department.' })
  @IsString()
  @Length(0, 2000)
  reason!: string;
}
