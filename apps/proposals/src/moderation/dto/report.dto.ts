import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageQuery } from '../../shared/page.query';
import { REPORT_STATUSES, type ReportStatus } from '../report.decider';

export class FileReportDto {
  @ApiProperty({ example: 'insults another resident', description: 'Seen by staff only; the ledger holds a salted commitment to it' })
  @IsString()
  @Length(1, 2000)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason!: string;
}

export class ReportQueueQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only the reports of this round' })
  @IsOptional()
  @IsUUID()
  roundId?: string;

  @ApiPropertyOptional({ enum: REPORT_STATUSES, default: 'open' })
  @IsOptional()
  @IsIn(REPORT_STATUSES)
  status?: ReportStatus;
}

export class ReportCommandResponse {
  @ApiProperty() reportId!: string;
  @ApiProperty({ enum: REPORT_STATUSES }) status!: ReportStatus;
  @ApiProperty({ type: [String] }) events!: string[];
}

export class ReportedComment {
  @ApiProperty() commentId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The text as staff see it (null once deleted or erased)' }) body!: string | null;
  @ApiProperty({ nullable: true, type: String }) hiddenReason!: string | null;
  @ApiProperty() deleted!: boolean;
  @ApiProperty() erased!: boolean;
}

export class ReportQueueItem {
  @ApiProperty() reportId!: string;
  @ApiProperty() roundId!: string;
  @ApiProperty() proposalId!: string;
  @ApiProperty() proposalTitle!: string;
  @ApiProperty({ enum: ['comment', 'proposal'] }) target!: 'comment' | 'proposal';
  @ApiProperty({ type: ReportedComment, nullable: true }) comment!: ReportedComment | null;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty() reporterPseudonym!: string;
  @ApiProperty({ enum: REPORT_STATUSES }) status!: ReportStatus;
  @ApiProperty({ nullable: true, type: String }) decidedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) decidedAt!: string | null;
  @ApiProperty() filedAt!: string;
}

export class ReportQueueResponse {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [ReportQueueItem] }) items!: ReportQueueItem[];
}
