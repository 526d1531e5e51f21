import type { RoundConfig } from '@plaza/contracts';
import { expectEventually } from '@plaza/testing';
import { http, type Stack } from './stack';

export interface OpenRound {
  roundId: string;
  /** Accepted proposal ids in acceptance order (across units). */
  proposalIds: string[];
  /** Accepted proposals per unit, in acceptance order, with the reviewed cost. */
  accepted: { proposalId: string; unitId: string; cost: number }[];
  config: RoundConfig;
}

export interface RoundSpec {
  /** Round name (default "Test round"). */
  name?: string;
  units?: RoundConfig['units'];
  ballot?: RoundConfig['ballot'];
  outcome?: RoundConfig['outcome'];
  eligibility?: RoundConfig['eligibility'];
  schedule?: RoundConfig['schedule'];
  /** Proposals to submit and accept: unit and reviewed cost (default: `count` proposals in the first unit). */
  proposals?: { unitId: string; cost: number }[];
  /** Roll mode: residents registered before voting opens (`resident_id,unit_id[,birth_year]` CSV body lines). */
  roll?: string[];
  /** Stop before opening voting (default false). */
  stayInReview?: boolean;
  /** How long to wait for the voting service to take the round in (default 20 s; a consumer group rebalancing needs more). */
  projectionTimeoutMs?: number;
}

export const DEFAULT_UNITS: RoundConfig['units'] = [{ id: 'centre', name: 'Centre', kind: 'district', budget: 1_000_000_00 }];

/**
 * Creates a round (admin), submits proposals (residents), accepts them (staff), optionally imports a voter roll
 * (admin) and opens voting; waits until the voting service knows the round is open and every proposal accepted.
 */
export async function openRound(stack: Stack, spec: RoundSpec = {}): Promise<OpenRound> {
  const P = stack.url('proposals');
  const admin = { token: stack.token('admin') };
  const staff = { token: stack.token('staff') };
  const config: RoundConfig = {
    name: spec.name ?? 'Test round',
    currency: 'PLN',
    units: spec.units ?? DEFAULT_UNITS,
    schedule: spec.schedule ?? {},
    ballot: spec.ballot ?? { type: 'approval', minPicks: 1, maxPicks: 3 },
    outcome: spec.outcome ?? { rule: 'greedy' },
    eligibility: spec.eligibility ?? { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
  };
  const must = (what: string, res: { status: number; body: unknown }, status: number) => {
    if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const round = await http('POST', `${P}/rounds`, config, admin);
  must('create round', round, 201);
  const roundId: string = round.body.roundId;
  must('open submission', await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin), 200);
  const wanted = spec.proposals ?? [1, 2, 3].map((i) => ({ unitId: config.units[0].id, cost: i * 100_000_00 }));
  const accepted: OpenRound['accepted'] = [];
  for (const [i, w] of wanted.entries()) {
    const p = await http(
      'POST',
      `${P}/rounds/${roundId}/proposals`,
      { unitId: w.unitId, title: `Proposal ${i + 1}`, description: 'A test proposal.', estimatedCost: w.cost },
      { token: stack.token('resident', `author-${i}`) },
    );
    must('submit proposal', p, 201);
    accepted.push({ proposalId: p.body.proposalId, unitId: w.unitId, cost: w.cost });
  }
  must('start review', await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'review' }, admin), 200);
  for (const a of accepted) {
    must('accept', await http('POST', `${P}/rounds/${roundId}/proposals/${a.proposalId}/accept`, { cost: a.cost, reason: 'Feasible.' }, staff), 200);
  }
  const V = stack.url('voting');
  await expectEventually(async () => {
    const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, admin);
    expect(box.body.acceptedProposals).toHaveLength(accepted.length);
  }, { timeoutMs: spec.projectionTimeoutMs });
  if (spec.roll) {
    const csv = ['resident_id,unit_id,birth_year', ...spec.roll].join('\n');
    must('import roll', await http('POST', `${V}/rounds/${roundId}/voters/roll`, { csv }, admin), 200);
  }
  if (!spec.stayInReview) await openVoting(stack, roundId);
  return { roundId, proposalIds: accepted.map((a) => a.proposalId), accepted, config };
}

export async function openVoting(stack: Stack, roundId: string): Promise<void> {
  const admin = { token: stack.token('admin') };
  const res = await http('POST', `${stack.url('proposals')}/rounds/${roundId}/phase`, { to: 'voting' }, admin);
  if (res.status !== 200) throw new Error(`open voting: ${res.status} ${JSON.stringify(res.body)}`);
  await votingKnows(stack, roundId, 'voting');
}

/** The voting service follows the proposals service over Kafka: waits until it has the round (in `phase`, when given). */
export async function votingKnows(stack: Stack, roundId: string, phase?: string): Promise<void> {
  await expectEventually(
    async () => {
      const box = await http('GET', `${stack.url('voting')}/rounds/${roundId}/ballot-box`, undefined, { token: stack.token('admin') });
      expect(box.status).toBe(200);
      if (phase) expect(box.body.phase).toBe(phase);
    },
    { timeoutMs: 30_000 },
  );
}

/** Generates `count` voting codes for a unit (admin) and returns them in the CSV's order. */
export async function generateCodes(stack: Stack, roundId: string, unitId: string, count: number): Promise<string[]> {
  const res = await fetch(`${stack.url('voting')}/rounds/${roundId}/codes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.token('admin')}` },
    body: JSON.stringify({ unitId, count }),
  });
  if (res.status !== 201) throw new Error(`generate codes: ${res.status} ${await res.text()}`);
  return (await res.text())
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]!);
}

/** Closes voting (admin) and waits until the voting service has declared the results. */
export async function closeVoting(stack: Stack, roundId: string): Promise<any> {
  const admin = { token: stack.token('admin') };
  const res = await http('POST', `${stack.url('proposals')}/rounds/${roundId}/phase`, { to: 'closed' }, admin);
  if (res.status !== 200) throw new Error(`close voting: ${res.status} ${JSON.stringify(res.body)}`);
  return expectEventually(async () => {
    const results = await http('GET', `${stack.url('voting')}/rounds/${roundId}/results`);
    expect(results.status).toBe(200);
    return results.body;
  });
}

/**
 * The slice's helper: one district, `proposals` accepted proposals, voting open, and residents `resident-1` …
 * `resident-<voters>` on the roll.
 */
export async function openApprovalRound(
  stack: Stack,
  proposals = 3,
  ballot: RoundConfig['ballot'] = { type: 'approval', minPicks: 1, maxPicks: 3 },
  voters = 20,
): Promise<OpenRound> {
  return openRound(stack, {
    ballot,
    proposals: Array.from({ length: proposals }, (_, i) => ({ unitId: 'centre', cost: (i + 1) * 100_000_00 })),
    roll: Array.from({ length: voters }, (_, i) => `resident-${i + 1},centre,`),
  });
}

/** A resident's token (subject = the identity the roll knows). */
export function residentToken(stack: Stack, residentId: string): string {
  return stack.token('resident', residentId);
}
