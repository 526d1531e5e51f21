import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textCommitment } from '@plaza/contracts';
import { expectEventually } from '@plaza/testing';
import { run } from '../../cli/src/cli';
import { sql } from '../../../test/support/db';
import { http, type ServiceName } from '../../../test/support/stack';
import { ProposalsStack, roundConfig } from './support';

jest.setTimeout(120_000);

/** The whole stack (the audit service keeps the ledger), with a low comment rate limit to test it. */
class CommentsStack extends ProposalsStack {
  override env(name: ServiceName): Record<string, string> {
    return { ...super.env(name), ...(name === 'proposals' ? { COMMENTS_PER_MINUTE: '30' } : {}) };
  }
}

describe('proposals service: comments and moderation (e2e)', () => {
  const stack = new CommentsStack();
  const out = mkdtempSync(join(tmpdir(), 'plaza-comments-'));
  const admin = () => stack.api('admin');
  const staff = () => stack.api({ role: 'staff', sub: 'staff-sam' });
  const alice = () => stack.api({ role: 'resident', sub: 'resident-alice' });
  const bob = () => stack.api({ role: 'resident', sub: 'resident-bob' });
  const del = (sub: string, path: string) => http('DELETE', `${stack.url('proposals')}${path}`, undefined, { token: stack.token('resident', sub) });
  let roundId: string;
  let proposalId: string;
  let otherProposalId: string;
  const comments = () => `/rounds/${roundId}/proposals/${proposalId}/comments`;
  const texts = {
    question: 'Will the trees be watered in summer? Ask me at 12 Elm Street.',
    answer: 'Yes, the district waters them twice a week.',
    rude: 'Only an idiot would propose this.',
    secret: 'My phone is 555-0199, call me about the trees.',
  };
  const eventCount = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.proposals}".events`))[0]!.n);
  const thread = async (query = '') => (await stack.api().get(`${comments()}${query}`)).body;
  const cli = async (...argv: string[]) => {
    let stdout = '';
    const code = await run(argv, { out: (t) => void (stdout += t), err: () => undefined });
    return { code, stdout };
  };

  beforeAll(async () => {
    await stack.start();
    roundId = (await admin().post('/rounds', roundConfig())).body.roundId;
    expect((await admin().post(`/rounds/${roundId}/phase`, { to: 'submission' })).status).toBe(200);
    const submit = (title: string) => alice().post(`/rounds/${roundId}/proposals`, { unitId: 'north', title, description: 'Plant 40 trees.', estimatedCost: 50_000_00 });
    proposalId = (await submit('Trees on Market Street')).body.proposalId;
    otherProposalId = (await submit('Bike racks')).body.proposalId;
  });

  afterAll(async () => {
    await stack.destroy();
    rmSync(out, { recursive: true, force: true });
  });

  it('records the author of a proposal as a pseudonym (ProposalSubmitted v2), and still knows whose it is', async () => {
    const [row] = await sql<{ schema_version: number; payload: Record<string, unknown> }>(
      `SELECT schema_version, payload FROM "${stack.schemas.proposals}".events WHERE stream_id = $1 AND stream_version = 1`,
      [`proposal-${proposalId}`],
    );
    expect(row!.schema_version).toBe(2);
    expect(row!.payload.authorPseudonym).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row!.payload)).not.toContain('resident-alice');
    expect((await alice().get(`/rounds/${roundId}/proposals/${proposalId}`)).body).toMatchObject({ mine: true, authorPseudonym: row!.payload.authorPseudonym });
    expect((await bob().get(`/rounds/${roundId}/proposals/${proposalId}`)).body.mine).toBe(false);
    expect((await alice().get(`/rounds/${roundId}/proposals?mine=true`)).body.total).toBe(2);
    expect((await bob().get(`/rounds/${roundId}/proposals?mine=true`)).body.total).toBe(0);
    expect((await bob().patch(`/rounds/${roundId}/proposals/${proposalId}`, { title: 'Mine now' })).status).toBe(403);
  });

  let question: string;
  let answer: string;

  it('lets residents and staff comment and answer; marks staff and the proposal author; pages threads newest or oldest first', async () => {
    const q = await alice().post(comments(), { body: texts.question });
    expect(q.status).toBe(201);
    expect(q.body).toMatchObject({ version: 1, events: ['CommentPosted'] });
    question = q.body.commentId;
    stack.clock.advance(1000);
    const a = await bob().post(comments(), { body: texts.answer, replyTo: question });
    expect(a.status).toBe(201);
    answer = a.body.commentId;
    stack.clock.advance(1000);
    const s = await staff().post(comments(), { body: 'Staff here: watering is in the estimate.' });
    expect(s.status).toBe(201);

    const newest = await thread();
    expect(newest.total).toBe(2);
    expect(newest.items.map((c: any) => c.commentId)).toEqual([s.body.commentId, question]);
    expect(newest.items[0]).toMatchObject({ staff: true, proposalAuthor: false, status: 'visible', replies: [] });
    expect(newest.items[1]).toMatchObject({ body: texts.question, proposalAuthor: true, staff: false, mine: false, moderation: null });
    expect(newest.items[1].replies).toEqual([expect.objectContaining({ commentId: answer, replyTo: question, body: texts.answer, proposalAuthor: false })]);
    const oldest = await thread('?order=oldest&limit=1');
    expect(oldest).toMatchObject({ total: 2, items: [expect.objectContaining({ commentId: question })] });
    expect((await bob().get(`${comments()}?order=oldest`)).body.items[0].replies[0].mine).toBe(true);
  });

  it('refuses bad input with the field or reason, and writes nothing', async () => {
    const before = await eventCount();
    const empty = await alice().post(comments(), { body: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors.map((e: any) => e.field)).toEqual(['body']);
    expect((await alice().post(comments(), { body: '   \n ' })).body.errors.map((e: any) => e.field)).toEqual(['body']);
    const long = await alice().post(comments(), { body: 'x'.repeat(10_001) });
    expect(long.status).toBe(400);
    expect(long.body.errors.map((e: any) => e.field)).toEqual(['body']);
    expect((await alice().post(comments(), { body: 'ok', replyTo: 'not-a-uuid' })).body.errors.map((e: any) => e.field)).toEqual(['replyTo']);
    const foreign = await alice().post(`/rounds/${roundId}/proposals/${otherProposalId}/comments`, { body: 'Wrong thread', replyTo: question });
    expect(foreign.status).toBe(409);
    expect(foreign.body).toMatchObject({ code: 'reply-foreign', field: 'replyTo' });
    expect((await alice().post(comments(), { body: 'To nobody', replyTo: '01900000-0000-7000-8000-0000000000ff' })).body.code).toBe('reply-foreign');
    expect((await stack.api().post(comments(), { body: 'anonymous' })).status).toBe(401);
    expect((await alice().post(`/rounds/${roundId}/proposals/01900000-0000-7000-8000-0000000000ff/comments`, { body: 'x' })).status).toBe(404);
    expect(await eventCount()).toBe(before);
    const [{ n }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${stack.schemas.proposals}".comments`);
    expect(Number(n)).toBe(3);
  });

  it('lets authors edit within 15 minutes and delete their own comments, nobody else', async () => {
    const { commentId } = (await alice().post(comments(), { body: 'First draft' })).body;
    const path = `${comments()}/${commentId}`;
    expect((await bob().patch(path, { body: 'Hijacked' })).status).toBe(403);
    const edited = await alice().patch(path, { body: 'Second draft' });
    expect(edited.status).toBe(200);
    expect(edited.body.events).toEqual(['CommentEdited']);
    stack.clock.advance(16 * 60_000);
    const late = await alice().patch(path, { body: 'Third draft' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('edit-window-closed');
    expect((await del('resident-bob', path)).status).toBe(403);
    expect((await del('resident-alice', path)).body.events).toEqual(['CommentDeleted']);
    const gone = (await thread()).items.find((c: any) => c.commentId === commentId);
    expect(gone).toMatchObject({ status: 'deleted', body: null });
    const [row] = await sql(`SELECT body, salt FROM "${stack.schemas.proposals}".comments WHERE comment_id = $1`, [commentId]);
    expect(row).toEqual({ body: null, salt: null });
  });

  let rude: string;

  it('takes reports, shows staff a queue, hides with a public reason and records who decided', async () => {
    rude = (await bob().post(comments(), { body: texts.rude })).body.commentId;
    const report = await alice().post(`${comments()}/${rude}/reports`, { reason: 'insults the proposer' });
    expect(report.status).toBe(201);
    expect((await alice().post(`${comments()}/${rude}/reports`, { reason: 'again' })).body.code).toBe('already-reported');
    expect((await alice().post(`${comments()}/${rude}/reports`, { reason: '' })).body.errors.map((e: any) => e.field)).toEqual(['reason']);
    const proposalReport = await bob().post(`/rounds/${roundId}/proposals/${otherProposalId}/reports`, { reason: 'duplicate of another' });
    expect(proposalReport.status).toBe(201);

    expect((await alice().get('/moderation/reports')).status).toBe(403);
    const queue = (await staff().get(`/moderation/reports?roundId=${roundId}`)).body;
    expect(queue.total).toBe(2);
    expect(queue.items[0]).toMatchObject({ target: 'comment', reason: 'insults the proposer', comment: { commentId: rude, body: texts.rude }, status: 'open' });
    expect(queue.items[1]).toMatchObject({ target: 'proposal', proposalId: otherProposalId, proposalTitle: 'Bike racks', comment: null });

    expect((await alice().post(`${comments()}/${rude}/hide`, { reason: 'x' })).status).toBe(403);
    expect((await staff().post(`${comments()}/${rude}/hide`, { reason: '' })).body.errors.map((e: any) => e.field)).toEqual(['reason']);
    const hidden = await staff().post(`${comments()}/${rude}/hide`, { reason: 'personal attack' });
    expect(hidden.status).toBe(200);
    expect(hidden.body.events).toEqual(['CommentHidden']);
    const shown = (await thread()).items.find((c: any) => c.commentId === rude);
    expect(shown).toMatchObject({ status: 'hidden', body: null, moderation: 'hidden by moderation: personal attack' });
    expect(JSON.stringify(await thread())).not.toContain(texts.rude);

    const dismissed = await staff().post(`/moderation/reports/${queue.items[1].reportId}/dismiss`);
    expect(dismissed.body).toMatchObject({ status: 'dismissed', events: ['ReportDismissed'] });
    expect((await staff().post(`/moderation/reports/${queue.items[1].reportId}/dismiss`)).body.code).toBe('report-dismissed');
    expect((await staff().get(`/moderation/reports?roundId=${roundId}`)).body.total).toBe(0);
    const decided = (await staff().get(`/moderation/reports?roundId=${roundId}&status=actioned`)).body.items;
    expect(decided).toEqual([expect.objectContaining({ reportId: report.body.reportId, decidedBy: 'staff-sam' })]);

    const events = await sql<{ type: string; payload: any }>(
      `SELECT type, payload FROM "${stack.schemas.proposals}".events WHERE type IN ('CommentHidden', 'ReportDismissed') ORDER BY position`,
    );
    expect(events).toEqual([
      { type: 'CommentHidden', payload: expect.objectContaining({ commentId: rude, reason: 'personal attack', decidedBy: 'staff-sam', reports: [report.body.reportId] }) },
      { type: 'ReportDismissed', payload: expect.objectContaining({ decidedBy: 'staff-sam' }) },
    ]);
  });

  it('refuses answers to a hidden comment, and nothing is written', async () => {
    const before = await eventCount();
    const res = await alice().post(comments(), { body: 'Answering the hidden one', replyTo: rude });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'reply-to-removed', field: 'replyTo' });
    expect(await eventCount()).toBe(before);
  });

  it('turns comments off per round', async () => {
    expect((await admin().patch(`/rounds/${roundId}`, { comments: { enabled: false } })).status).toBe(200);
    const off = await bob().post(comments(), { body: 'Still here?' });
    expect(off.status).toBe(409);
    expect(off.body.code).toBe('comments-off');
    expect((await admin().patch(`/rounds/${roundId}`, { comments: { enabled: true } })).status).toBe(200);
  });

  let secret: string;

  it('keeps comment text and resident identities out of the ledger: commitments and pseudonyms only', async () => {
    secret = (await bob().post(comments(), { body: texts.secret, replyTo: question })).body.commentId;
    const [row] = await sql<{ salt: string; author_pseudonym: string }>(`SELECT salt, author_pseudonym FROM "${stack.schemas.proposals}".comments WHERE comment_id = $1`, [secret]);
    const A = stack.url('audit');
    const entries = async () => ((await http('GET', `${A}/ledger?roundId=${roundId}&limit=1000`)).body.entries as { canonical: string }[]).map((e) => ({ event: JSON.parse(e.canonical) }));
    let ledger: { event: any }[] = [];
    await expectEventually(async () => {
      ledger = await entries();
      expect(ledger.some((e) => e.event.payload.commentId === secret)).toBe(true);
    }, { timeoutMs: 30_000 });
    const posted = ledger.find((e) => e.event.type === 'CommentPosted' && e.event.payload.commentId === secret)!.event;
    expect(posted.payload).toEqual({
      commentId: secret,
      proposalId,
      replyTo: question,
      authorPseudonym: row!.author_pseudonym,
      commitment: textCommitment({ salt: row!.salt, text: texts.secret }),
      staff: false,
    });
    const whole = JSON.stringify(ledger);
    for (const text of [...Object.values(texts), 'First draft', 'Second draft', 'insults the proposer', 'duplicate of another']) expect(whole).not.toContain(text);
    for (const sub of ['resident-alice', 'resident-bob']) expect(whole).not.toContain(sub);
  });

  it('erases on request: the text is gone from every answer, and the exported bundle still verifies', async () => {
    expect((await alice().post(`${comments()}/${secret}/erase`)).status).toBe(403);
    const erased = await bob().post(`${comments()}/${secret}/erase`);
    expect(erased.body.events).toEqual(['CommentErased']);
    expect((await bob().post(`${comments()}/${secret}/erase`)).body.code).toBe('comment-erased');
    // Staff can erase too (e.g. the hidden comment, on its author's request by mail).
    expect((await staff().post(`${comments()}/${rude}/erase`)).body.events).toEqual(['CommentErased']);
    const [row] = await sql(`SELECT body, salt FROM "${stack.schemas.proposals}".comments WHERE comment_id = $1`, [secret]);
    expect(row).toEqual({ body: null, salt: null });

    const A = stack.url('audit');
    await expectEventually(async () => {
      const ledger = (await http('GET', `${A}/ledger?roundId=${roundId}&limit=1000`)).body.entries as { type: string }[];
      expect(ledger.filter((e) => e.type === 'CommentErased')).toHaveLength(2);
      const [cp, page] = [(await http('GET', `${A}/ledger/checkpoints/latest`)).body, (await http('GET', `${A}/ledger?limit=1`)).body];
      expect(cp.size).toBe(page.size);
    }, { timeoutMs: 30_000 });

    const answers = [
      JSON.stringify(await thread()),
      JSON.stringify(await thread('?order=oldest')),
      JSON.stringify((await staff().get('/moderation/reports?status=actioned')).body),
      JSON.stringify((await http('GET', `${A}/ledger?roundId=${roundId}&limit=1000`)).body),
    ];
    const dir = join(out, 'bundle');
    expect((await cli('audit', 'export', roundId, '--out', dir, '--url', A)).code).toBe(0);
    for (const name of readdirSync(dir)) answers.push(readFileSync(join(dir, name), 'utf8'));
    for (const answer of answers) {
      expect(answer).not.toContain(texts.secret);
      expect(answer).not.toContain(texts.rude);
    }
    expect((await thread()).items.find((c: any) => c.commentId === question).replies.find((c: any) => c.commentId === secret)).toMatchObject({ status: 'erased', body: null });

    const key = (await http('GET', `${A}/ledger/public-key`)).body.verifierKey;
    const verified = await cli('verify', dir, '--json', '--key', key);
    expect(JSON.parse(verified.stdout).failures).toEqual([]);
    expect(verified.code).toBe(0);
  });

  it('limits comments and reports per resident', async () => {
    const carol = stack.api({ role: 'resident', sub: 'resident-carol' });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await carol.post(comments(), { body: `note ${i}` })).status);
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true);
    expect(statuses[30]).toBe(429);
    // Another resident has a quota of their own.
    expect((await stack.api({ role: 'resident', sub: 'resident-dan' }).post(comments(), { body: 'mine' })).status).toBe(201);
  });
});
