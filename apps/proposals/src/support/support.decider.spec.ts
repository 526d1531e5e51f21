import { Refusal, type Phase, type RoundConfig, type RoundEvent } from '@plaza/contracts';
import { decideProposal, type ProposalState } from '../proposals/proposal.decider';
import { declareSupportSelection, decideRound, evolveRound, phaseMoveProblem, roundStream, withSelection, type RoundState } from '../rounds/round.decider';
import { ctxAt, decided, ROUND_ID, sampleConfig, stored } from '../testing/given-when-then';
import { decideSupport, evolveSupport, supportsLeft, type SupportCommand, type SupporterState } from './support.decider';

const stream = roundStream(ROUND_ID);
const withSupport = (perResident = 2): RoundConfig =>
  sampleConfig({ support: { supportsPerResident: perResident, threshold: { kind: 'top', perUnit: 1 } } });

function roundIn(phase: Phase, config: RoundConfig = withSupport()): RoundState {
  const order: Phase[] = ['draft', 'submission', 'support', 'review'];
  const events: RoundEvent[] = [stored('RoundCreated', { config, phase: 'draft' }, stream, 1)];
  for (let i = 1; i <= order.indexOf(phase); i++) events.push(stored('RoundPhaseChanged', { from: order[i - 1]!, to: order[i]!, trigger: 'admin' }, stream, i + 1));
  return events.reduce<RoundState | null>((s, e) => evolveRound(s, e), null)!;
}

const P1 = '01900000-0000-7000-8000-0000000000a1';
const P2 = '01900000-0000-7000-8000-0000000000a2';
const P3 = '01900000-0000-7000-8000-0000000000a3';
const SUPPORTER = 'ab'.repeat(32);

const proposal = (proposalId: string, status: ProposalState['status'] = 'submitted'): ProposalState => ({
  proposalId,
  roundId: ROUND_ID,
  unitId: 'north',
  title: 't',
  description: '',
  estimatedCost: 100,
  location: null,
  authorPseudonym: 'a'.repeat(64),
  status,
  reviews: [],
  cost: null,
  decisionReason: null,
  decidedBy: null,
  mergedInto: null,
  mergedFrom: [],
  submittedAt: '2027-01-10T09:00:00.000Z',
  updatedAt: '2027-01-10T09:00:00.000Z',
  version: 1,
});

const support = (proposalId: string): SupportCommand => ({ kind: 'SupportProposal', proposalId, supporter: SUPPORTER });
const held = (...ids: string[]): SupporterState => ({ proposals: ids });

function refusal(fn: () => unknown): Refusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof Refusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('support decider', () => {
  it('a support carries the round pseudonym and the unit, never an identity', () => {
    expect(decided(decideSupport(support(P1), null, roundIn('support'), proposal(P1), ctxAt()))).toEqual([
      { type: 'ProposalSupported', payload: { proposalId: P1, unitId: 'north', supporter: SUPPORTER } },
    ]);
  });

  it('refuses supporting twice, more than allowed, outside the phase, in a round without the phase, and closed proposals', () => {
    const round = roundIn('support');
    expect(refusal(() => decideSupport(support(P1), held(P1), round, proposal(P1), ctxAt())).code).toBe('already-supported');
    expect(refusal(() => decideSupport(support(P3), held(P1, P2), round, proposal(P3), ctxAt())).code).toBe('no-supports-left');
    expect(refusal(() => decideSupport(support(P1), null, roundIn('submission'), proposal(P1), ctxAt())).code).toBe('phase');
    expect(refusal(() => decideSupport(support(P1), null, roundIn('review', sampleConfig()), proposal(P1), ctxAt())).code).toBe('no-support-phase');
    expect(refusal(() => decideSupport(support(P1), null, round, proposal(P1, 'withdrawn'), ctxAt())).code).toBe('proposal-withdrawn');
  });

  it('a withdrawal frees a support for another proposal; withdrawing one not held is refused', () => {
    const round = roundIn('support');
    const events = decideSupport({ kind: 'WithdrawSupport', proposalId: P1, supporter: SUPPORTER }, held(P1, P2), round, proposal(P1), ctxAt());
    const after = evolveSupport(held(P1, P2), { ...events[0]!, streamId: 's', streamVersion: 3 } as never);
    expect(after).toEqual(held(P2));
    expect(supportsLeft(round, after)).toBe(1);
    expect(refusal(() => decideSupport({ kind: 'WithdrawSupport', proposalId: P3, supporter: SUPPORTER }, after, round, proposal(P3), ctxAt())).code).toBe('not-supported');
  });
});

