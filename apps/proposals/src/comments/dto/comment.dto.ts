import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsSingleLine, MAX_COMMENT_LENGTH } from '@plaza/contracts';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageQuery } from '../../shared/page.query';

const NOT_BLANK = /\S/;

export class PostCommentDto {
  @ApiProperty({ example: 'Would the trees need watering in summer?', maxLength: MAX_COMMENT_LENGTH })
  @IsString()
  @Length(1, MAX_COMMENT_LENGTH)
  @Matches(NOT_BLANK, { message: 'body must not be blank' })
  body!: string;

  @ApiPropertyOptional({ description: 'The comment this one answers (a comment on the same proposal, not hidden, deleted or erased)' })
  @IsOptional()
  @IsUUID()
  replyTo?: string;
}

export class EditCommentDto {
  @ApiProperty({ maxLength: MAX_COMMENT_LENGTH })
  @IsString()
  @Length(1, MAX_COMMENT_LENGTH)
  @Matches(NOT_BLANK, { message: 'body must not be blank' })
  body!: string;
}

export class HideCommentDto {
  @ApiProperty({ example: 'personal attack', description: 'Public: shown in place of the text as "hidden by moderation: <reason>"' })
  @IsString()
  @Length(1, 500)
  @IsSingleLine()
  @Matches(NOT_BLANK, { message: 'reason must not be blank' })
  reason!: string;
}

export class ListCommentsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['newest', 'oldest'], default: 'newest' })
  @IsOptional()
  @IsIn(['newest', 'oldest'])
  order?: 'newest' | 'oldest';
}

export class CommentCommandResponse {
  @ApiProperty() commentId!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ type: [String] }) events!: string[];
}

export class CommentResponse {
  @ApiProperty() commentId!: string;
  @ApiProperty() proposalId!: string;
  @ApiProperty({ nullable: true, type: String }) replyTo!: string | null;
  @ApiProperty({ description: "The author's pseudonym in this round (the one the ledger shows)" }) authorPseudonym!: string;
  @ApiProperty({ description: 'Written by a member of staff' }) staff!: boolean;
  @ApiProperty({ description: "Written by the proposal's author" }) proposalAuthor!: boolean;
  @ApiProperty({ description: 'Written by the caller' }) mine!: boolean;
  @ApiProperty({ enum: ['visible', 'hidden', 'deleted', 'erased'] }) status!: 'visible' | 'hidden' | 'deleted' | 'erased';
  @ApiProperty({ nullable: true, type: String, description: 'null when hidden, deleted or erased' }) body!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'hidden by moderation: personal attack' }) moderation!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The public reason staff gave, when hidden' }) hiddenReason!: string | null;
  @ApiProperty() postedAt!: string;
  @ApiProperty({ nullable: true, type: String }) editedAt!: string | null;
  @ApiProperty({ description: 'The author can edit until then' }) editableUntil!: string;
}

export class CommentThreadResponse extends CommentResponse {
  @ApiProperty({ type: [CommentResponse], description: 'Every answer in the thread, oldest first' }) replies!: CommentResponse[];
}

export class CommentPageResponse {
  @ApiProperty({ description: 'Threads (first comments) in all' }) total!: number;
  @ApiProperty({ type: [CommentThreadResponse] }) items!: CommentThreadResponse[];
}
