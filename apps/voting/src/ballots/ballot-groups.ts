import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { outsideClaim, type ClaimScope } from '@plaza/event-store';
import type { Caller } from '@plaza/nest-runtime';
import type { CastBallotDto } from './dto/cast-ballot.dto';

export const BALLOT_GROUPS = Symbol('BALLOT_GROUPS');

/** One online ballot waiting for its group. */
export interface GroupMember {
  readonly roundId: string;
  readonly caller: Caller;
  readonly dto: CastBallotDto;
  readonly ctx: { readonly correlationId: string; readonly now: Date; readonly causationId?: string | null };
  /** The request's Idempotency-Key claim, recorded in the group's transaction with this ballot. */
  readonly claim?: ClaimScope;
}

/** Each member's own answer: its receipt, or the error it alone gets (the HTTP error already mapped). */
export type GroupOutcome<R = unknown> = { readonly ok: true; readonly receipt: R } | { readonly ok: false; readonly error: unknown };

/** Writes one group of one round in one transaction; one outcome per member, in order. */
export type CommitGroup<R> = (roundId: string, members: readonly GroupMember[]) => Promise<GroupOutcome<R>[]>;

export interface GroupSettings {
  /** How long the first ballot of a group waits for others when no group is being written (ms; 0: none). */
  readonly windowMs: number;
  /** Most ballots in one group (one transaction). 1 writes every ballot in its own transaction. */
  readonly maxSize: number;
  /** Groups written at the same time (each holds one database connection). */
  readonly concurrency: number;
}

export const DEFAULT_GROUP_SETTINGS: GroupSettings = { windowMs: 2, maxSize: 256, concurrency: 4 };

interface Waiting<R> {
  readonly member: GroupMember;
  readonly resolve: (receipt: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for ballots. Concurrent casts wait (at most `windowMs` when the database is idle, else until a
 * group slot is free) and are handed to `commit` together, per round, so PostgreSQL does one transaction and
 * one WAL flush for many ballots instead of one each. Nothing is answered before its group committed: a crash
 * or a lost database before the commit leaves every member of the group without an answer (and unstored),
 * after it every member's receipt stands. Members never share an outcome unless the transaction as a whole failed.
 */
export class BallotGroups<R = unknown> implements OnApplicationShutdown {
  private readonly log = new Logger('BallotGroups');
  private commit: CommitGroup<R> | undefined;
  /** Waiting ballots per round, rounds in the order they first waited (fair between rounds). */
  private readonly waiting = new Map<string, Waiting<R>[]>();
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];

  constructor(readonly settings: GroupSettings = DEFAULT_GROUP_SETTINGS) {
    if (!(settings.maxSize >= 1 && settings.concurrency >= 1 && settings.windowMs >= 0)) throw new RangeError('group settings out of range');
  }

  /** The service that writes a group (BallotsService binds itself; a cycle through the constructor otherwise). */
  bind(commit: CommitGroup<R>): void {
    this.commit = commit;
  }

  submit(member: GroupMember): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let queue = this.waiting.get(member.roundId);
      if (!queue) this.waiting.set(member.roundId, (queue = []));
      queue.push({ member, resolve, reject });
      if (this.inFlight >= this.settings.concurrency) return; // a finishing group takes it
      if (queue.length >= this.settings.maxSize || this.settings.windowMs === 0) this.flush();
      else this.timer ??= outsideClaim(() => setTimeout(() => this.flush(), this.settings.windowMs));
    });
  }

  /** Ballots waiting or being written (for tests and shutdown). */
  get pending(): number {
    let n = this.inFlight;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  /** Resolves once nothing waits and no group is being written. */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async onApplicationShutdown(): Promise<void> {
    this.flush();
    await this.drain();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight < this.settings.concurrency && this.waiting.size > 0) {
      const [roundId, queue] = this.waiting.entries().next().value as [string, Waiting<R>[]];
      const group = queue.splice(0, this.settings.maxSize);
      // Re-queued at the end when more wait, so one busy round does not starve another.
      this.waiting.delete(roundId);
      if (queue.length > 0) this.waiting.set(roundId, queue);
      // Outside the claim of whichever request happened to start the flush: each member carries its own.
      void outsideClaim(() => this.run(roundId, group));
    }
  }

  private async run(roundId: string, group: Waiting<R>[]): Promise<void> {
    this.inFlight++;
    try {
      if (!this.commit) throw new Error('BallotGroups: no commit function bound');
      const outcomes = await this.commit(
        roundId,
        group.map((w) => w.member),
      );
      group.forEach((w, i) => {
        const o = outcomes[i];
        if (o === undefined) w.reject(new Error('BallotGroups: the commit gave no outcome for a member'));
        else if (o.ok) w.resolve(o.receipt);
        else w.reject(o.error);
      });
    } catch (error) {
      // The commit function maps its own errors; anything reaching here failed the whole group before or at commit.
      this.log.error(`a group of ${group.length} ballots failed: ${(error as Error).message}`);
      for (const w of group) w.reject(error);
    } finally {
      this.inFlight--;
      // Whoever waited during this group has waited long enough: write them now.
      if (this.waiting.size > 0) this.flush();
      else if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
