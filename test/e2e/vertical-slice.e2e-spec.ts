import { canonicalBytes, leafHash } from '@plaza/ledger';
import { expectEventually } from '@plaza/testing';
import { http, Stack } from '../support/stack';

describe('vertical slice: round → proposal → accept → voting → ballot → ledger', () => {
  const stack = new Stack();

  beforeAll(async () => {
    await stack.start();
  });

  afterAll(async () => {
    await stack.destroy();
  });

  it('carries every event through all three services and the ledger, in causal order', async () => {
    const P = stack.url('proposals');
    const V = stack.url('voting');
    const A = stack.url('audit');

    const round = await http('POST', `${P}/rounds`, {
      name: 'Green Budget 2027',
      currency: 'PLN',
      districts: [{ id: 'centre', name: 'Centre', budget: 100_000_00 }],
      ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
      rule: 'greedy',
    });
    expect(round.status).toBe(201);
    const roundId: string = round.body.roundId;

    const proposal = await http('POST', `${P}/rounds/${roundId}/proposals`, {
      districtId: 'centre',
      title: 'Trees on Market Street',
      description: 'Forty new trees.',
      estimatedCost: 50_000_00,
      authorId: 'resident-1',
    });
    expect(proposal.status).toBe(201);
    const proposalId: string = proposal.body.proposalId;

    const accepted = await http('POST', `${P}/rounds/${roundId}/proposals/${proposalId}/accept`, { cost: 48_000_00, reason: 'Feasible.' });
    expect(accepted.status).toBe(200);

    const opened = await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'voting' });
    expect(opened.status).toBe(200);

    // The voting service learns all of this from Kafka only; until then a ballot is refused.
    await expectEventually(async () => {
      const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`);
      expect(box.body).toMatchObject({ phase: 'voting', acceptedProposals: [{ proposalId, cost: 48_000_00 }] });
    });

    const ballot = await http('POST', `${V}/rounds/${roundId}/ballots`, { residentId: 'resident-2', districtId: 'centre', approvals: [proposalId] });
    expect(ballot.status).toBe(201);
    expect(ballot.body).toMatchObject({ roundId, ballotVersion: 1 });

    const ledger = await expectEventually(async () => {
      const page = await http('GET', `${A}/ledger?roundId=${roundId}`);
      expect(page.body.entries).toHaveLength(5);
      return page.body;
    });
    expect(ledger.entries.map((e: { type: string }) => e.type)).toEqual([
      'RoundCreated',
      'ProposalSubmitted',
      'ProposalAccepted',
      'RoundPhaseChanged',
      'BallotCast',
    ]);
    for (const entry of ledger.entries) {
      const event = JSON.parse(entry.canonical);
      expect(canonicalBytes(event).toString('utf8')).toBe(entry.canonical);
      expect(leafHash(Buffer.from(entry.canonical, 'utf8')).toString('hex')).toBe(entry.leafHash);
      expect(event.roundId).toBe(roundId);
    }
    // Indexes are contiguous from the first entry on.
    const indexes = ledger.entries.map((e: { index: number }) => e.index);
    expect(indexes).toEqual(indexes.map((_: number, i: number) => indexes[0] + i));
    // The receipt the resident got names the very leaf the ledger holds.
    const last = ledger.entries[4];
    expect(last.eventId).toBe(ballot.body.eventId);
    expect(last.leafHash).toBe(ballot.body.leafHash);
    const byEvent = await http('GET', `${A}/ledger/events/${ballot.body.eventId}`);
    expect(byEvent.body.index).toBe(last.index);
  });
});
