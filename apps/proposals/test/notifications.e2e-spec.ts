import { expectEventually } from '@plaza/testing';
import { sql } from '../../../test/support/db';
import { startSmtpServer } from './smtp';
import { ProposalsStack, roundConfig } from './support';

jest.setTimeout(90_000);

const FROM = 'Plaza <plaza@city.example>';

/** Residents, staff and an administrator walking a round from submission to voting; returns the ids. */
async function walkRound(stack: ProposalsStack, people: { alice: string; bob: string; carol: string }) {
  const admin = stack.api('admin');
  const staff = stack.api({ role: 'staff', sub: 'staff-1' });
  const roundId: string = (await admin.post('/rounds', roundConfig())).body.roundId;
  expect((await admin.post(`/rounds/${roundId}/phase`, { to: 'submission' })).status).toBe(200);
  // Each step a second later: a follow reaches only events after it.
  stack.clock.advance(1000);
  const alice = stack.api({ token: people.alice });
  const bob = stack.api({ token: people.bob });
  const carol = stack.api({ token: people.carol });
  const submitted = await alice.post(`/rounds/${roundId}/proposals`, { unitId: 'north', title: 'Benches on Elm St', description: 'Ten benches', estimatedCost: 500_000 });
  expect(submitted.status).toBe(201);
  const proposalId: string = submitted.body.proposalId;

  expect((await bob.post(`/rounds/${roundId}/proposals/${proposalId}/follow`)).body).toEqual({ following: true });
  expect((await bob.post(`/rounds/${roundId}/follow`)).body).toEqual({ following: true });
  expect((await carol.post(`/rounds/${roundId}/follow`)).body).toEqual({ following: true });
  expect((await bob.get(`/rounds/${roundId}/proposals/${proposalId}/follow`)).body).toEqual({ following: true });
  stack.clock.advance(1000);

  expect((await staff.post(`/rounds/${roundId}/proposals/${proposalId}/reviews`, { feasibilityNotes: 'Feasible', costEstimate: 450_000 })).status).toBe(200);
  expect((await admin.post(`/rounds/${roundId}/phase`, { to: 'review' })).status).toBe(200);
  expect((await staff.post(`/rounds/${roundId}/proposals/${proposalId}/accept`, { cost: 450_000, reason: 'Good value' })).status).toBe(200);
  expect((await admin.post(`/rounds/${roundId}/phase`, { to: 'voting' })).status).toBe(200);
  return { roundId, proposalId, alice, bob, carol };
}

