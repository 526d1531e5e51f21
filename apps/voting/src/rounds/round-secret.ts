import { Controller, HttpCode, Inject, Injectable, Logger, Param, ParseUUIDPipe, Post, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { newEvent, NotFound, Refusal, type EventContext } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { CLOCK, CorrelationId, CurrentCaller, InjectSchema, Roles, type Caller, type Clock } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';

export const secretStream = (roundId: string) => `secret-${roundId}`;

/** DESTROY_SECRET_AFTER_DAYS (undefined: never automatically) and how often to look (ms; 0: never). */
export const SECRET_POLICY = Symbol('SECRET_POLICY');
export interface SecretPolicy {
  readonly afterDays?: number;
  readonly sweepIntervalMs: number;
}

/**
 * Forgetting the link: destroying a round's pseudonym secret (the HMAC key that turns a resident id or a voting
 * code into a pseudonym). Afterwards nobody, the operator included, can compute which pseudonym — and so which
 * ballot — belongs to a resident; the ledger, the bundle and the count are untouched and still verify. Only
 * once the round is closed (its results declared); recorded as RoundSecretDestroyed. A copy of the secret in a
 * database backup taken earlier survives until that backup is gone: see docs/threat-model.md.
 */
@Injectable()
export class RoundSecrets implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RoundSecrets');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    @InjectSchema() private readonly schema: string,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SECRET_POLICY) private readonly policy: SecretPolicy,
  ) {}

  async destroy(roundId: string, by: { trigger: 'admin' | 'automatic'; destroyedBy: string }, ctx: Omit<EventContext, 'roundId'>) {
    return this.dataSource.transaction(async (manager) => {
      const s = quoteIdent(this.schema);
      const rows: { closed_event_id: string | null; phase: string; secret: Buffer | null; destroyed_at: Date | null }[] = await manager.query(
        `SELECT r.closed_event_id, r.phase, k.secret, k.destroyed_at FROM ${s}.rounds r LEFT JOIN ${s}.round_secrets k USING (round_id)
          WHERE r.round_id = $1 FOR UPDATE OF r`,
        [roundId],
      );
      if (rows.length === 0) throw new NotFound(`round ${roundId} is not known to the voting service`);
      const r = rows[0];
      if (r.secret === null || r.secret === undefined) throw new Refusal('link-destroyed', `the pseudonym secret of round ${roundId} is already destroyed`);
      if (r.closed_event_id === null) {
        throw new Refusal('round-not-closed', `the round is in phase ${r.phase}: its secret is needed until voting is closed and the results declared`);
      }
      const event = newEvent('RoundSecretDestroyed', { trigger: by.trigger, destroyedBy: by.destroyedBy }, { ...ctx, roundId });
      await this.store.append(secretStream(roundId), 0, [event], { manager });
      await manager.query(`UPDATE ${s}.round_secrets SET secret = NULL, destroyed_at = $2 WHERE round_id = $1`, [roundId, event.occurredAt]);
      return { roundId, destroyedAt: event.occurredAt, trigger: by.trigger, destroyedBy: by.destroyedBy, eventId: event.id };
    });
  }

  onApplicationBootstrap(): void {
    if (this.policy.afterDays === undefined || this.policy.sweepIntervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.error(`secret sweep failed: ${(error as Error).message}`));
    }, this.policy.sweepIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Destroys the secret of every round published DESTROY_SECRET_AFTER_DAYS ago or more; the number destroyed. */
  sweep(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    if (this.policy.afterDays === undefined) return 0;
    const now = this.clock();
    const due: { round_id: string }[] = await this.dataSource.query(
      `SELECT r.round_id FROM ${quoteIdent(this.schema)}.rounds r JOIN ${quoteIdent(this.schema)}.round_secrets k USING (round_id)
        WHERE k.secret IS NOT NULL AND r.closed_event_id IS NOT NULL AND r.published_at IS NOT NULL AND r.published_at <= $1`,
      [new Date(now.getTime() - this.policy.afterDays * 86_400_000)],
    );
    let destroyed = 0;
    for (const { round_id } of due) {
      try {
        await this.destroy(round_id, { trigger: 'automatic', destroyedBy: 'system' }, { correlationId: `secret-${uuidv7()}`, now });
        destroyed++;
      } catch (error) {
        if (!(error instanceof Refusal)) this.logger.error(`round ${round_id}: destroying the secret failed: ${(error as Error).message}`);
      }
    }
    return destroyed;
  }
}

@ApiTags('eligibility')
@Controller('rounds/:roundId/secret')
export class RoundSecretController {
  constructor(
    private readonly secrets: RoundSecrets,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('destroy')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: "Destroy the round's pseudonym secret (after the close): nobody can link a resident to a ballot any more; the round still verifies",
    description: 'Recorded as RoundSecretDestroyed. Afterwards GET …/ballots/mine answers 410 link-destroyed. DESTROY_SECRET_AFTER_DAYS does it automatically.',
  })
  destroy(@Param('roundId', new ParseUUIDPipe()) roundId: string, @CurrentCaller() caller: Caller, @CorrelationId() correlationId: string) {
    return this.secrets.destroy(roundId, { trigger: 'admin', destroyedBy: caller.sub }, { correlationId, now: this.clock() });
  }
}
