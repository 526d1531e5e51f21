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
    // A well-formed event but for its ids: the round in upper case would be a second round to every reader.
    const [created] = await sql(`SELECT * FROM "${stack.schemas.proposals}".events WHERE type = 'RoundCreated' AND round_id = $1`, [roundId]);
    const upperCase = {
      id: '01A213B9-E160-74C6-922F-0C4FC84CB30A',
      type: created.type,
      schemaVersion: created.schema_version,
      streamId: created.stream_id.toUpperCase(),
      streamVersion: 1,
      roundId: roundId.toUpperCase(),
      occurredAt: new Date(created.occurred_at).toISOString(),
      producer: created.producer,
      correlationId: 'upper',
      causationId: null,
      payload: created.payload,
    };
    await publisher.send(topic, [
      { key: roundId, value: '{"this is": not json' },
      { key: roundId, value: JSON.stringify({ id: '01a213b9-e160-74c6-922f-0c4fc84cb309', type: 'BallotStuffed', payload: {} }) },
    ]);
    await publisher.send(`${stack.prefix}.proposals.events`, [{ key: roundId.toUpperCase(), value: JSON.stringify(upperCase) }]);
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
    const dead = await sql(`SELECT consumer, topic, reason FROM "${stack.schemas.audit}".dead_letters WHERE topic = $1 ORDER BY kafka_offset`, [topic]);
    expect(dead).toEqual([
      { consumer: 'ledger', topic, reason: expect.stringMatching(/JSON/) },
      { consumer: 'ledger', topic, reason: expect.stringMatching(/malformed envelope|unknown event type/) },
    ]);
    // The non-canonical copy is parked by every consumer of the proposals topic, never applied as a new round.
    await expectEventually(async () => {
      const parked = await sql(`SELECT consumer, reason FROM "${stack.schemas.audit}".dead_letters WHERE topic = $1`, [`${stack.prefix}.proposals.events`]);
      expect(parked).toEqual([{ consumer: 'ledger', reason: expect.stringMatching(/id must be a canonical UUID.*streamId must hold its ids in canonical.*roundId must be a canonical UUID/) }]);
      const voting = await sql(`SELECT reason FROM "${stack.schemas.voting}".dead_letters WHERE topic = $1`, [`${stack.prefix}.proposals.events`]);
      expect(voting.length).toBeGreaterThan(0);
      for (const v of voting) expect(v.reason).toMatch(/roundId must be a canonical UUID/);
    });
    const rounds = await sql(`SELECT count(*)::int AS n FROM "${stack.schemas.audit}".ledger_entries WHERE round_id <> lower(round_id)`);
    expect(rounds[0].n).toBe(0);
    // Only registered event types reach the ledger; the poison never does.
    const inLedger = await sql(`SELECT count(*)::int AS n FROM "${stack.schemas.audit}".ledger_entries WHERE NOT (event_type = ANY($1))`, [
      Object.keys(EVENT_REGISTRY),
    ]);
    expect(inLedger[0].n).toBe(0);
  });
});
