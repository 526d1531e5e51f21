import 'reflect-metadata';
import type { CommandBus } from '@nestjs/cqrs';
import { ConcurrencyError } from '@plaza/event-store';
import type { ReadModel } from '../store/queries';
import { DecideRoundCommand } from './commands/decide-round.command';
import { RoundScheduler } from './round.scheduler';

const NOW = new Date('2027-02-01T08:00:00.000Z');

function scheduler(due: string[], execute: (c: DecideRoundCommand) => Promise<unknown>, intervalMs = 0) {
  const readModel = { dueRounds: jest.fn(async () => due) } as unknown as ReadModel & { dueRounds: jest.Mock };
  const commands = { execute: jest.fn(execute) } as unknown as CommandBus & { execute: jest.Mock };
  return { readModel, commands, scheduler: new RoundScheduler(readModel, commands, () => NOW, intervalMs) };
}

describe('RoundScheduler', () => {
  it('sends AdvanceBySchedule at the clock time to every due round and counts the phase changes', async () => {
    const { readModel, commands, scheduler: s } = scheduler(['r1', 'r2'], async (c) => ({ events: c.ctx.roundId === 'r1' ? ['RoundPhaseChanged', 'RoundPhaseChanged'] : [] }));
    await expect(s.tick()).resolves.toEqual({ due: 2, changed: 2, deferred: 0 });
    expect(readModel.dueRounds).toHaveBeenCalledWith(NOW);
    const sent = commands.execute.mock.calls.map(([c]: [DecideRoundCommand]) => [c.command, c.ctx.roundId, c.ctx.now]);
    expect(sent).toEqual([
      [{ kind: 'AdvanceBySchedule' }, 'r1', NOW],
      [{ kind: 'AdvanceBySchedule' }, 'r2', NOW],
    ]);
    expect(commands.execute.mock.calls[0][0].ctx.correlationId).toMatch(/^schedule-/);
  });

  it('leaves a round another writer got to first, or that failed, for the next tick and goes on', async () => {
    const { scheduler: s } = scheduler(['r1', 'r2', 'r3'], async (c) => {
      if (c.ctx.roundId === 'r1') throw new ConcurrencyError('round-r1', 2, 3);
      if (c.ctx.roundId === 'r2') throw new Error('database went away');
      return { events: ['RoundPhaseChanged'] };
    });
    await expect(s.tick()).resolves.toEqual({ due: 3, changed: 1, deferred: 2 });
  });

  it('shares a pass in progress with overlapping calls', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { readModel, scheduler: s } = scheduler(['r1'], async () => {
      await gate;
      return { events: ['RoundPhaseChanged'] };
    });
    const [a, b] = [s.tick(), s.tick()];
    release();
    expect(await a).toBe(await b);
    expect(readModel.dueRounds).toHaveBeenCalledTimes(1);
    await s.tick();
    expect(readModel.dueRounds).toHaveBeenCalledTimes(2);
  });

  it('ticks on a timer in production and not at all with interval 0', async () => {
    jest.useFakeTimers();
    try {
      const timed = scheduler([], async () => ({ events: [] }), 5000);
      timed.scheduler.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(15_000);
      expect(timed.readModel.dueRounds).toHaveBeenCalledTimes(3);
      await timed.scheduler.onApplicationShutdown();
      await jest.advanceTimersByTimeAsync(15_000);
      expect(timed.readModel.dueRounds).toHaveBeenCalledTimes(3);

      const off = scheduler([], async () => ({ events: [] }), 0);
      off.scheduler.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(off.readModel.dueRounds).not.toHaveBeenCalled();
    } finally {
      jest.useRealTimers();
    }
  });
});
