import { canonicalBytes, leafHash } from '@plaza/ledger';
import { expectEventually } from '@plaza/testing';
import { http, Stack } from '../support/stack';

describe('vertical slice: round → proposal → accept → roll → voting → ballot → close → results → ledger', () => {
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
    const admin = { token: stack.token('admin') };
    const staff = { token: stack.token('staff') };
    const ledgerSize = async (roundId: string, size: number) =>
      expectEventually(async () => {
        const page = await http('GET', `${A}/ledger?roundId=${roundId}&limit=100`);
        expect(page.body.entries).toHaveLength(size);
        return page.body;
      });

    const round = await http(
      'POST',
      `${P}/rounds`,
      {
        name: 'Green Budget 2027',
        currency: 'PLN',
        units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 100_000_00 }],
        schedule: {},
        ballot: { type: 'approval', minPicks: 1, maxPicks: 3 },
        outcome: { rule: 'greedy' },
        eligibility: { mode: 'roll', paperPolicy: 'refuse-if-voted-online' },
      },
      admin,
    );
    expect(round.status).toBe(201);
    const roundId: string = round.body.roundId;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'submission' }, admin)).status).toBe(200);

    const proposal = await http(
      'POST',
      `${P}/rounds/${roundId}/proposals`,
      { unitId: 'centre', title: 'Trees on Market Street', description: 'Forty new trees.', estimatedCost: 50_000_00 },
      { token: stack.token('resident', 'resident-1') },
    );
    expect(proposal.status).toBe(201);
    const proposalId: string = proposal.body.proposalId;
    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'review' }, admin)).status).toBe(200);
    const accepted = await http('POST', `${P}/rounds/${roundId}/proposals/${proposalId}/accept`, { cost: 48_000_00, reason: 'Feasible.' }, staff);
    expect(accepted.status).toBe(200);

    // The voting service learns all of this from Kafka only.
    await expectEventually(async () => {
      const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, admin);
      expect(box.body).toMatchObject({ phase: 'review', acceptedProposals: [{ proposalId, cost: 48_000_00 }] });
    });
    await ledgerSize(roundId, 5);
    const roll = await http('POST', `${V}/rounds/${roundId}/voters/roll`, { csv: 'resident_id,unit_id\nresident-2,centre\n' }, admin);
    expect(roll.status).toBe(200);
    // Registrations before the opening stay unpublished: they become public together when voting opens.
    expect((await http('GET', `${A}/ledger?roundId=${roundId}&limit=100`)).body.entries).toHaveLength(5);

    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'voting' }, admin)).status).toBe(200);
    await expectEventually(async () => {
      const box = await http('GET', `${V}/rounds/${roundId}/ballot-box`, undefined, admin);
      expect(box.body.phase).toBe('voting');
    });
    await ledgerSize(roundId, 7);
    const ballot = await http('POST', `${V}/rounds/${roundId}/ballots`, { unitId: 'centre', choices: [proposalId] }, { token: stack.token('resident', 'resident-2') });
    expect(ballot.status).toBe(201);
    expect(ballot.body).toMatchObject({ roundId, ballotVersion: 1 });
    await ledgerSize(roundId, 8);

    expect((await http('POST', `${P}/rounds/${roundId}/phase`, { to: 'closed' }, admin)).status).toBe(200);
    const results = await expectEventually(async () => {
      const res = await http('GET', `${V}/rounds/${roundId}/results`);
      expect(res.status).toBe(200);
      return res.body;
    });
    expect(results.units[0]).toMatchObject({ unitId: 'centre', selected: [proposalId], spent: 48_000_00, budget: 100_000_00, ballotsCounted: 1 });

    const ledger = await ledgerSize(roundId, 13);
    expect(ledger.entries.map((e: { type: string }) => e.type)).toEqual([
      'RoundCreated',
      'RoundPhaseChanged',
      'ProposalSubmitted',
      'RoundPhaseChanged',
      'ProposalAccepted',
      'RoundPhaseChanged',
      'VotersRegistered',
      'BallotCast',
      'RoundPhaseChanged',
      'VotingClosed',
      'BallotsOpened',
      'ResultsDeclared',
      'ParticipationDeclared',
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
    const cast = ledger.entries[7];
    expect(cast.eventId).toBe(ballot.body.eventId);
    expect(cast.leafHash).toBe(ballot.body.leafHash);
    const byEvent = await http('GET', `${A}/ledger/events/${ballot.body.eventId}`);
    expect(byEvent.body.index).toBe(cast.index);
    // The declaration in the ledger is the one the results API serves.
    expect(ledger.entries[11].eventId).toBe(results.units[0].declaredEventId);
  });
});
