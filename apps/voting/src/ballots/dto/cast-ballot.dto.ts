import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsString, IsUUID, Length } from 'class-validator';

export class CastBallotDto {
  @ApiProperty({ example: 'resident-42', description: 'The voting resident (until sign-in lands, given explicitly); stored only as a pseudonym' })
  @IsString()
  @Length(1, 200)
  residentId!: string;

  @ApiProperty({ example: 'north' })
  @IsString()
  @Length(1, 40)
  districtId!: string;

  @ApiProperty({ type: [String], description: 'Ids of the approved proposals' })
  @IsArray()
  @ArrayUnique({ message: 'approvals must not name a proposal twice' })
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true, message: 'each approval must be a proposal id (UUID)' })
  approvals!: string[];
}
