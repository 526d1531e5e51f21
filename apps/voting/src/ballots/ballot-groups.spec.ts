import { BallotGroups, type GroupMember, type GroupOutcome } from './ballot-groups';

const member = (roundId: string, sub: string): GroupMember => ({
  roundId,
  caller: { sub, roles: ['resident'] },
  dto: { unitId: 'centre', choices: [] },
  ctx: { correlationId: sub, now: new Date(0) },
});

describe('BallotGroups (group commit queue)', () => {
  it('hands concurrent ballots of a round to one commit and gives each its own outcome', async () => {
    const groups = new BallotGroups<string>({ windowMs: 5, maxSize: 100, concurrency: 1 });
    const calls: string[][] = [];
    groups.bind(async (_roundId, members) => {
      calls.push(members.map((m) => m.caller.sub));
      return members.map((m): GroupOutcome<string> => (m.caller.sub === 'bad' ? { ok: false, error: new Error('refused') } : { ok: true, receipt: `receipt-${m.caller.sub}` }));
    });
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((s) => groups.submit(member('r1', s))));
    expect(calls).toEqual([['a', 'bad', 'c']]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['receipt-a', 'refused', 'receipt-c']);
  });

  it('never mixes rounds in a group, and caps the group size', async () => {
    const groups = new BallotGroups<string>({ windowMs: 5, maxSize: 2, concurrency: 1 });
    const calls: [string, number][] = [];
    groups.bind(async (roundId, members) => {
      calls.push([roundId, members.length]);
      return members.map(() => ({ ok: true, receipt: roundId }));
    });
    const subs = ['r1', 'r2', 'r1', 'r1', 'r2'];
    const receipts = await Promise.all(subs.map((r, i) => groups.submit(member(r, `v${i}`))));
    expect(receipts).toEqual(subs);
    for (const [, n] of calls) expect(n).toBeLessThanOrEqual(2);
    expect(calls.filter(([r]) => r === 'r1').reduce((n, [, k]) => n + k, 0)).toBe(3);
    expect(calls.filter(([r]) => r === 'r2').reduce((n, [, k]) => n + k, 0)).toBe(2);
  });

  it('writes at most `concurrency` groups at once; those who wait meanwhile go in the next group', async () => {
    const groups = new BallotGroups<number>({ windowMs: 0, maxSize: 100, concurrency: 1 });
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    groups.bind(async (_r, members) => {
      running++;
      most = Math.max(most, running);
      sizes.push(members.length);
      if (sizes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      running--;
      return members.map(() => ({ ok: true, receipt: 1 }));
    });
    const first = groups.submit(member('r', 'a'));
    const later = [groups.submit(member('r', 'b')), groups.submit(member('r', 'c'))];
    expect(groups.pending).toBe(3);
    release();
    await Promise.all([first, ...later]);
    expect(most).toBe(1);
    expect(sizes).toEqual([1, 2]);
    await groups.drain();
    expect(groups.pending).toBe(0);
  });

  it('a commit that throws fails every member of that group, and later groups still run', async () => {
    const groups = new BallotGroups<string>({ windowMs: 0, maxSize: 100, concurrency: 1 });
    let n = 0;
    groups.bind(async (_r, members) => {
      if (n++ === 0) throw new Error('database gone');
      return members.map(() => ({ ok: true, receipt: 'ok' }));
    });
    await expect(groups.submit(member('r', 'a'))).rejects.toThrow('database gone');
    await expect(groups.submit(member('r', 'b'))).resolves.toBe('ok');
  });
});
