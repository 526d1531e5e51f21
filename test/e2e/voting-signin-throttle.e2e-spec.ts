import { generateCodes, openRound, openVoting } from '../support/round';
import { http, Stack } from '../support/stack';

/**
 * Voting-code sign-in is limited per client address (CODE_SIGNIN_PER_MINUTE, here 3), so codes cannot be guessed
 * at speed: the client address is the X-Forwarded-For of a trusted proxy (apps/web; TRUST_PROXY=loopback).
 */
describe('voting: code sign-in is rate limited per client address', () => {
  const stack = new Stack({ voting: { CODE_SIGNIN_PER_MINUTE: '3' } });
  beforeAll(() => stack.start());
  afterAll(() => stack.destroy());

  it('refuses the attempts over the limit with 429, Retry-After and a code; other addresses and the codes are unaffected', async () => {
    const round = await openRound(stack, {
      units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 1_000_00 }],
      proposals: [{ unitId: 'centre', cost: 100_00 }],
      eligibility: { mode: 'codes', paperPolicy: 'refuse-if-voted-online' },
      stayInReview: true,
    });
    const R = `${stack.url('voting')}/rounds/${round.roundId}`;
    // Codes are generated before voting opens (afterwards only under four eyes).
    const [code, other] = await generateCodes(stack, round.roundId, 'centre', 2);
    await openVoting(stack, round.roundId);
    const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

    // Someone guessing from one address: three wrong codes are refused as wrong…
    for (const guess of ['AAAAA-AAAAA', 'BBBBB-BBBBB', 'CCCCC-CCCCC']) {
      const wrong = await http('POST', `${R}/codes/sign-in`, { code: guess }, from('203.0.113.7'));
      expect(wrong.status).toBe(403);
      expect(wrong.body.code).toBe('invalid-code');
    }
    // …and the fourth attempt is not even looked at, a right code included, so it is not used up.
    const blocked = await fetch(`${R}/codes/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' }, body: JSON.stringify({ code }) });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ statusCode: 429, code: 'too-many-attempts', message: expect.stringMatching(/^too many sign-in attempts from this address \(3 a minute\); try again in \d+ s$/) });

    // Another address signs in with that same code, and with the other one.
    const elsewhere = await http('POST', `${R}/codes/sign-in`, { code }, from('198.51.100.20'));
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body).toMatchObject({ roundId: round.roundId, unitId: 'centre' });
    expect((await http('POST', `${R}/codes/sign-in`, { code: other }, from('198.51.100.21'))).status).toBe(200);

    // Only sign-in is limited: the blocked address still reads results and the ballot box answers as usual.
    expect((await http('GET', `${R}/results`, undefined, from('203.0.113.7'))).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await http('GET', `${R}/ballot-box`, undefined, { token: stack.token('admin'), ...from('203.0.113.7') })).status).toBe(200);
  });
});
