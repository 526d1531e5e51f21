import type { EventEnvelope, RoundConfig } from '@plaza/contracts';
import { supportSelection, SupportReplay } from './support-selection';

const P = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const S = (n: number) => n.toString(16).padStart(64, '0');

describe('supportSelection', () => {
  const candidates = [
    { proposalId: P(1), unitId: 'north', supports: 5 },
    { proposalId: P(2), unitId: 'north', supports: 3 },
    { proposalId: P(3), unitId: 'north', supports: 3 },
    { proposalId: P(4), unitId: 'north', supports: 1 },
    { proposalId: P(5), unitId: 'south', supports: 0 },
    { proposalId: P(6), unitId: 'south', supports: 2 },
  ];

  it('count: every proposal with at least minSupports', () => {
    expect(supportSelection({ kind: 'count', minSupports: 3 }, candidates).selected).toEqual([P(1), P(2), P(3)]);
    expect(supportSelection({ kind: 'count', minSupports: 1 }, candidates).selected).toEqual([P(1), P(2), P(3), P(4), P(6)]);
  });

  it('top: the perUnit best of each unit', () => {
    expect(supportSelection({ kind: 'top', perUnit: 1 }, candidates).selected).toEqual([P(1), P(6)]);
  });

  it('top: a tie at the boundary selects every tied proposal', () => {
    // perUnit 2 in north: 5, then 3 and 3 tie for second place — both go on.
    expect(supportSelection({ kind: 'top', perUnit: 2 }, candidates).selected).toEqual([P(1), P(2), P(3), P(6)]);
    expect(supportSelection({ kind: 'top', perUnit: 3 }, candidates).selected).toEqual([P(1), P(2), P(3), P(6)]);
    expect(supportSelection({ kind: 'top', perUnit: 4 }, candidates).selected).toEqual([P(1), P(2), P(3), P(4), P(6)]);
  });

  it('top: a proposal without any support is never selected, even when its unit has room', () => {
    const r = supportSelection({ kind: 'top', perUnit: 5 }, candidates);
    expect(r.proposals.find((p) => p.proposalId === P(5))).toEqual({ proposalId: P(5), unitId: 'south', supports: 0, selected: false });
  });

  it('lists proposals by unit, most supports, then proposal id, whatever the input order', () => {
    const a = supportSelection({ kind: 'top', perUnit: 2 }, candidates);
    const b = supportSelection({ kind: 'top', perUnit: 2 }, [...candidates].reverse());
    expect(b).toEqual(a);
    expect(a.proposals.map((p) => p.proposalId)).toEqual([P(1), P(2), P(3), P(4), P(6), P(5)]);
  });
});

describe('SupportReplay', () => {
  const roundId = '0190e000-0000-7000-8000-000000000001';
  const config = {
    name: 'r',
    currency: 'PLN',
    units: [{ id: 'north', name: 'North', kind: 'district', budget: 1000 }],
    schedule: {},
    ballot: { type: 'approval' },
    outcome: { rule: 'greedy' },
    eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
    support: { supportsPerResident: 2, threshold: { kind: 'top', perUnit: 1 } },
  } as RoundConfig;
  let seq = 0;
  const ev = (type: string, payload: object): EventEnvelope =>
    ({ id: `e${++seq}`, type, roundId, payload, streamId: 's', streamVersion: seq, schemaVersion: 1, occurredAt: '2027-01-01T00:00:00Z', producer: 'proposals', correlationId: 'c', causationId: null }) as EventEnvelope;
  const phase = (from: string, to: string) => ev('RoundPhaseChanged', { from, to, trigger: 'admin' });
  const support = (n: number, proposal: number, type = 'ProposalSupported') => ev(type, { proposalId: P(proposal), unitId: 'north', supporter: S(n) });

  function replayed(events: EventEnvelope[]) {
    const r = new SupportReplay(roundId);
    events.forEach((e, i) => r.apply(e, i));
    return r;
  }
  const base = () => [
    ev('RoundCreated', { config, phase: 'draft' }),
    phase('draft', 'submission'),
    ev('ProposalSubmitted', { proposalId: P(1), unitId: 'north', title: 'a', description: '', estimatedCost: 1, authorId: 'x' }),
    ev('ProposalSubmitted', { proposalId: P(2), unitId: 'north', title: 'b', description: '', estimatedCost: 1, authorId: 'x' }),
    phase('submission', 'support'),
  ];

  it('agrees with a declaration made from the same supports', () => {
    const r = replayed([...base(), support(1, 1), support(2, 1), support(2, 2), support(2, 2, 'ProposalSupportWithdrawn'), phase('support', 'review')]);
    const declared = r.recompute();
    expect(declared.selected).toEqual([P(1)]);
    expect(declared.supporters).toBe(2);
    r.apply(ev('SupportSelectionDeclared', declared), 99);
    expect(r.comparisons[0]!.differences).toEqual([]);
    expect(r.anomalies).toEqual([]);
  });

  it('catches a tampered selection and a tampered count', () => {
    const r = replayed([...base(), support(1, 1), support(2, 1), phase('support', 'review')]);
    const honest = r.recompute();
    const tampered = {
      ...honest,
      selected: [P(2)],
      proposals: honest.proposals.map((p) => ({ ...p, selected: p.proposalId === P(2), supports: p.proposalId === P(2) ? 3 : p.supports })),
    };
    r.apply(ev('SupportSelectionDeclared', tampered), 99);
    const differences = r.comparisons[0]!.differences;
    expect(differences[0]).toBe(`selected: declared [${P(2)}], recomputed [${P(1)}]`);
    expect(differences).toContain(`proposal ${P(2)}: declared 3 supports in north (selected), recomputed 0 in north`);
  });

  it('leaves out supports the rules forbid: twice, beyond the allowance, outside the phase', () => {
    const r = replayed([
      ...base().slice(0, 4),
      support(9, 1), // still in submission
      phase('submission', 'support'),
      support(1, 1),
      support(1, 1), // twice
      support(1, 2),
      ev('ProposalSubmitted', { proposalId: P(3), unitId: 'north', title: 'c', description: '', estimatedCost: 1, authorId: 'x' }),
      support(1, 3), // beyond 2
    ]);
    expect(r.anomalies.map((a) => a.reason)).toEqual([
      `ProposalSupported while the round is in phase submission, not support`,
      `${S(1)} supports ${P(1)} a second time`,
      `${S(1)} gives a support beyond the 2 allowed`,
    ]);
    expect(r.recompute().proposals.map((p) => p.supports)).toEqual([1, 1, 0]);
  });

  it('reports a support phase that ended without a declaration', () => {
    const r = replayed([...base(), support(1, 1), phase('support', 'review')]);
    expect(r.missingDeclaration?.eventId).toBeDefined();
    expect(r.comparisons).toEqual([]);
  });
});
