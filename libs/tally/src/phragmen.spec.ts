import { rat, tally } from '.';
import { approvals, instance } from '../test/helpers';

describe('sequential Phragmén', () => {
  it('buys the project whose supporters can pay first, and drops one that no longer fits', () => {
    // v1, v2 approve A (42) and C (60); v3 approves B (30) and C. Budget 100.
    const inst = instance(100, [['A', 42], ['B', 30], ['C', 60]]);
    const profile = approvals('approval', [2, ['A', 'C']], [1, ['B', 'C']]);
    const r = tally(inst, profile, 'phragmen');
    // C at t = 60/3 = 20 (loads 20, 20, 20). A at (42 + 40)/2 = 41 but 60 + 42 > 100: dropped. B at (30 + 20)/1 = 50.
    expect(r.selected).toEqual(['C', 'B']);
    expect(r.explanation.rounds?.map((x) => x.rho)).toEqual([rat(20n), rat(50n)]);
    expect(r.explanation.projects.find((p) => p.id === 'A')?.reason).toEqual({ kind: 'did-not-fit', left: 40n });
    expect(r.spent).toBe(90n);
  });

  it('breaks equal times by more support', () => {
    const inst = instance(100, [['A', 40], ['C', 60]]);
    const profile = approvals('approval', [2, ['A', 'C']], [1, ['C']]);
    // A: 40/2 = 20, C: 60/3 = 20.
    const r = tally(inst, profile, 'phragmen');
    expect(r.selected[0]).toBe('C');
    expect(r.explanation.ties[0].projects).toEqual(['C', 'A']);
    expect(tally(inst, profile, 'phragmen', { reportTies: true }).status).toBe('tie');
  });
});
