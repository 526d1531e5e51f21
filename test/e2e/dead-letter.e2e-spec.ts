import { EVENT_REGISTRY } from '@plaza/contracts';
import { KafkaJsPublisher } from '@plaza/kafka';
import { expectEventually, TEST_KAFKA_BROKERS } from '@plaza/testing';
import { sql } from '../support/db';
import { openApprovalRound } from '../support/round';
import { http, Stack } from '../support/stack';

describe('a malformed message on a topic', () => {
  const stack = new Stack();
  const publisher = new KafkaJsPublisher({ brokers: TEST_KAFKA_BROKERS, clientId: 'plaza-test-poison' });

  beforeAll(() => stack.start());
  afterAll(async () => {
    await publisher.disconnect();
    await stack.destroy();
  });

  it('lands in dead letters with its reason and the consumers go on', async () => {
    const { roundId, proposalIds } = await openApprovalRound(stack, 1);
    const topic = `${stack.prefix}.voting.events`;
    await publisher.send(topic, [
      { key: roundId, value: '{"this is": not json' },
      { key: roundId, value: JSON.stringify({ id: '01a213b9-e160-74c6-922f-0c4fc84cb309', type: 'BallotStuffed', payload: {} }) },
    ]);
    const ballot = await http(
      'POST',
      `${stack.url('voting')}/rounds/${roundId}/ballots`,
      { unitId: 'centre', choices: proposalIds },
      { token: stack.token('resident', 'resident-1') },
    );
    expect(ballot.status).toBe(201);
    await expectEventually(async () => {
      const entry = await http('GET', `${stack.url('audit')}/ledger/events/${ballot.body.eventId}`);
      expect(entry.status).toBe(200);
    });
    const dead = await sql(`SELECT consumer, topic, reason FROM "${stack.schemas.audit}".dead_letters ORDER BY kafka_offset`);
    expect(dead).toEqual([
      { consumer: 'ledger', topic, reason: expect.stringMatching(/JSON/) },
      { consumer: 'ledger', topic, reason: expect.stringMatching(/malformed envelope|unknown event type/) },
    ]);
    // Only registered event types reach the ledger; the poison never does.
    const inLedger = await sql(`SELECT count(*)::int AS n FROM "${stack.schemas.audit}".ledger_entries WHERE NOT (event_type = ANY($1))`, [
      Object.keys(EVENT_REGISTRY),
    ]);
    expect(inLedger[0].n).toBe(0);
  });
});
