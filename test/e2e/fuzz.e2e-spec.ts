import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { ROLES } from '@plaza/nest-runtime';
import { expectEventually, TEST_DATABASE_URL } from '@plaza/testing';
import { curlFor, generateRequests, operationsOf, send, type FuzzFixtures, type FuzzRequest } from '../support/fuzz';
import { openApprovalRound } from '../support/round';
import { http, Stack, type ServiceName } from '../support/stack';

/**
 * The OpenAPI-driven fuzz run. Under `npm test` a seeded subset (FUZZ_REQUESTS, default 300); `npm run fuzz`
 * runs the same file with FUZZ_REQUESTS=10000 (and FUZZ_SEED to replay a run). It fails on any 5xx, any
 * timeout or dropped connection, any event written by a request answered 4xx, and any accepted ballot that
 * the round's ledger pages then lack; it prints a status histogram and writes each failure with a curl.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 15_000);
const OUT = resolve(process.env.FUZZ_OUT ?? 'test-results/fuzz');

interface Failure {
  readonly n: number;
  readonly reason: string;
  readonly request: FuzzRequest;
  readonly status: number;
  readonly response: string;
}

describe(`OpenAPI fuzzing (seed ${SEED}, ${REQUESTS} requests)`, () => {
  const stack = new Stack();
  const db = new Client({ connectionString: TEST_DATABASE_URL });
  let fixtures: FuzzFixtures;
  let rounds: string[];

  beforeAll(async () => {
    await db.connect();
    await stack.start();
    const open = await openApprovalRound(stack, 3);
    const P = stack.url('proposals');
    const admin = { token: stack.token('admin') };
    const draft = await http(
      'POST',
      `${P}/rounds`,
      {
        name: 'Draft',
        currency: 'PLN',
        units: [{ id: 'centre', name: 'Centre', kind: 'district', budget: 1000 }],
        schedule: {},
        ballot: { type: 'approval', minPicks: 1 },
        outcome: { rule: 'greedy' },
        eligibility: { mode: 'codes', paperPolicy: 'refuse-if-voted-online' },
      },
      admin,
    );
    const batch = await http('POST', `${stack.url('voting')}/rounds/${open.roundId}/paper-batches`, { unitId: 'centre', sheetsCounted: 50 }, { token: stack.token('staff') });
    const ballot = await http('POST', `${stack.url('voting')}/rounds/${open.roundId}/ballots`, { unitId: 'centre', choices: [open.proposalIds[0]] }, {
      token: stack.token('resident', 'resident-1'),
    });
    if (draft.status !== 201 || batch.status !== 201 || ballot.status !== 201) throw new Error('fuzz fixtures could not be set up');
    rounds = [open.roundId, draft.body.roundId];
    const right = stack.token([...ROLES], 'resident-2');
    fixtures = {
      ids: {
        roundId: rounds,
        proposalId: open.proposalIds,
        batchId: [batch.body.batchId],
        eventId: [ballot.body.eventId],
        index: ['0', '1', '3'],
        size: ['1', '2', '5'],
        ballotId: [ballot.body.ballotId ?? ballot.body.eventId],
      },
      units: ['centre'],
      voters: ['resident-4'],
      files: ['manifest.json', 'ledger.jsonl', 'checkpoints.json', 'public-key.json', 'nope.txt'],
      tokens: {
        right,
        resident: stack.token('resident', 'resident-3'),
        wrong: stack.token('auditor', 'auditor-1'),
        forged: `${right.slice(0, -6)}AAAAAA`,
      },
    };
  }, 180_000);

  afterAll(async () => {
    await db.end();
    await stack.destroy();
  });

  /** Events this request may have written: its own correlation id, or none we can attribute to the background. */
  const written = async (service: ServiceName, after: string, correlationId: string) =>
    (
      await db.query(
        `SELECT stream_id, count(*)::int AS n FROM "${stack.schemas[service]}".events
          WHERE position > $1 AND (correlation_id = $2 OR correlation_id !~ '^(fuzz-|schedule-|checkpoint-)')
            AND type NOT IN ('ResultsVerified', 'ResultsDisputed', 'CheckpointSigned')
          GROUP BY stream_id`,
        [after, correlationId],
      )
    ).rows as { stream_id: string; n: number }[];
  const position = async (service: ServiceName) =>
    String((await db.query(`SELECT coalesce(max(position), 0)::text AS p FROM "${stack.schemas[service]}".events`)).rows[0].p);

  it('answers every malformed request with a 4xx (or a 2xx), never a 5xx or a timeout, and changes nothing on a 4xx', async () => {
    const documents = await Promise.all((['proposals', 'voting', 'audit'] as const).map(async (s) => [s, (await http('GET', `${stack.url(s)}/docs/openapi.json`)).body] as const));
    const operations = documents.flatMap(([s, doc]) => operationsOf(s, doc));
    expect(operations.length).toBeGreaterThan(40);
    const requests = generateRequests(operations, fixtures, SEED, REQUESTS);

    const histogram = new Map<number, number>();
    const failures: Failure[] = [];
    const ballots: { roundId: string; eventId: string; n: number; request: FuzzRequest }[] = [];
    for (const [n, generated] of requests.entries()) {
      const request = { ...generated, headers: { ...generated.headers, 'x-correlation-id': `fuzz-${n}` } };
      const before = await position(request.service);
      const res = await send(stack.url(request.service), request, TIMEOUT_MS);
      histogram.set(res.status, (histogram.get(res.status) ?? 0) + 1);
      const fail = (reason: string) => failures.push({ n, reason, request, status: res.status, response: res.text.slice(0, 2000) });
      if (res.timedOut) fail(`no answer within ${TIMEOUT_MS} ms`);
      else if (res.status === 0) fail(res.text || 'connection closed without an answer');
      else if (res.status >= 500) fail(`server error ${res.status}`);
      else if (res.status >= 400) {
        const changed = await written(request.service, before, `fuzz-${n}`);
        if (changed.length > 0) fail(`state changed after ${res.status}: ${changed.map((c) => `${c.stream_id} +${c.n}`).join(', ')}`);
      } else if (res.status === 201 && /\/ballots$/.test(request.operation)) {
        const body = JSON.parse(res.text) as { eventId?: string };
        const segment = decodeURIComponent(request.target.split('/')[2] ?? '');
        const roundId = rounds.find((r) => r === segment.toLowerCase());
        if (!roundId) fail(`a ballot was accepted for ${segment}, which is not a known round`);
        else if (body.eventId) ballots.push({ roundId, eventId: body.eventId, n, request });
      }
    }

    // Every accepted ballot must appear in its round's ledger pages (the audit service follows over Kafka).
    const missing = new Map(ballots.map((b) => [b.eventId, b]));
    await expectEventually(
      async () => {
        for (const roundId of rounds) {
          for (let from: number | null = 0; from !== null; ) {
            const page: { status: number; body: { entries: { eventId: string }[]; next: number | null } } = await http(
              'GET',
              `${stack.url('audit')}/ledger?roundId=${roundId}&from=${from}&limit=1000`,
            );
            for (const e of page.body.entries) if (missing.get(e.eventId)?.roundId === roundId) missing.delete(e.eventId);
            from = page.body.next;
          }
        }
        expect([...missing.keys()]).toEqual([]);
      },
      { timeoutMs: 60_000 },
    ).catch(() => undefined);
    for (const b of missing.values()) {
      failures.push({ n: b.n, reason: `accepted ballot ${b.eventId} is missing from round ${b.roundId}'s ledger pages`, request: b.request, status: 201, response: '' });
    }

    const lines = [...histogram.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `  ${status === 0 ? 'none' : status}: ${count}`);
    const summary = `fuzz seed ${SEED}: ${requests.length} requests over ${operations.length} operations, ${ballots.length} ballots accepted, ${failures.length} failures\nstatus histogram:\n${lines.join('\n')}\n`;
    mkdirSync(OUT, { recursive: true });
    const report = failures.map((f, i) => {
      let bodyFile: string | undefined;
      if (f.request.body !== undefined) {
        bodyFile = join(OUT, `seed-${SEED}-failure-${i + 1}.body`);
        writeFileSync(bodyFile, f.request.body);
      }
      return `#${i + 1} request ${f.n} (${f.request.operation}; ${f.request.mutation}): ${f.reason}\n  ${curlFor(stack.url(f.request.service), f.request, bodyFile)}\n  answer: ${f.status} ${f.response.slice(0, 500)}\n`;
    });
    writeFileSync(join(OUT, `seed-${SEED}.txt`), `${summary}\n${report.join('\n')}`);
    process.stdout.write(`${summary}${failures.length ? `failures: ${join(OUT, `seed-${SEED}.txt`)}\n` : ''}`);

    expect(failures.map((f) => `#${f.n} ${f.request.operation}: ${f.reason}`)).toEqual([]);
    expect(requests.length).toBe(REQUESTS);
  }, Math.max(300_000, REQUESTS * 200));
});
