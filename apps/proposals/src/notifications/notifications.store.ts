import { Injectable } from '@nestjs/common';
import type { EventEnvelope, ProposalsEvent } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import type { Mail } from './notification.mail';
import type { Directory, Intent, NotificationKind, ProposalFacts } from './notification.triggers';

/** The proposal id a round follow is stored under (follow.proposal_id is part of the primary key). */
export const ROUND_ITSELF = '00000000-0000-0000-0000-000000000000';

export interface NotificationView {
  readonly notificationId: string;
  readonly kind: NotificationKind;
  readonly roundId: string;
  readonly proposalId: string | null;
  readonly data: Record<string, string | number | null>;
  readonly createdAt: string;
  readonly readAt: string | null;
}

export interface OutboxMail {
  readonly notificationId: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly attempts: number;
}

/** After this many failed attempts a mail is given up (failed_at set) and stays in the table for the operator. */
export const MAX_MAIL_ATTEMPTS = 8;

/** One statement through the given manager (the caller's transaction), its rows. */
async function runQuery<T>(m: EntityManager, sql: string, params: readonly unknown[]): Promise<{ rows: T[] }> {
  const rows: T[] = await m.query(sql, params as unknown[]);
  return { rows: Array.isArray(rows) ? rows : [] };
}

/**
 * SQL the notifications projection runs in its Kafka batch's transaction (the manager it is given): what it keeps
 * of rounds and proposals, the notifications, the queued mails.
 */
export class NotificationsWriter {
  private readonly s: string;

  constructor(schema: string) {
    this.s = quoteIdent(schema);
  }

  /** Keeps what the triggers need to know about rounds and proposals (names, authors, statuses). */
  async track(m: EntityManager, raw: EventEnvelope): Promise<void> {
    const event = raw as ProposalsEvent;
    switch (event.type) {
      case 'RoundCreated':
      case 'RoundConfigured':
        await runQuery(
          m,
          `INSERT INTO ${this.s}.notify_round (round_id, name, phase) VALUES ($1, $2, 'draft')
           ON CONFLICT (round_id) DO UPDATE SET name = EXCLUDED.name`,
          [event.roundId, event.payload.config.name],
        );
        return;
      case 'RoundPhaseChanged':
        await runQuery(m, `UPDATE ${this.s}.notify_round SET phase = $2 WHERE round_id = $1`, [event.roundId, event.payload.to]);
        return;
      case 'ProposalSubmitted': {
        // The event names the author by pseudonym only (v2; a v1 event still carries the clear id): the resident
        // behind it is in the service's own pseudonym_residents, recorded when the pseudonym was computed.
        const payload = event.payload as { authorPseudonym?: string; authorId?: string };
        await runQuery(
          m,
          `INSERT INTO ${this.s}.notify_proposal (proposal_id, round_id, author_id, title, status)
           VALUES ($1, $2, COALESCE($3, (SELECT resident_id FROM ${this.s}.pseudonym_residents WHERE round_id = $2 AND pseudonym = $5)), $4, 'submitted')
           ON CONFLICT (proposal_id) DO NOTHING`,
          [event.payload.proposalId, event.roundId, payload.authorId ?? null, event.payload.title, payload.authorPseudonym ?? null],
        );
        return;
      }
      case 'ProposalEdited':
        await runQuery(m, `UPDATE ${this.s}.notify_proposal SET title = $2 WHERE proposal_id = $1`, [event.payload.proposalId, event.payload.title]);
        return;
      case 'ProposalWithdrawn':
      case 'ProposalAccepted':
      case 'ProposalRejected':
      case 'ProposalMergedInto': {
        const status = { ProposalWithdrawn: 'withdrawn', ProposalAccepted: 'accepted', ProposalRejected: 'rejected', ProposalMergedInto: 'merged' }[event.type];
        await runQuery(m, `UPDATE ${this.s}.notify_proposal SET status = $2 WHERE proposal_id = $1`, [event.payload.proposalId, status]);
        return;
      }
      case 'ProposalReviewed':
      case 'ProposalsMerged':
        return;
      default: {
        // Events of other producers (voting) and types this context does not track.
        return;
      }
    }
  }