describe('the support phase in the round', () => {
  it('a round with a support phase cannot skip it; one without cannot enter it', () => {
    expect(phaseMoveProblem('submission', 'review', withSupport())).toMatch(/move it to support first/);
    expect(phaseMoveProblem('submission', 'voting', withSupport())).toMatch(/move it to support first/);
    expect(phaseMoveProblem('submission', 'support', withSupport())).toBeNull();
    expect(phaseMoveProblem('support', 'review', withSupport())).toBeNull();
    expect(phaseMoveProblem('submission', 'support', sampleConfig())).toMatch(/no support phase/);
    expect(phaseMoveProblem('submission', 'review', sampleConfig())).toBeNull();
  });

  it('the schedule opens the support phase at supportOpensAt', () => {
    const config = withSupport();
    const state = roundIn('submission', { ...config, schedule: { supportOpensAt: '2027-02-01T00:00:00Z', reviewStartsAt: '2027-03-01T00:00:00Z' } });
    expect(decided(decideRound({ kind: 'AdvanceBySchedule' }, state, ctxAt('2027-02-02T00:00:00Z')))).toEqual([
      { type: 'RoundPhaseChanged', payload: { from: 'submission', to: 'support', trigger: 'schedule' } },
    ]);
  });

  it('declares the selection right after the phase change that ends the phase', () => {
    const state = roundIn('support');
    const events = decideRound({ kind: 'ChangePhase', to: 'review' }, state, ctxAt());
    const selection = declareSupportSelection(
      state,
      [
        { proposalId: P1, unitId: 'north', supports: 2 },
        { proposalId: P2, unitId: 'north', supports: 5 },
        { proposalId: P3, unitId: 'south', supports: 0 },
      ],
      4,
      ctxAt(),
    );
    expect(decided(withSelection(events, selection))).toEqual([
      { type: 'RoundPhaseChanged', payload: { from: 'support', to: 'review', trigger: 'admin' } },
      {
        type: 'SupportSelectionDeclared',
        payload: {
          threshold: { kind: 'top', perUnit: 1 },
          proposals: [
            { proposalId: P2, unitId: 'north', supports: 5, selected: true },
            { proposalId: P1, unitId: 'north', supports: 2, selected: false },
            { proposalId: P3, unitId: 'south', supports: 0, selected: false },
          ],
          selected: [P2],
          supporters: 4,
        },
      },
    ]);
  });

  it('only selected proposals can be reviewed or accepted, and only once the selection is declared', () => {
    const review = roundIn('review');
    const accept = { kind: 'AcceptProposal', reviewerId: 'staff', cost: 100, reason: 'ok' } as const;
    expect(refusal(() => decideProposal(accept, proposal(P1), review, ctxAt())).code).toBe('selection-pending');
    const selected = evolveRound(review, stored('SupportSelectionDeclared', { threshold: { kind: 'top', perUnit: 1 }, proposals: [], selected: [P2], supporters: 1 }, stream, 5))!;
    expect(selected.supportSelected).toEqual([P2]);
    expect(refusal(() => decideProposal(accept, proposal(P1), selected, ctxAt())).code).toBe('not-selected');
    expect(decided(decideProposal(accept, proposal(P2), selected, ctxAt()))[0]!.type).toBe('ProposalAccepted');
    expect(refusal(() => decideProposal(accept, proposal(P2), roundIn('submission'), ctxAt())).code).toBe('phase');
  });

  it('validates the support settings field by field', () => {
    const bad = sampleConfig({ support: { supportsPerResident: 3, threshold: { kind: 'top', minSupports: 4 } } });
    const r = refusal(() => decideRound({ kind: 'CreateRound', config: bad }, null, ctxAt()));
    expect(r.code).toBe('invalid-config');
    expect(r.field).toBe('support.threshold.perUnit');
    expect(r.message).toMatch(/minSupports applies to the count threshold only/);
  });
});
