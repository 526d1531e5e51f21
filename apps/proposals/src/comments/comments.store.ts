import { Injectable } from '@nestjs/common';
import type { NewEvent } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import { commentStream, type CommentState } from './comment.decider';

interface CommentRow {
  comment_id: string;
  round_id: string;
  proposal_id: string;
  reply_to: string | null;
  root_id: string;
  author_id: string;
  author_pseudonym: string;
  staff: boolean;
  proposal_author: boolean;
  body: string | null;
  salt: string | null;
  deleted: boolean;
  hidden_reason: string | null;
  hidden_by: string | null;
  erased: boolean;
  posted_at: Date;
  edited_at: Date | null;
  version: number;
}

const toState = (r: CommentRow): CommentState => ({
  commentId: r.comment_id,
  roundId: r.round_id,
  proposalId: r.proposal_id,
  replyTo: r.reply_to,
  rootId: r.root_id,
  authorId: r.author_id,
  authorPseudonym: r.author_pseudonym,
  staff: r.staff,
  proposalAuthor: r.proposal_author,
  body: r.body,
  salt: r.salt,
  deleted: r.deleted,
  hiddenReason: r.hidden_reason,
  hiddenBy: r.hidden_by,
  erased: r.erased,
  postedAt: r.posted_at.toISOString(),
  editedAt: r.edited_at?.toISOString() ?? null,
  version: r.version,
});

export interface Thread {
  readonly root: CommentState;
  readonly replies: CommentState[];
}

/** Who wrote a comment, for the service's own use (e.g. telling the author of a comment about a reply): never public. */
export interface CommentAuthor {
  readonly commentId: string;
  readonly roundId: string;
  readonly proposalId: string;
  readonly replyTo: string | null;
  readonly residentId: string;
  readonly pseudonym: string;
}

/**
 * The comments table: the text, its salt and the author's identity, which the events only commit to. A decision's
 * events and the row they change commit in one transaction; the row's version is the comment stream's version,
 * so the append's optimistic check also guards the row.
 */
@Injectable()
export class CommentsStore {
  private readonly s: string;

  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    @InjectSchema() schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  async comment(commentId: string): Promise<CommentState | null> {
    const rows: CommentRow[] = await this.dataSource.query(`SELECT * FROM ${this.s}.comments WHERE comment_id = $1`, [commentId]);
    return rows[0] ? toState(rows[0]) : null;
  }

  /** The resident and pseudonym behind a comment (internal: for notifications such as "a reply to my comment"). */
  async commentAuthor(commentId: string): Promise<CommentAuthor | null> {
    const c = await this.comment(commentId);
    return c && { commentId, roundId: c.roundId, proposalId: c.proposalId, replyTo: c.replyTo, residentId: c.authorId, pseudonym: c.authorPseudonym };
  }

  /** Appends a comment's events and writes its row; a hide also settles the reports it names. */
  async save(expectedVersion: number, state: CommentState, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.dataSource.transaction(async (m) => {
      await this.store.appendInTransaction(m, commentStream(state.commentId), expectedVersion, events);
      await m.query(
        `INSERT INTO ${this.s}.comments (comment_id, round_id, proposal_id, reply_to, root_id, author_id, author_pseudonym, staff, proposal_author,
           body, salt, deleted, hidden_reason, hidden_by, erased, posted_at, edited_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (comment_id) DO UPDATE SET body = EXCLUDED.body, salt = EXCLUDED.salt, deleted = EXCLUDED.deleted,
           hidden_reason = EXCLUDED.hidden_reason, hidden_by = EXCLUDED.hidden_by, erased = EXCLUDED.erased,
           edited_at = EXCLUDED.edited_at, version = EXCLUDED.version`,
        [
          state.commentId, state.roundId, state.proposalId, state.replyTo, state.rootId, state.authorId, state.authorPseudonym, state.staff,
          state.proposalAuthor, state.body, state.salt, state.deleted, state.hiddenReason, state.hiddenBy, state.erased, state.postedAt,
          state.editedAt, state.version,
        ],
      );
      for (const event of events) {
        if (event.type !== 'CommentHidden') continue;
        const p = event.payload as { reports: string[]; decidedBy: string };
        await m.query(
          `UPDATE ${this.s}.reports SET status = 'actioned', decided_by = $2, decided_at = $3
            WHERE report_id = ANY($1::uuid[]) AND status = 'open'`,
          [p.reports, p.decidedBy, event.occurredAt],
        );
      }
    });
  }

  /** A page of threads of a proposal (by their first comment, newest or oldest first), each with all its replies oldest first. */
  async threads(proposalId: string, page: { order: 'newest' | 'oldest'; limit: number; offset: number }): Promise<{ total: number; threads: Thread[] }> {
    const direction = page.order === 'newest' ? 'DESC' : 'ASC';
    const roots: (CommentRow & { total: string })[] = await this.dataSource.query(
      `SELECT *, count(*) OVER () AS total FROM ${this.s}.comments WHERE proposal_id = $1 AND reply_to IS NULL
        ORDER BY posted_at ${direction}, comment_id ${direction} LIMIT $2 OFFSET $3`,
      [proposalId, page.limit, page.offset],
    );
    const total = roots.length
      ? Number(roots[0]!.total)
      : Number(((await this.dataSource.query(`SELECT count(*) AS n FROM ${this.s}.comments WHERE proposal_id = $1 AND reply_to IS NULL`, [proposalId])) as { n: string }[])[0]!.n);
    const replies: CommentRow[] = roots.length
      ? await this.dataSource.query(
          `SELECT * FROM ${this.s}.comments WHERE root_id = ANY($1::uuid[]) AND reply_to IS NOT NULL ORDER BY posted_at, comment_id`,
          [roots.map((r) => r.comment_id)],
        )
      : [];
    return {
      total,
      threads: roots.map((r) => ({ root: toState(r), replies: replies.filter((x) => x.root_id === r.comment_id).map(toState) })),
    };
  }

  /** Ids of the open reports on a comment. */
  async openReports(commentId: string): Promise<string[]> {
    const rows: { report_id: string }[] = await this.dataSource.query(
      `SELECT report_id FROM ${this.s}.reports WHERE comment_id = $1 AND status = 'open' ORDER BY filed_at`,
      [commentId],
    );
    return rows.map((r) => r.report_id);
  }
}
