import { expectEventually } from '@plaza/testing';
import { http, type Stack } from './stack';

export interface OpenRound {
  roundId: string;
  proposalIds: string[];
}

/** Creates a round with one district, accepts `proposals` proposals and opens voting; waits until voting knows. */
export async function openApprovalRound(stack: Stack, proposals = 3, ballot = { type: 'approval', minPicks: 1, maxPicks: 3 }): Promise<OpenRound> {
  const P = stack.url('proposals');
  const round = await http('POST', `${P}/rounds`, {
    name: 'Test round',
    currency: 'PLN',
    districts: [{ id: 'centre', name: 'Centre', budget: 1_000_000_00 }],
    ballot,
    rule: 'greedy',
  });
  if (round.status !== 201) throw new Error(`create round: ${round.status} ${JSON.stringify(round.body)}`);
  const roundId: string = round.body.roundId;
  const proposalIds: string[] = [];
  for (let i = 0; i < proposals; i++) {
    const p = await http('POST', `${P}/rounds/${roundId}/proposals`, {
      districtId: 'centre',
      title: `Proposal ${i + 1}`,
      description: '',
      estimatedCost: (i + 1) * 100_000_00,
      authorId: `author-${i}`,
    });
    proposalIds.push(p.body.proposalId);
    await http('POST', `${P}/rounds/${roundId}/proposals/${p.body.proposalId}/accept`, { cost: (i + 1) * 100_000_00, reason: 'ok' });
  }
  await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'voting' });
  await expectEventually(async () => {
    const box = await http('GET', `${stack.url('voting')}/rounds/${roundId}/ballot-box`);
    expect(box.body.phase).toBe('voting');
    expect(box.body.acceptedProposals).toHaveLength(proposals);
  });
  return { roundId, proposalIds };
}
