import { sql } from '../../../test/support/db';
import { ProposalsStack, roundConfig } from './support';

jest.setTimeout(60_000);

/**
 * Staff accept proposals while an administrator opens voting. Every acceptance must either be refused or come
 * before the phase change in the order the outbox relay publishes (transaction id, position): otherwise the
 * voting service would see a proposal accepted after voting opened.
 */
describe('proposals service: review racing the opening of voting (e2e)', () => {
  const stack = new ProposalsStack();
  beforeAll(() => stack.start('proposals'));
  afterAll(() => stack.destroy());

  it('never publishes an acceptance after the phase change that locked it out', async () => {
    const admin = stack.api('admin');
    const staff = stack.api({ role: 'staff', sub: 'staff-1' });
    const roundId = (await admin.post('/rounds', roundConfig())).body.roundId;
    await admin.post(`/rounds/${roundId}/phase`, { to: 'submission' });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await stack.api({ role: 'resident', sub: `r${i}` }).post(`/rounds/${roundId}/proposals`, {
        unitId: 'north',
        title: `Proposal ${i}`,
        description: '',
        estimatedCost: 1000 + i,
      });
      ids.push(res.body.proposalId);
    }
    await admin.post(`/rounds/${roundId}/phase`, { to: 'review' });

    // Voting opens while acceptances are in flight: right after the fifth one is answered.
    let answered = 0;
    let fifthAnswered!: () => void;
    const fifth = new Promise<void>((resolve) => (fifthAnswered = resolve));
    const accepts = ids.map((id) =>
      staff.post(`/rounds/${roundId}/proposals/${id}/accept`, { cost: 1000, reason: 'ok' }).then((res) => {
        if (++answered === 5) fifthAnswered();
        return res;
      }),
    );
    await fifth;
    const opened = await admin.post(`/rounds/${roundId}/phase`, { to: 'voting' });
    const results = await Promise.all(accepts);
    expect(opened.status).toBe(200);
    const ok = results.filter((r) => r.status === 200).length;
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);

    const log = await sql<{ type: string; payload: any }>(
      `SELECT type, payload FROM "${stack.schemas.proposals}".events WHERE round_id = $1 ORDER BY transaction_id, position`,
      [roundId],
    );
    const votingAt = log.findIndex((e) => e.type === 'RoundPhaseChanged' && e.payload.to === 'voting');
    const acceptedAt = log.flatMap((e, i) => (e.type === 'ProposalAccepted' ? [i] : []));
    expect(acceptedAt).toHaveLength(ok);
    expect(acceptedAt.every((i) => i < votingAt)).toBe(true);
  });
});
