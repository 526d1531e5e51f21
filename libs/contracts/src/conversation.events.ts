import { IsArray, ArrayMaxSize, IsBoolean, IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import type { EventEnvelope } from './envelope';
import { IsCanonicalUuid } from './ids';
import type { Phase } from './round-config';
import { HEX64 } from './pseudonym';

/** Comments can be written while residents can still shape what goes on the ballot, and while they vote. */
export const COMMENT_PHASES: readonly Phase[] = ['submission', 'review', 'voting'];
/** The longest comment body, in characters (the API and the web form check the same number). */
export const MAX_COMMENT_LENGTH = 10_000;

// Comments on proposals and their moderation (proposals service). Rule: resident free text never goes into the
// ledger in the clear. A comment's body and a report's reason travel as a salted commitment (textCommitment); the
// text and the salt stay in the proposals service, where moderation hides and erasure deletes them. Residents
// appear as their per-round proposals pseudonym. Staff decisions name the staff member (accountability) and carry
// the reason they typed in the clear: it is shown to everyone, by design.

const STAFF_ID_LENGTH = [1, 200] as const;

export class CommentPostedPayload {
  @IsCanonicalUuid()
  readonly commentId!: string;

  @IsCanonicalUuid()
  readonly proposalId!: string;

  /** The comment this one answers (same proposal), or null for a new thread. */
  @ValidateIf((_, v) => v !== null)
  @IsCanonicalUuid()
  readonly replyTo!: string | null;

  /** The author's per-round pseudonym (HMAC-SHA256 under the proposals service's round secret). */
  @Matches(HEX64)
  readonly authorPseudonym!: string;

  /** sha256 of canonical {domain: "plaza.text/1", salt, text}: the body itself is never in the event. */
  @Matches(HEX64)
  readonly commitment!: string;

  /** Written with the staff role (shown as such). */
  @IsBoolean()
  readonly staff!: boolean;
}

/** A new text (within the edit window): a new commitment; the earlier text and salt are deleted. */
export class CommentEditedPayload {
  @IsCanonicalUuid()
  readonly commentId!: string;

  @IsCanonicalUuid()
  readonly proposalId!: string;

  @Matches(HEX64)
  readonly commitment!: string;
}

/** The author took the comment out of the thread; its text and salt are deleted. */
export class CommentDeletedPayload {
  @IsCanonicalUuid()
  readonly commentId!: string;

  @IsCanonicalUuid()
  readonly proposalId!: string;
}

/** Staff hid the comment; the reason is public. The open reports on it are settled by this decision. */
export class CommentHiddenPayload {
  @IsCanonicalUuid()
  readonly commentId!: string;

  @IsCanonicalUuid()
  readonly proposalId!: string;

  /** Public: shown in place of the text as "hidden by moderation: <reason>". */
  @IsString()
  @Length(1, 500)
  readonly reason!: string;

  /** The staff member who decided (token subject). */
  @IsString()
  @Length(...STAFF_ID_LENGTH)
  readonly decidedBy!: string;

  @IsArray()
  @ArrayMaxSize(1000)
  @IsCanonicalUuid({ each: true })
  readonly reports!: string[];
}

/** An erasure request carried out: the text and salt are gone for good; the commitment stays in the ledger. */
export class CommentErasedPayload {
  @IsCanonicalUuid()
  readonly commentId!: string;

  @IsCanonicalUuid()
  readonly proposalId!: string;

  @IsIn(['author', 'staff'])
  readonly requestedBy!: 'author' | 'staff';

  /** The staff member, when staff erased it; absent when the author asked (the author is the comment's pseudonym). */
  @IsOptional()
  @IsString()
  @Length(...STAFF_ID_LENGTH)
  readonly decidedBy?: string;
}

/** A resident reported a comment (commentId set) or a proposal (commentId absent). */
export class ReportFiledPayload {
  @IsCanonicalUuid()
  readonly reportId!: string;

  @IsCanonicalUuid()
  readonly proposalId!: string;

  @IsOptional()
  @IsCanonicalUuid()
  readonly commentId?: string;

  @Matches(HEX64)
  readonly reporterPseudonym!: string;

  /** Commitment to the reason the resident typed (resident free text). */
  @Matches(HEX64)
  readonly reasonCommitment!: string;
}

/** Staff looked at the report and left the comment or proposal as it is. */
export class ReportDismissedPayload {
  @IsCanonicalUuid()
  readonly reportId!: string;

  @IsString()
  @Length(...STAFF_ID_LENGTH)
  readonly decidedBy!: string;
}

export type CommentPosted = EventEnvelope<'CommentPosted', CommentPostedPayload>;
export type CommentEdited = EventEnvelope<'CommentEdited', CommentEditedPayload>;
export type CommentDeleted = EventEnvelope<'CommentDeleted', CommentDeletedPayload>;
export type CommentHidden = EventEnvelope<'CommentHidden', CommentHiddenPayload>;
export type CommentErased = EventEnvelope<'CommentErased', CommentErasedPayload>;
export type ReportFiled = EventEnvelope<'ReportFiled', ReportFiledPayload>;
export type ReportDismissed = EventEnvelope<'ReportDismissed', ReportDismissedPayload>;

export type CommentEvent = CommentPosted | CommentEdited | CommentDeleted | CommentHidden | CommentErased;
export type ReportEvent = ReportFiled | ReportDismissed;
export type ConversationEvent = CommentEvent | ReportEvent;