async function devToken(stack: ProposalsStack, sub: string, email?: string): Promise<string> {
  const res = await stack.api().post('/auth/dev/token', { sub, roles: ['resident'], ...(email ? { email } : {}) });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

const kinds = (body: { items: { kind: string; data: { role?: string } }[] }) => body.items.map((i) => `${i.kind}${i.data.role ? `:${i.data.role}` : ''}`).sort();

describe('notifications with e-mail on (e2e, local SMTP server)', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let stack: ProposalsStack;
  // The first delivery attempt is refused (451): the mail stays queued and goes out once, on the retry.
  beforeAll(async () => {
    smtp = await startSmtpServer({ refuse: (attempt) => attempt === 1 });
    stack = new ProposalsStack(undefined, {
      proposals: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_FROM: FROM, MAIL_INTERVAL_MS: '50', WEB_ORIGIN: 'https://plaza.city.example' },
    });
    await stack.start('proposals');
    // A second instance on the same schema and topics: both consume and both send mail, and still each
    // notification is written and mailed once (consumer group + processed ids; the outbox row locked while sent).
    await stack.startInstance('proposals');
  });
  afterAll(async () => {
    await stack.destroy();
    await smtp.close();
  });

  it('tells the author, followers and round followers, and mails each notification exactly once', async () => {
    // alice sets her address, bob's comes from his token's email claim, carol has none.
    const aliceToken = await devToken(stack, 'alice');
    const bobToken = await devToken(stack, 'bob', 'bob@example.org');
    const carolToken = await devToken(stack, 'carol');
    const me = await stack.api({ token: aliceToken }).put('/me/email', { email: 'alice@example.org' });
    expect(me.body).toEqual({ email: 'alice@example.org', source: 'resident', mailEnabled: true });
    const { roundId, proposalId, alice, bob, carol } = await walkRound(stack, { alice: aliceToken, bob: bobToken, carol: carolToken });
    expect((await bob.get('/me/email')).body).toEqual({ email: 'bob@example.org', source: 'token', mailEnabled: true });

    const a = await expectEventually(async () => {
      const res = await alice.get('/notifications');
      expect(kinds(res.body)).toEqual(['proposal-accepted:author', 'proposal-on-ballot:author', 'proposal-reviewed:author']);
      return res.body;
    });
    expect(a.unread).toBe(3);
    const accepted = a.items.find((i: { kind: string }) => i.kind === 'proposal-accepted');
    expect(accepted).toMatchObject({ roundId, proposalId, readAt: null, data: { proposalTitle: 'Benches on Elm St', roundName: 'Green Budget 2027', reason: 'Good value', cost: 450_000 } });
    const b = await expectEventually(async () => {
      const res = await bob.get('/notifications');
      expect(kinds(res.body)).toEqual(['proposal-accepted:follower', 'proposal-reviewed:follower', 'round-phase-changed', 'round-phase-changed']);
      return res.body;
    });
    const phases = (body: { items: { kind: string; data: { to?: string } }[] }) =>
      body.items.filter((i) => i.kind === 'round-phase-changed').map((i) => i.data.to).sort();
    expect(phases(b)).toEqual(['review', 'voting']);
    const c = await expectEventually(async () => {
      const res = await carol.get('/notifications');
      expect(phases(res.body)).toEqual(['review', 'voting']);
      return res.body;
    });
    expect(c.total).toBe(2);

    // One mail per notification of alice and bob (carol has no address); the first attempt was refused and retried.
    const s = stack.schemas.proposals;
    await expectEventually(async () => {
      const [row] = await sql<{ failed: string }>(`SELECT count(*) AS failed FROM "${s}".mail_outbox WHERE last_error IS NOT NULL`);
      expect(Number(row!.failed)).toBe(1);
    });
    stack.clock.advance(60_000);
    await expectEventually(async () => {
      const [row] = await sql<{ queued: string; sent: string }>(
        `SELECT count(*) FILTER (WHERE sent_at IS NULL) AS queued, count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent FROM "${s}".mail_outbox`,
      );
      expect({ queued: Number(row!.queued), sent: Number(row!.sent) }).toEqual({ queued: 0, sent: 7 });
    });
    const ids = [...a.items, ...b.items].map((i: { notificationId: string }) => `<${i.notificationId}@city.example>`).sort();
    expect(smtp.received.map((m) => m.messageId).sort()).toEqual(ids);
    expect(smtp.received.filter((m) => m.to.includes('alice@example.org'))).toHaveLength(3);
    expect(smtp.received.filter((m) => m.to.includes('bob@example.org'))).toHaveLength(4);
    const acceptedMail = smtp.received.find((m) => m.messageId === `<${accepted.notificationId}@city.example>`)!;
    expect(acceptedMail.subject).toBe('Your proposal was accepted: Benches on Elm St');
    // The body is quoted-printable: soft line breaks (=CRLF) removed.
    expect(acceptedMail.raw.replace(/=\r?\n/g, '')).toContain(`https://plaza.city.example/rounds/${roundId}/proposals/${proposalId}`);

    // Reading: one, then all; someone else's notification is not found.
    expect((await bob.post(`/notifications/${accepted.notificationId}/read`)).status).toBe(404);
    expect((await alice.post(`/notifications/${accepted.notificationId}/read`)).body).toEqual({ marked: 1 });
    expect((await alice.get('/notifications/unread-count')).body).toEqual({ unread: 2 });
    expect((await alice.get('/notifications?unread=true')).body).toMatchObject({ total: 2, unread: 2 });
    expect((await alice.post('/notifications/read')).body).toEqual({ marked: 2 });
    expect((await alice.get('/notifications/unread-count')).body).toEqual({ unread: 0 });
    expect((await alice.get('/notifications?limit=1&offset=1')).body.items).toHaveLength(1);

    // Unfollowing stops the round's notifications.
    expect((await carol.delete(`/rounds/${roundId}/follow`)).body).toEqual({ following: false });
    expect((await carol.get(`/rounds/${roundId}/follow`)).body).toEqual({ following: false });
  });

  it('refuses bad input with field messages and unknown targets with 404, writing nothing', async () => {
    const resident = stack.api({ role: 'resident', sub: 'dave' });
    const bad = await resident.put('/me/email', { email: 'not-an-address' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('email');
    expect((await resident.put('/me/email', { email: 'a@b.c', extra: 1 })).status).toBe(400);
    expect((await resident.get('/notifications?limit=0')).status).toBe(400);
    expect((await resident.get('/notifications?unread=maybe')).status).toBe(400);
    expect((await resident.get('/me/email')).body).toEqual({ email: null, source: null, mailEnabled: true });
    const missing = '0190f5c2-0000-7000-8000-000000000000';
    expect((await resident.post(`/rounds/${missing}/follow`)).status).toBe(404);
    const roundId: string = (await stack.api('admin').post('/rounds', roundConfig())).body.roundId;
    // A draft round is not visible to residents, so it cannot be followed either.
    expect((await resident.post(`/rounds/${roundId}/follow`)).status).toBe(404);
    expect((await resident.post(`/rounds/not-a-uuid/follow`)).status).toBe(400);
    expect((await stack.api().get('/notifications')).status).toBe(401);
    const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.proposals}".follow WHERE resident_id = 'dave'`);
    expect(Number(row!.n)).toBe(0);
  });
});

describe('notifications with e-mail off (e2e, the development default)', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const stack = new ProposalsStack();
  beforeAll(async () => {
    smtp = await startSmtpServer();
    await stack.start('proposals');
  });
  afterAll(async () => {
    await stack.destroy();
    await smtp.close();
  });

  it('notifies in the app, queues no mail and sends none', async () => {
    const aliceToken = await devToken(stack, 'alice', 'alice@example.org');
    const { alice, bob } = await walkRound(stack, { alice: aliceToken, bob: await devToken(stack, 'bob', 'bob@example.org'), carol: await devToken(stack, 'carol') });
    expect((await alice.get('/me/email')).body).toEqual({ email: 'alice@example.org', source: 'token', mailEnabled: false });
    await expectEventually(async () => expect((await alice.get('/notifications/unread-count')).body).toEqual({ unread: 3 }));
    await expectEventually(async () => expect((await bob.get('/notifications/unread-count')).body).toEqual({ unread: 4 }));
    const [row] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.proposals}".mail_outbox`);
    expect(Number(row!.n)).toBe(0);
    expect(smtp.received).toHaveLength(0);
  });
});
