import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { EventEnvelope } from '@plaza/contracts';
import { canonicalBytes, leafHash, parseVerifierKey, verifyCheckpoint, verifyConsistency, verifyInclusion } from '@plaza/ledger';
import { expectEventually } from '@plaza/testing';
import { run } from '../../apps/cli/src/cli';
import { syntheticRound } from '@plaza/bundle';
import { AuditStack } from '../support/audit';
import { sql } from '../support/db';
import { http } from '../support/stack';

/**
 * The audit service on its own, fed a complete round published straight onto the proposals and voting topics
 * (the services' lifecycle endpoints were still being built when this was written): checkpoints, proofs,
 * receipts, the independent recount, bundle export and offline verification.
 */
describe('audit: checkpoints, proofs, receipts, recount and bundles', () => {
  const stack = new AuditStack();
  const out = mkdtempSync(join(tmpdir(), 'plaza-audit-e2e-'));
  const events = [...syntheticRound({ voters: 25, proposals: 4, seed: 3 })];
  const roundId = events[0].roundId;
  const cut = (type: string, to?: string) => events.findIndex((e) => e.type === type && (to === undefined || (e.payload as { to?: string }).to === to));
  const votingOpen = cut('RoundPhaseChanged', 'voting') + 1;
  const closing = cut('RoundPhaseChanged', 'closed');
  const declared = events.find((e) => e.type === 'ResultsDeclared')!;
  let A: string;

  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  };

  const roundEntries = async () => (await http('GET', `${A}/ledger?roundId=${roundId}&limit=1000`)).body.entries as { index: number; eventId: string; leafHash: string }[];

  /** Publishes a slice of the round and waits until the ledger holds it, so ledger order follows causality. */
  const feed = async (slice: EventEnvelope[]) => {
    const before = (await roundEntries()).length;
    await stack.publish(slice);
    await expectEventually(async () => expect(await roundEntries()).toHaveLength(before + slice.length));
  };

  beforeAll(async () => {
    await stack.start();
    A = stack.url;
    await feed(events.slice(0, votingOpen));
    await feed(events.slice(votingOpen, closing));
    await feed(events.slice(closing, closing + 1));
    await feed(events.slice(closing + 1));
  });

  afterAll(async () => {
    await stack.destroy();
    rmSync(out, { recursive: true, force: true });
  });

  it('signs checkpoints over the whole ledger, published as CheckpointSigned events with the public key served', async () => {
    const key = (await http('GET', `${A}/ledger/public-key`)).body;
    expect(key.verifierKey).toMatch(/^plaza\.local\/ledger\+[0-9a-f]{8}\+/);
    const { publicKey } = parseVerifierKey(key.verifierKey);
    // A checkpoint follows every phase change and declaration, so the last one covers the whole round.
    const latest = await expectEventually(async () => {
      const cp = (await http('GET', `${A}/ledger/checkpoints/latest`)).body;
      expect(cp.size).toBe(events.length);
      return cp;
    });
    const cp = verifyCheckpoint(latest.note, publicKey);
    expect(cp.size).toBe(events.length);
    expect(Buffer.from(cp.root).toString('base64')).toBe(latest.rootHash);

    const all = (await http('GET', `${A}/ledger/checkpoints?limit=1000`)).body.checkpoints as { size: number; eventId: string }[];
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((c) => c.size)).toEqual([...all.map((c) => c.size)].sort((a, b) => a - b));
    const published = await sql(`SELECT event_id, stream_id, payload FROM ${stack.schema}.events WHERE type = 'CheckpointSigned' ORDER BY stream_version`);
    expect(published.map((e) => e.event_id)).toEqual(all.map((c) => c.eventId));
    expect(published.every((e) => e.stream_id === 'ledger')).toBe(true);
  });

  it('proves consistency between the first and the latest checkpoint', async () => {
    const all = (await http('GET', `${A}/ledger/checkpoints?limit=1000`)).body.checkpoints as { size: number; rootHex: string }[];
    const [first, last] = [all[0], all[all.length - 1]];
    const res = await http('GET', `${A}/ledger/consistency?from=${first.size}&to=${last.size}`);
    expect(res.status).toBe(200);
    verifyConsistency(first.size, last.size, res.body.proof.map((h: string) => Buffer.from(h, 'hex')), Buffer.from(first.rootHex, 'hex'), Buffer.from(last.rootHex, 'hex'));
    // A size no checkpoint was signed at (checkpoints follow the ledger's timing, so any size may have one).
    const sizes = new Set(all.map((c) => c.size));
    let unsigned = first.size + 1;
    while (sizes.has(unsigned)) unsigned += 1;
    const missing = await http('GET', `${A}/ledger/consistency?from=${unsigned}`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain(`no checkpoint of size ${unsigned}`);
  });

  it("verifies a real ballot's receipt against the latest signed checkpoint, and refuses made-up ones", async () => {
    const ballot = events.find((e) => e.type === 'BallotCast')!;
    const receipt = { eventId: ballot.id, leafHash: leafHash(canonicalBytes(ballot)).toString('hex') };
    const res = await http('POST', `${A}/receipts/check`, receipt);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ included: true, eventId: ballot.id, leafHash: receipt.leafHash });
    // The answer carries what a resident needs to check it without trusting the service.
    const { publicKey } = parseVerifierKey((await http('GET', `${A}/ledger/public-key`)).body.verifierKey);
    const cp = verifyCheckpoint(res.body.checkpoint.note, publicKey);
    verifyInclusion(Buffer.from(receipt.leafHash, 'hex'), res.body.index, cp.size, res.body.proof.map((h: string) => Buffer.from(h, 'hex')), cp.root);

    const madeUp = await http('POST', `${A}/receipts/check`, { eventId: uuidv7(), leafHash: 'ab'.repeat(32) });
    expect(madeUp.body).toMatchObject({ included: false });
    const wrongHash = await http('POST', `${A}/receipts/check`, { eventId: ballot.id, leafHash: 'ab'.repeat(32) });
    expect(wrongHash.body).toMatchObject({ included: false, reason: expect.stringMatching(/different leaf hash/) });
    expect((await http('POST', `${A}/receipts/check`, { eventId: 'nope', leafHash: 'x' })).status).toBe(400);

    const byEvent = await http('GET', `${A}/ledger/events/${ballot.id}/proof`);
    expect(byEvent.body.proof).toEqual(res.body.proof);
  });

  it('recounts the declared result from its own ledger and records ResultsVerified', async () => {
    const v = await expectEventually(async () => {
      const res = await http('GET', `${A}/rounds/${roundId}/verification`);
      expect(res.body.status).toBe('verified');
      return res.body;
    });
    expect(v.units).toEqual([expect.objectContaining({ unitId: 'centre', status: 'verified', declaredEventId: declared.id, differences: [] })]);
    const recorded = await sql(`SELECT type, payload FROM ${stack.schema}.events WHERE stream_id = $1`, [`recount-${roundId}`]);
    expect(recorded).toEqual([{ type: 'ResultsVerified', payload: expect.objectContaining({ declaredEventId: declared.id, unitId: 'centre' }) }]);
  });

  it('exports the round as a bundle that `plaza verify` accepts offline', async () => {
    const dir = join(out, 'clean');
    const exported = await cli('audit', 'export', roundId, '--out', dir, '--url', A);
    expect(exported.stderr).not.toMatch(/plaza: /);
    expect(exported.code).toBe(0);
    const verified = await cli('verify', dir, '--json');
    const report = JSON.parse(verified.stdout);
    expect(report.failures).toEqual([]);
    expect(verified.code).toBe(0);
    expect(report.ledger).toMatchObject({ entries: events.length, roundEntries: events.length });
    expect(report.round.comparisons[0]).toMatchObject({ unitId: 'centre', differences: [] });
    const text = await cli('verify', dir);
    expect(text.stdout).toMatch(/VERIFIED in/);
  });

  it('disputes a tampered ResultsDeclared injected on the topic, and so does `plaza verify`', async () => {
    const payload = declared.payload as { selected: string[] };
    const forged: EventEnvelope = {
      ...declared,
      id: uuidv7(),
      streamVersion: declared.streamVersion + 1,
      occurredAt: new Date().toISOString(),
      payload: { ...(declared.payload as object), selected: [...payload.selected].reverse().slice(0, Math.max(1, payload.selected.length - 1)) },
    };
    await feed([forged]);
    const v = await expectEventually(async () => {
      const res = await http('GET', `${A}/rounds/${roundId}/verification`);
      expect(res.body.status).toBe('disputed');
      return res.body;
    });
    const disputed = v.units.find((u: { declaredEventId: string }) => u.declaredEventId === forged.id);
    expect(disputed.status).toBe('disputed');
    expect(disputed.differences[0]).toMatch(/^selected: declared/);
    const recorded = await sql(`SELECT type, payload FROM ${stack.schema}.events WHERE stream_id = $1 ORDER BY stream_version`, [`recount-${roundId}`]);
    expect(recorded.map((r) => r.type)).toEqual(['ResultsVerified', 'ResultsDisputed']);

    const dir = join(out, 'disputed');
    await expectEventually(async () => expect((await http('GET', `${A}/ledger/checkpoints/latest`)).body.size).toBe(events.length + 1));
    expect((await cli('audit', 'export', roundId, '--out', dir, '--url', A)).code).toBe(0);
    const verified = await cli('verify', dir, '--json');
    expect(verified.code).toBe(1);
    const report = JSON.parse(verified.stdout);
    const entry = (await roundEntries()).find((e) => e.eventId === forged.id)!;
    expect(report.failure).toMatchObject({ check: 'results', index: entry.index, eventId: forged.id });
  });

  it('keeps signing consistent checkpoints with the same key after a restart', async () => {
    const before = (await http('GET', `${A}/ledger/checkpoints/latest`)).body;
    const keyBefore = (await http('GET', `${A}/ledger/public-key`)).body.verifierKey;
    await stack.stop();
    await stack.start();
    A = stack.url;
    expect((await http('GET', `${A}/ledger/public-key`)).body.verifierKey).toBe(keyBefore);
    const late = { ...events.find((e) => e.type === 'VotersRegistered')!, id: uuidv7(), streamVersion: 2, occurredAt: new Date().toISOString() };
    await feed([late]);
    const after = await expectEventually(async () => {
      const cp = (await http('GET', `${A}/ledger/checkpoints/latest`)).body;
      expect(cp.size).toBe(before.size + 1);
      return cp;
    });
    const res = await http('GET', `${A}/ledger/consistency?from=${before.size}&to=${after.size}`);
    verifyConsistency(before.size, after.size, res.body.proof.map((h: string) => Buffer.from(h, 'hex')), Buffer.from(before.rootHex, 'hex'), Buffer.from(after.rootHex, 'hex'));
  });
});