  directory(m: EntityManager): Directory {
    const s = this.s;
    const facts = (r: { proposal_id: string; round_id: string; author_id: string | null; title: string; status: string }): ProposalFacts => ({
      proposalId: r.proposal_id,
      roundId: r.round_id,
      authorId: r.author_id,
      title: r.title,
      status: r.status,
    });
    return {
      async proposal(proposalId) {
        const { rows } = await runQuery<Parameters<typeof facts>[0]>(m, `SELECT * FROM ${s}.notify_proposal WHERE proposal_id = $1`, [proposalId]);
        return rows[0] ? facts(rows[0]) : null;
      },
      async roundName(roundId) {
        const { rows } = await runQuery<{ name: string }>(m, `SELECT name FROM ${s}.notify_round WHERE round_id = $1`, [roundId]);
        return rows[0]?.name ?? null;
      },
      async followers(roundId, proposalId, at) {
        const { rows } = await runQuery<{ resident_id: string }>(
          m,
          `SELECT resident_id FROM ${s}.follow WHERE round_id = $1 AND proposal_id = $2 AND created_at <= $3 ORDER BY resident_id`,
          [roundId, proposalId ?? ROUND_ITSELF, at],
        );
        return rows.map((r) => r.resident_id);
      },
      async proposalsWithStatus(roundId, status) {
        const { rows } = await runQuery<Parameters<typeof facts>[0]>(
          m,
          `SELECT * FROM ${s}.notify_proposal WHERE round_id = $1 AND status = $2 ORDER BY proposal_id`,
          [roundId, status],
        );
        return rows.map(facts);
      },
      async commentAuthor(commentId) {
        const { rows } = await runQuery<{ author_id: string }>(m, `SELECT author_id FROM ${s}.comments WHERE comment_id = $1`, [commentId]);
        return rows[0]?.author_id ?? null;
      },
    };
  }

  /**
   * Writes the notifications (once per resident, event and kind) and, when `mail` is given, queues a mail for each
   * new one whose resident has an address — in the same transaction, so a crash keeps both or neither.
   */
  async notify(m: EntityManager, event: EventEnvelope, intents: readonly Intent[], mail: ((intent: Intent) => Mail) | null): Promise<number> {
    let written = 0;
    for (const intent of intents) {
      const { rows } = await runQuery<{ notification_id: string }>(
        m,
        `INSERT INTO ${this.s}.notification (notification_id, resident_id, kind, event_id, round_id, proposal_id, data, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
         ON CONFLICT ON CONSTRAINT notification_once DO NOTHING
         RETURNING notification_id`,
        [uuidv7(), intent.residentId, intent.kind, event.id, intent.roundId, intent.proposalId, JSON.stringify(intent.data), event.occurredAt],
      );
      const id = rows[0]?.notification_id;
      if (id === undefined) continue;
      written++;
      if (!mail) continue;
      const { subject, body } = mail(intent);
      await runQuery(
        m,
        `INSERT INTO ${this.s}.mail_outbox (notification_id, to_address, subject, body, created_at, next_attempt_at)
         SELECT $1, email, $3, $4, $5, $5 FROM ${this.s}.resident_email WHERE resident_id = $2`,
        [id, intent.residentId, subject, body, event.occurredAt],
      );
    }
    return written;
  }

}

/**
 * SQL of the notifications context that the API and the mail sender run: follows, notifications, addresses, the
 * mail outbox.
 */
@Injectable()
export class NotificationsStore {
  private readonly s: string;

  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  // ---- follows ----

