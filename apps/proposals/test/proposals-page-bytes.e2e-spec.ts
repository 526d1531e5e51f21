import { PUBLIC_PAGE_MAX_BYTES } from '@plaza/nest-runtime';
import { ProposalsStack, roundConfig } from './support';

jest.setTimeout(180_000);

/**
 * Issue #13 item 7: the public proposals list caps bytes as well as rows. 40 proposals with 10,000-character
 * descriptions of 3-byte characters (about 30 KB each, 1.2 MB together) do not fit one page of 200 rows: the page stops
 * near PUBLIC_PAGE_MAX_BYTES, says where the next one starts, and following `next` gives every proposal once, in order.
 */
describe('proposals list: bounded in bytes (e2e)', () => {
  const stack = new ProposalsStack();
  let roundId: string;
  const COUNT = 40;

  beforeAll(async () => {
    await stack.start('proposals');
    const admin = stack.api('admin');
    roundId = (await admin.post('/rounds', roundConfig())).body.roundId;
    expect((await admin.post(`/rounds/${roundId}/phase`, { to: 'submission' })).status).toBe(200);
    for (let i = 0; i < COUNT; i++) {
      const res = await stack.api({ role: 'resident', sub: `resident-${i}` }).post(`/rounds/${roundId}/proposals`, {
        unitId: 'north',
        title: `Proposal ${i}`,
        description: '€'.repeat(10_000),
        estimatedCost: 1_000_00,
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => stack.destroy());

  it('stops a page at its byte cap and points `next` at the first proposal left out', async () => {
    const first = await stack.api().get(`/rounds/${roundId}/proposals?limit=200`);
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(COUNT);
    expect(first.body.cut).toBe(true);
    expect(first.body.items.length).toBeGreaterThan(1);
    expect(first.body.items.length).toBeLessThan(COUNT);
    expect(first.body.next).toBe(first.body.items.length);
    expect(Buffer.byteLength(JSON.stringify(first.body.items))).toBeLessThanOrEqual(PUBLIC_PAGE_MAX_BYTES);

    const titles: string[] = [];
    for (let offset: number | null = 0, pages = 0; offset !== null; pages++) {
      expect(pages).toBeLessThan(COUNT);
      const page = await stack.api().get(`/rounds/${roundId}/proposals?limit=200&offset=${offset}`);
      titles.push(...page.body.items.map((p: { title: string }) => p.title));
      offset = page.body.next;
    }
    expect(titles).toEqual(Array.from({ length: COUNT }, (_, i) => `Proposal ${i}`));
  });

  it('a page within both caps is whole, with next null after the last', async () => {
    const small = await stack.api().get(`/rounds/${roundId}/proposals?limit=3&offset=${COUNT - 3}`);
    expect(small.body).toEqual(expect.objectContaining({ total: COUNT, next: null }));
    expect(small.body.items.map((p: { title: string }) => p.title)).toEqual([`Proposal ${COUNT - 3}`, `Proposal ${COUNT - 2}`, `Proposal ${COUNT - 1}`]);
    expect(small.body.cut).toBeUndefined();
    const middle = await stack.api().get(`/rounds/${roundId}/proposals?limit=2&offset=0`);
    expect(middle.body.next).toBe(2);
  });
});
