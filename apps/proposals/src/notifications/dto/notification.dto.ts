import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsOptional, MaxLength } from 'class-validator';
import { PageQuery } from '../../shared/page.query';
import { NOTIFICATION_KINDS, type NotificationKind } from '../notification.triggers';

export class NotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'true: only unread notifications' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;
}

export class NotificationResponse {
  @ApiProperty() notificationId!: string;
  @ApiProperty({ enum: NOTIFICATION_KINDS }) kind!: NotificationKind;
  @ApiProperty() roundId!: string;
  @ApiProperty({ nullable: true, type: String }) proposalId!: string | null;
  @ApiProperty({ description: 'What the text shows: proposalTitle, roundName, role (author|follower), reason, from, to, …' })
  data!: Record<string, string | number | null>;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) readAt!: string | null;
}

export class NotificationPageResponse {
  @ApiProperty() total!: number;
  @ApiProperty() unread!: number;
  @ApiProperty({ type: [NotificationResponse] }) items!: NotificationResponse[];
}

export class UnreadCountResponse {
  @ApiProperty() unread!: number;
}

export class MarkedResponse {
  @ApiProperty({ description: 'How many notifications were marked read' }) marked!: number;
}

export class FollowResponse {
  @ApiProperty() following!: boolean;
}

export class SetEmailDto {
  @ApiProperty({ example: 'resident@example.org' })
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email!: string;
}

export class EmailResponse {
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, enum: ['token', 'resident'], description: 'token: from the sign-in token; resident: set with PUT /me/email' })
  source!: 'token' | 'resident' | null;
  @ApiProperty({ description: 'Whether this Plaza sends notification mail at all (the operator configured SMTP)' })
  mailEnabled!: boolean;
}
