import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Matches, Max, Min } from 'class-validator';

export class OpenBatchDto {
  @ApiProperty({ example: 'centre' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'unitId must be a unit id such as centre' })
  unitId!: string;

  @ApiProperty({ example: 120, description: 'Sheets counted by hand before entry' })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  sheetsCounted!: number;
}
