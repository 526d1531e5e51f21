import { ApiProperty } from '@nestjs/swagger';
import { PAPER_REFUSAL_REASONS, type PaperRefusalReason } from '@plaza/contracts';
import { IsIn, IsInt, Matches, Max, Min } from 'class-validator';

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

export class RefuseSheetDto {
  @ApiProperty({
    enum: PAPER_REFUSAL_REASONS,
    example: 'spoiled',
    description: 'not-eligible (not on the roll, another unit, an invalid or used code), already-voted, or spoiled (the sheet itself is invalid)',
  })
  @IsIn(PAPER_REFUSAL_REASONS, { message: `reason must be one of: ${PAPER_REFUSAL_REASONS.join(', ')}` })
  reason!: PaperRefusalReason;
}
