import { v7 as uuidv7 } from 'uuid';
import { topicFor, type EventEnvelope } from '@plaza/contracts';
import { KafkaJsPublisher } from '@plaza/kafka';
import { expectEventually, TEST_KAFKA_BROKERS } from '@plaza/testing';
import { BundleService } from '../../apps/audit/src/bundle/bundle.service';
import { AuditStack } from '../support/audit';
import { sql } from '../support/db';
import { http } from '../support/stack';

/**
 * Issue #13 items 5 and 7 on the audit service alone: an envelope whose `producer` is not the owner of the topic
 * it came on is parked with the reason; a round's bundle asked for by 50 readers at once is built once.
 */
const roundId = uuidv7();
const submitted = (i: number, producer: 'proposals' | 'voting' = 'proposals'): EventEnvelope => {
  const proposalId = uuidv7();
  return {
    id: uuidv7(),
    type: 'ProposalSubmitted',
    schemaVersion: 1,
    streamId: `proposal-${proposalId}`,
    streamVersion: 1,
    roundId,
    occurredAt: new Date().toISOString(),
    producer,
    correlationId: `c-${i}`,
    causationId: null,
    payload: { proposalId, unitId: 'centre', title: `P${i}`, description: '', estimatedCost: 100, authorId: `a-${i}` },
  } as EventEnvelope;
};

describe('audit under public load and forged producers', () => {
  const stack = new AuditStack({ CHECKPOINT_INTERVAL_MS: '200' });
  const publisher = new KafkaJsPublisher({ brokers: TEST_KAFKA_BROKERS, clientId: 'plaza-forger-test' });

  beforeAll(() => stack.start());
  afterAll(async () => {
    await publisher.disconnect();
    await stack.destroy();
  });

  it('parks an envelope whose producer does not own the topic, with the reason, and applies the genuine ones', async () => {
    const genuine = [submitted(0), submitted(1), submitted(2)];
    await stack.publish(genuine);
    // A ProposalSubmitted claiming to come from proposals, written on the voting topic (a voting principal forging).
    const forged = submitted(3);
    await publisher.send(topicFor('voting', stack.prefix), [{ key: roundId, value: JSON.stringify(forged), headers: { 'event-id': forged.id } }]);
    // And one on the proposals topic that claims to be voting's.
    const claimed = submitted(4, 'voting');
    await publisher.send(topicFor('proposals', stack.prefix), [{ key: roundId, value: JSON.stringify(claimed), headers: { 'event-id': claimed.id } }]);

    await expectEventually(async () => {
      const parked = await sql<{ event_id: string; reason: string }>(`SELECT event_id, reason FROM ${stack.schema}.dead_letters ORDER BY reason`);
      expect(parked).toHaveLength(2);
      expect(parked.find((p) => p.event_id === forged.id)?.reason).toBe(
        `producer "proposals" does not match topic ${topicFor('voting', stack.prefix)}, which only voting writes`,
      );
      // The contracts already tie each event type to its producer: that check names it first.
      expect(parked.find((p) => p.event_id === claimed.id)?.reason).toBe('ProposalSubmitted is produced by proposals, not voting');
    });
    await expectEventually(async () => expect((await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body.size).toBe(3));
    const inLedger = await sql<{ event_id: string }>(`SELECT event_id FROM ${stack.schema}.ledger_entries ORDER BY index`);
    expect(inLedger.map((e) => e.event_id)).toEqual(genuine.map((e) => e.id));
  });

  it('builds a bundle asked for by 50 readers at once only once, and every reader gets the same bytes', async () => {
    const bundles = stack.app.get(BundleService);
    const size = (await http('GET', `${stack.url}/ledger/checkpoints/latest`)).body.size as number;
    const before = bundles.builds;
    const manifests = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(`${stack.url}/rounds/${roundId}/bundle${i % 2 ? '' : `/ledger.jsonl`}?size=${size}`).then(async (r) => ({ status: r.status, text: await r.text(), i })),
      ),
    );
    expect(bundles.builds - before).toBe(1);
    for (const m of manifests) expect(m.status).toBe(200);
    const distinct = (odd: number) => new Set(manifests.filter((m) => m.i % 2 === odd).map((m) => m.text));
    expect(distinct(1).size).toBe(1);
    expect(distinct(0).size).toBe(1);
    const manifest = JSON.parse([...distinct(1)][0]);
    expect(manifest.roundEntries).toBe(3);
    expect([...distinct(0)][0].trim().split('\n')).toHaveLength(3);
    // Later readers of the same checkpoint are served from the cache.
    expect((await http('GET', `${stack.url}/rounds/${roundId}/bundle?size=${size}`)).status).toBe(200);
    expect(bundles.builds - before).toBe(1);
  });
});
