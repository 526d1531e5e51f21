import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock } from '@plaza/nest-runtime';
import { createTransport, type Transporter } from 'nodemailer';
import type { ProposalsConfig } from '../config/proposals.config';
import { NotificationsStore, type OutboxMail } from './notifications.store';

export const MAIL_CONFIG = Symbol('MAIL_CONFIG');
export type MailConfig = Pick<ProposalsConfig, 'SMTP_URL' | 'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURE' | 'SMTP_USER' | 'SMTP_PASS' | 'SMTP_FROM' | 'MAIL_INTERVAL_MS'> & {
  readonly mailEnabled: boolean;
};

/** nodemailer's transport for the operator's SMTP settings (one URL, or host by host). */
export function smtpTransport(config: MailConfig): Transporter {
  if (config.SMTP_URL !== undefined) return createTransport(config.SMTP_URL);
  return createTransport({
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    ...(config.SMTP_USER !== undefined ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASS } } : {}),
  });
}

/**
 * Sends the mail outbox through SMTP, one mail per transaction: the row stays locked while the server takes the
 * mail and is marked sent in the same transaction. A crash before the server accepted leaves it queued (sent on
 * restart); the one window left — the server accepted, the commit did not happen — resends it with the same
 * Message-ID (`<notification id@…>`), which mail systems use to drop the copy.
 */
@Injectable()
export class MailSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailSender.name);
  private transport: Transporter | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    @Inject(MAIL_CONFIG) private readonly config: MailConfig,
    private readonly store: NotificationsStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.mailEnabled) return;
    this.transport = smtpTransport(this.config);
    this.timer = setInterval(() => void this.drain(), this.config.MAIL_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    this.transport?.close();
  }

  /** Sends every due mail (one pass at a time); resolves with how many were sent. */
  drain(): Promise<number> {
    if (!this.transport) return Promise.resolve(0);
    if (this.running) return this.running;
    this.running = this.#drain().finally(() => (this.running = null));
    return this.running;
  }

  async #drain(): Promise<number> {
    let sent = 0;
    for (;;) {
      let outcome: Awaited<ReturnType<NotificationsStore['sendNext']>>;
      try {
        outcome = await this.store.sendNext(this.clock(), (mail) => this.send(mail));
      } catch (error) {
        this.logger.warn(`mail outbox unavailable: ${error instanceof Error ? error.message : String(error)}`);
        return sent;
      }
      if (outcome === false) return sent;
      if (!outcome.sent) {
        this.logger.warn(`notification mail not sent (to be retried): ${outcome.error}`);
        return sent;
      }
      sent++;
    }
  }

  private async send(mail: OutboxMail): Promise<void> {
    await this.transport!.sendMail({
      from: this.config.SMTP_FROM,
      to: mail.to,
      subject: mail.subject,
      text: mail.body,
      messageId: `<${mail.notificationId}@${senderDomain(this.config.SMTP_FROM)}>`,
    });
  }
}

function senderDomain(from: string | undefined): string {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(from ?? '')?.[1] ?? 'plaza.invalid';
}
