import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope } from '@plaza/contracts';
import { formatSignerKey, formatVerifierKey, generateLedgerKeyPair } from '@plaza/ledger';
import { expectEventually } from '@plaza/testing';
import { auditService } from '../../apps/audit/src/service';
import { AuditStack } from '../support/audit';
import { http } from '../support/stack';

const roundId = uuidv7();
const submitted = (i: number): EventEnvelope => {
  const proposalId = uuidv7();
  return {
    id: uuidv7(),
    type: 'ProposalSubmitted',
    schemaVersion: 1,
    streamId: `proposal-${proposalId}`,
    streamVersion: 1,
    roundId,
    occurredAt: new Date().toISOString(),
    producer: 'proposals',
    correlationId: `c-${i}`,
    causationId: null,
    payload: { proposalId, unitId: 'centre', title: `P${i}`, description: '', estimatedCost: 100, authorId: `a-${i}` },
  };
};

describe('audit checkpoints: cadence by entry count and a configured signing key', () => {
  const keys = generateLedgerKeyPair();
  // The timer is out of the way (an hour), so only the entry count can trigger a checkpoint.
  const stack = new AuditStack({
    LEDGER_ORIGIN: 'audit.example/plaza',
    LEDGER_SIGNING_KEY: formatSignerKey('audit.example/plaza', keys.privateKey),
    CHECKPOINT_INTERVAL_MS: '3600000',
    CHECKPOINT_MAX_ENTRIES: '10',
  });

  beforeAll(() => stack.start());
  afterAll(() => stack.destroy());

  it('signs with the configured key and serves its public half', async () => {
    const key = (await http('GET', `${stack.url}/ledger/public-key`)).body;
    expect(key.verifierKey).toBe(formatVerifierKey('audit.example/plaza', keys.publicKey));
    expect(JSON.stringify(key)).not.toMatch(/PRIVATE/);
  });

  it('signs the first checkpoint at once, then one per 10 new entries', async () => {
    await stack.publish([submitted(0)]);
    await expectEventually(async () => expect((await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body.size).toBe(1));
    await stack.publish(Array.from({ length: 9 }, (_, i) => submitted(i + 1)));
    // 9 new entries: below the count, and the timer is an hour away.
    await expectEventually(async () => expect((await http('GET', `${stack.url}/ledger?limit=1`)).body.size).toBe(10));
    await new Promise((r) => setTimeout(r, 600));
    expect((await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body.size).toBe(1);
    await stack.publish(Array.from({ length: 12 }, (_, i) => submitted(i + 10)));
    await expectEventually(async () => expect((await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body.size).toBeGreaterThanOrEqual(11));
    const all = (await http('GET', `${stack.url}/ledger/checkpoints`)).body.checkpoints as { size: number; keyId: string }[];
    expect(all[0].size).toBe(1);
    for (let i = 1; i < all.length; i++) expect(all[i].size - all[i - 1].size).toBeGreaterThanOrEqual(10);
  });

  it('refuses to start in production without a signing key', () => {
    // A production database URL (a role with a password): only the ledger key is missing.
    const env = { ...stack.env(), NODE_ENV: 'production', LEDGER_SIGNING_KEY: '', DATABASE_URL: 'postgres://plaza_audit:Zt4-long-unique@db:5432/plaza' };
    expect(() => auditService(env)).toThrow(/LEDGER_SIGNING_KEY is required/);
    expect(() => auditService({ ...env, LEDGER_SIGNING_KEY: formatSignerKey('x', keys.privateKey) })).not.toThrow();
  });
});