  async follow(residentId: string, roundId: string, proposalId: string | null, now: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.s}.follow (resident_id, round_id, proposal_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [residentId, roundId, proposalId ?? ROUND_ITSELF, now],
    );
  }

  async unfollow(residentId: string, roundId: string, proposalId: string | null): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${this.s}.follow WHERE resident_id = $1 AND round_id = $2 AND proposal_id = $3`, [
      residentId,
      roundId,
      proposalId ?? ROUND_ITSELF,
    ]);
  }

  async isFollowing(residentId: string, roundId: string, proposalId: string | null): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${this.s}.follow WHERE resident_id = $1 AND round_id = $2 AND proposal_id = $3`,
      [residentId, roundId, proposalId ?? ROUND_ITSELF],
    );
    return rows.length > 0;
  }

  // ---- notifications ----

  async page(residentId: string, options: { unreadOnly: boolean; limit: number; offset: number }): Promise<{ total: number; unread: number; items: NotificationView[] }> {
    const filter = options.unreadOnly ? 'AND read_at IS NULL' : '';
    const rows: {
      notification_id: string;
      kind: NotificationKind;
      round_id: string;
      proposal_id: string | null;
      data: Record<string, string | number | null>;
      created_at: Date;
      read_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT notification_id, kind, round_id, proposal_id, data, created_at, read_at FROM ${this.s}.notification
        WHERE resident_id = $1 ${filter} ORDER BY created_at DESC, notification_id DESC LIMIT $2 OFFSET $3`,
      [residentId, options.limit, options.offset],
    );
    const [counts] = await this.dataSource.query(
      `SELECT count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread FROM ${this.s}.notification WHERE resident_id = $1`,
      [residentId],
    );
    const unread = Number(counts.unread);
    return {
      total: options.unreadOnly ? unread : Number(counts.total),
      unread,
      items: rows.map((r) => ({
        notificationId: r.notification_id,
        kind: r.kind,
        roundId: r.round_id,
        proposalId: r.proposal_id,
        data: r.data,
        createdAt: new Date(r.created_at).toISOString(),
        readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
      })),
    };
  }

  async unreadCount(residentId: string): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*) AS n FROM ${this.s}.notification WHERE resident_id = $1 AND read_at IS NULL`, [residentId]);
    return Number(row.n);
  }

  /** False when the resident has no such notification (someone else's looks the same as none). */
  async markRead(residentId: string, notificationId: string, now: Date): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE ${this.s}.notification SET read_at = coalesce(read_at, $3) WHERE resident_id = $1 AND notification_id = $2 RETURNING 1`,
      [residentId, notificationId, now],
    );
    return ((rows as unknown[][])[0] ?? []).length > 0;
  }

  async markAllRead(residentId: string, now: Date): Promise<number> {
    const [, affected]: [unknown, number] = await this.dataSource.query(
      `UPDATE ${this.s}.notification SET read_at = $2 WHERE resident_id = $1 AND read_at IS NULL`,
      [residentId, now],
    );
    return affected;
  }

  // ---- e-mail addresses ----

  async email(residentId: string): Promise<{ email: string; source: 'token' | 'resident' } | null> {
    const rows: { email: string; source: 'token' | 'resident' }[] = await this.dataSource.query(
      `SELECT email, source FROM ${this.s}.resident_email WHERE resident_id = $1`,
      [residentId],
    );
    return rows[0] ?? null;
  }

  /** The resident's own choice: replaces whatever was there, and the token's address no longer overrides it. */
  async setEmail(residentId: string, email: string, now: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.s}.resident_email (resident_id, email, source, updated_at) VALUES ($1, $2, 'resident', $3)
       ON CONFLICT (resident_id) DO UPDATE SET email = EXCLUDED.email, source = 'resident', updated_at = EXCLUDED.updated_at`,
      [residentId, email, now],
    );
  }

  async deleteEmail(residentId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${this.s}.resident_email WHERE resident_id = $1`, [residentId]);
  }

  /** The sign-in token's address: kept while the resident has not set one of their own. */
  async recordTokenEmail(residentId: string, email: string, now: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.s}.resident_email (resident_id, email, source, updated_at) VALUES ($1, $2, 'token', $3)
       ON CONFLICT (resident_id) DO UPDATE SET email = EXCLUDED.email, updated_at = EXCLUDED.updated_at
        WHERE ${this.s}.resident_email.source = 'token' AND ${this.s}.resident_email.email <> EXCLUDED.email`,
      [residentId, email, now],
    );
  }

  // ---- mail outbox ----

  /**
   * Takes the oldest due mail (row-locked, so two instances never send the same one), lets `send` deliver it and
   * records the outcome in the same transaction. Returns false when none was due.
   */
  async sendNext(now: Date, send: (mail: OutboxMail) => Promise<void>): Promise<{ sent: boolean; error?: string } | false> {
    return this.dataSource.transaction(async (m) => {
      const { rows } = await runQuery<{ notification_id: string; to_address: string; subject: string; body: string; attempts: number }>(
        m,
        `SELECT notification_id, to_address, subject, body, attempts FROM ${this.s}.mail_outbox
          WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
          ORDER BY next_attempt_at, notification_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [now],
      );
      const row = rows[0];
      if (!row) return false;
      try {
        await send({ notificationId: row.notification_id, to: row.to_address, subject: row.subject, body: row.body, attempts: row.attempts });
      } catch (error) {
        const attempts = row.attempts + 1;
        const message = error instanceof Error ? error.message.slice(0, 1000) : String(error);
        // 30 s, 1 min, 2 min, … doubling; given up after MAX_MAIL_ATTEMPTS.
        const retryAt = new Date(now.getTime() + 30_000 * 2 ** (attempts - 1));
        await runQuery(
          m,
          `UPDATE ${this.s}.mail_outbox SET attempts = $2::integer, last_error = $3, next_attempt_at = $4, failed_at = CASE WHEN $2::integer >= $5::integer THEN $6::timestamptz END
            WHERE notification_id = $1`,
          [row.notification_id, attempts, message, retryAt, MAX_MAIL_ATTEMPTS, now],
        );
        return { sent: false, error: message };
      }
      await runQuery(m, `UPDATE ${this.s}.mail_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE notification_id = $1`, [
        row.notification_id,
        now,
      ]);
      return { sent: true };
    });
  }
}
