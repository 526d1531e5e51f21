import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ConcurrencyError } from '@plaza/event-store';
import { CLOCK, type Clock } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { ReadModel } from '../store/queries';
import { DecideRoundCommand } from './commands/decide-round.command';

export const SCHEDULER_INTERVAL_MS = Symbol('SCHEDULER_INTERVAL_MS');

export interface TickResult {
  /** Rounds whose scheduled time had come. */
  readonly due: number;
  /** Phase changes written. */
  readonly changed: number;
  /** Rounds left for the next tick (another writer got there first, or an error was logged). */
  readonly deferred: number;
}

/**
 * Moves rounds through their schedule: every tick asks the read model which rounds have a scheduled phase
 * change at or before the clock's now, and sends each an AdvanceBySchedule command (RoundPhaseChanged with
 * trigger 'schedule'). Several instances may tick at once: optimistic concurrency lets one of them win.
 * In production a timer ticks every SCHEDULER_INTERVAL_MS; tests set it to 0 and call tick() themselves.
 */
@Injectable()
export class RoundScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RoundScheduler');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickResult> | undefined;

  constructor(
    private readonly readModel: ReadModel,
    private readonly commands: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_INTERVAL_MS) private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.logger.error(`schedule tick failed: ${(error as Error).message}`));
    }, this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over the due rounds. Overlapping calls share the pass in progress. */
  tick(): Promise<TickResult> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<TickResult> {
    const now = this.clock();
    const due = await this.readModel.dueRounds(now);
    let changed = 0;
    let deferred = 0;
    for (const roundId of due) {
      try {
        const result = await this.commands.execute(
          new DecideRoundCommand({ kind: 'AdvanceBySchedule' }, { roundId, correlationId: `schedule-${uuidv7()}`, now }),
        );
        changed += result.events.length;
      } catch (error) {
        deferred++;
        if (!(error instanceof ConcurrencyError)) this.logger.error(`round ${roundId}: scheduled phase change failed: ${(error as Error).message}`);
      }
    }
    return { due: due.length, changed, deferred };
  }
}
