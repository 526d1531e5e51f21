import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLedgerKeyPair } from '@plaza/ledger';
import { syntheticRound, verifyBundle, writeSyntheticBundle } from '@plaza/bundle';
import { BundleFetchError, errorInfo } from './errors';
import { httpBundleSource } from './sources';
import { verifyBundleInBrowser } from './verifier';
import type { VerifyProgress } from './types';

// Each verification takes milliseconds, but the machine (and CI) may be shared by many test runs.
jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'plaza-web-sources-spec-'));
let dir: string;
let roundId: string;

beforeAll(async () => {
  const events = [...syntheticRound({ voters: 30, proposals: 4, seed: 3 })];
  roundId = events[0].roundId;
  dir = join(root, 'bundle');
  await writeSyntheticBundle(dir, roundId, events, { keys: generateLedgerKeyPair(), origin: 'plaza.test/ledger', othersBetween: 2, checkpointEvery: 20 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The audit service behind apps/web's proxy, serving the bundle directory: 404 for what it does not hold. */
function fakeAudit(requests: string[], status = 200): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input);
    requests.push(url);
    const m = /^\/api\/audit\/rounds\/([^/?]+)\/bundle(?:\/([^?]+))?(?:\?(.*))?$/.exec(url);
    if (!m || m[1] !== roundId) return new Response('{"message":"not found"}', { status: 404 });
    if (status !== 200) return new Response('{"message":"down"}', { status });
    const name = m[2] ? decodeURIComponent(m[2]) : 'manifest.json';
    if (!existsSync(join(dir, name))) return new Response('{"message":"no such file"}', { status: 404 });
    return new Response(readFileSync(join(dir, name)), { status: 200 });
  }) as typeof fetch;
}

describe('httpBundleSource', () => {
  it('fetches the manifest, then every file at its checkpoint size, and verifies as plaza verify does', async () => {
    const requests: string[] = [];
    const progress: VerifyProgress[] = [];
    const web = await verifyBundleInBrowser(httpBundleSource(roundId, { fetch: fakeAudit(requests) }), { onProgress: (p) => progress.push(p) });
    const node = await verifyBundle(dir, { worker: false });
    expect(web.ok).toBe(true);
    expect(node.ok).toBe(true);
    expect(web.counts.entries).toBe(node.ledger.entries);
    expect(web.bundle).toBe(`/api/audit/rounds/${roundId}/bundle`);
    const size = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).latestCheckpoint.size;
    expect(requests[0]).toBe(`/api/audit/rounds/${roundId}/bundle`);
    for (const url of requests.slice(1)) expect(url).toMatch(new RegExp(`^/api/audit/rounds/${roundId}/bundle/[^?]+\\?size=${size}$`));
    expect(requests.length).toBe(1 + 5); // manifest, ledger, checkpoints, public key, results, one .pb
    const downloads = progress.filter((p) => p.phase === 'download');
    expect(downloads.at(-1)?.done).toBe(downloads.at(-1)?.total);
  });

  it('asks for a given snapshot size', async () => {
    const requests: string[] = [];
    await verifyBundleInBrowser(httpBundleSource(roundId, { fetch: fakeAudit(requests), size: 40 }));
    for (const url of requests) expect(url).toMatch(/\?size=40$/);
  });

  it('throws a BundleFetchError for a round without bundle (404 manifest) or a failing service', async () => {
    const missing = verifyBundleInBrowser(httpBundleSource('00000000-0000-0000-0000-000000000000', { fetch: fakeAudit([]) }));
    await expect(missing).rejects.toBeInstanceOf(BundleFetchError);
    await expect(missing).rejects.toMatchObject({ status: 404, code: 'bundle-fetch' });
    const down = verifyBundleInBrowser(httpBundleSource(roundId, { fetch: fakeAudit([], 502) }));
    await expect(down).rejects.toMatchObject({ status: 502 });
    const info = errorInfo(await down.catch((e: unknown) => e));
    expect(info).toEqual({ name: 'BundleFetchError', code: 'bundle-fetch', message: expect.stringContaining('502'), status: 502 });
  });

  it('reports a file the manifest leaves out but the service serves', async () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const pb = manifest.files.find((f: { name: string }) => f.name.endsWith('.pb')).name;
    const trimmed = JSON.stringify({ ...manifest, files: manifest.files.filter((f: { name: string }) => f.name !== pb) }, null, 2) + '\n';
    const inner = fakeAudit([]);
    const fetchWithTrimmedManifest = (async (input: RequestInfo | URL, init?: RequestInit) =>
      /\/bundle(\?|$)/.test(String(input)) ? new Response(trimmed) : inner(input, init)) as typeof fetch;
    const web = await verifyBundleInBrowser(httpBundleSource(roundId, { fetch: fetchWithTrimmedManifest }));
    expect(web.failures.map((f) => [f.check, f.file])).toContainEqual(['file-set', pb]);
  });
});
