import { apiUrl } from '../api/client';
import { BundleFetchError } from './errors';
import { MANIFEST_FILE } from '../../../../../libs/bundle/src/format';
import type { BundleSource } from './types';

export interface HttpBundleSourceOptions {
  /**
   * Cut the bundle at the checkpoint of this size (the manifest's latestCheckpoint.size). Without it the manifest is
   * the latest one and every file is then asked for at that manifest's size, so all files are of the same snapshot.
   */
  readonly size?: number;
  /** fetch to use (tests); the global one by default. */
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

async function readBody(res: Response, onBytes?: (loaded: number) => void): Promise<Uint8Array> {
  if (!res.body || !onBytes) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onBytes(loaded);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * A round's bundle as the audit service serves it through apps/web: GET /api/audit/rounds/:roundId/bundle (the
 * manifest) and /bundle/:file?size= (each file byte for byte). A file's 404 means "not in the bundle"; the
 * manifest's 404 (the round has no ledger entries) and any other error status throw a BundleFetchError.
 */
export function httpBundleSource(roundId: string, options: HttpBundleSourceOptions = {}): BundleSource {
  const get = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let size = options.size;
  const load = async (url: string, onBytes?: (loaded: number) => void): Promise<Uint8Array | undefined> => {
    // The bundle is public: no token, so the answer may be cached like any public read.
    const res = await get(url, { signal: options.signal, headers: { accept: 'application/json, text/plain' } });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new BundleFetchError(url, res.status);
    return readBody(res, onBytes);
  };
  const base = `/rounds/${encodeURIComponent(roundId)}/bundle`;
  const manifest = async () => {
    const url = apiUrl('audit', base, { size: options.size });
    const data = await load(url);
    // No manifest means the audit service holds no entry of this round (or no such checkpoint): nothing to verify.
    if (data === undefined) throw new BundleFetchError(url, 404);
    if (size === undefined) {
      // Pin every file to the manifest's snapshot (a checkpoint may be signed meanwhile).
      try {
        const s = (JSON.parse(new TextDecoder().decode(data)) as { latestCheckpoint?: { size?: unknown } }).latestCheckpoint?.size;
        if (typeof s === 'number' && Number.isSafeInteger(s)) size = s;
      } catch {
        // The verifier reports the manifest; the files are then asked for at the latest checkpoint.
      }
    }
    return data;
  };
  return {
    label: apiUrl('audit', base, { size: options.size }),
    manifest,
    file: (name, onBytes) => (name === MANIFEST_FILE ? manifest() : load(apiUrl('audit', `${base}/${encodeURIComponent(name)}`, { size }), onBytes)),
  };
}

/** Files already in memory (a bundle folder the user picked, or a copy made by a test), by name. */
export function memoryBundleSource(files: ReadonlyMap<string, Uint8Array | string> | Readonly<Record<string, Uint8Array | string>>, label?: string): BundleSource {
  const map = files instanceof Map ? (files as ReadonlyMap<string, Uint8Array | string>) : new Map(Object.entries(files));
  return {
    label,
    manifest: async () => map.get(MANIFEST_FILE),
    file: async (name) => map.get(name),
    list: async () => [...map.keys()].filter((n) => n !== MANIFEST_FILE),
  };
}
