import { HttpError, mapPool, pollUntil } from './http';
import type { ImportPlan } from './plan';
import { PlazaApi, type DeclaredResult } from './plaza-api';
import { voterIdentity } from './tokens';

/** Roll CSV bytes per request: well under express' default 100 kB JSON body limit. */
const ROLL_CHUNK_BYTES = 90_000;

/** Express answers an unknown route with this message; a known route's 404 names the round. */
const isMissingRoute = (e: unknown) => e instanceof HttpError && e.status === 404 && /Cannot (GET|POST)/.test(JSON.stringify(e.body));

/**
 * Registers residents on the round's voter roll (`POST /rounds/:id/voters/roll`, CSV), in chunks, once the voting
 * service knows the round. Returns false when the voting service has no roll import.
 */
export async function registerVoters(
  api: PlazaApi,
  roundId: string,
  voters: readonly { identity: string; unitId: string }[],
  timeoutMs: number,
): Promise<boolean> {
  const chunks: string[] = [];
  let current = '';
  for (const v of voters) {
    const line = `${csvField(v.identity)},${v.unitId}\n`;
    if (current.length + line.length > ROLL_CHUNK_BYTES && current) {
      chunks.push(current);
      current = '';
    }
    current += line;
  }
  if (current) chunks.push(current);
  const token = await api.tokens.token('plaza-import', ['admin', 'staff', 'resident']);
  for (const chunk of chunks) {
    const sent = await pollUntil(
      `the voting service to accept the voter roll of round ${roundId}`,
      async () => {
        try {
          await api.voting.post(`/rounds/${roundId}/voters/roll`, { csv: `resident_id,unit_id\n${chunk}` }, { token, idempotent: true });
          return true;
        } catch (error) {
          if (isMissingRoute(error)) return false;
          // The voting service learns about the round from Kafka: until then the round is unknown there.
          if (error instanceof HttpError && error.status === 404) return undefined;
          throw error;
        }
      },
      timeoutMs,
      100,
    );
    if (!sent) return false;
  }
  return true;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The declared results of a closed round (`GET /rounds/:id/results` on the voting service), polling until every
 * unit has one. Undefined when the voting service has no results API.
 */
export async function waitForResults(api: PlazaApi, roundId: string, timeoutMs: number): Promise<DeclaredResult[] | undefined> {
  let missing = false;
  const results = await pollUntil(
    `ResultsDeclared for round ${roundId}`,
    async () => {
      try {
        const res = await api.voting.get<unknown>(`/rounds/${roundId}/results`, { accept: [404, 409] });
        if (res.status !== 200) {
          if (res.status === 404 && /Cannot GET/.test(JSON.stringify(res.body))) {
            missing = true;
            return [];
          }
          return undefined;
        }
        const list = resultList(res.body);
        // Close and declaration commit together, but a unit without a declared event is not a result yet.
        return list.length > 0 && list.every((r) => r.declaredEventId !== null) ? list : undefined;
      } catch (error) {
        if (isMissingRoute(error)) {
          missing = true;
          return [];
        }
        throw error;
      }
    },
    timeoutMs,
    250,
  );
  return missing ? undefined : results;
}

/** The results answer as a list of per-unit results, whether it is a list, `{results: [...]}` or `{units: [...]}`. */
function resultList(body: unknown): DeclaredResult[] {
  if (Array.isArray(body)) return body as DeclaredResult[];
  const o = body as { results?: unknown; units?: unknown } | null;
  if (o && Array.isArray(o.results)) return o.results as DeclaredResult[];
  if (o && Array.isArray(o.units)) return o.units as DeclaredResult[];
  return [];
}

/**
 * The audit service's independent recount of the round (`GET /rounds/:id/verification`): waits until it is
 * `verified` or `disputed`. `unavailable` when there is no audit URL or no such API, `pending` on timeout.
 */
export async function waitForVerification(
  api: PlazaApi,
  roundId: string,
  timeoutMs: number,
): Promise<{ status: string; differences: string[] }> {
  const audit = api.audit;
  if (!audit) return { status: 'unavailable', differences: [] };
  try {
    return await pollUntil(
      `the audit recount of round ${roundId}`,
      async () => {
        const res = await audit.get<{ status: string; units?: { differences?: string[] }[] }>(`/rounds/${roundId}/verification`, { accept: [404] });
        if (res.status === 404) return { status: 'unavailable', differences: [] };
        if (res.body.status !== 'verified' && res.body.status !== 'disputed') return undefined;
        return { status: res.body.status, differences: (res.body.units ?? []).flatMap((u) => u.differences ?? []) };
      },
      timeoutMs,
      250,
    );
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('timed out')) return { status: 'pending', differences: [] };
    // The declaration stands on its own; an audit service that cannot be asked is reported, not fatal.
    return { status: `unavailable (${PlazaApi.describe(error)})`, differences: [] };
  }
}

export interface ImportOptions {
  readonly concurrency: number;
  /** How long to wait for the voting service's projection and for the results. */
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Stop after the ballots with voting still open (a demo round others can vote in) instead of closing. */
  readonly leaveOpen?: boolean;
  /** More residents to put on the voter roll besides the file's voters (e.g. the development sign-ins). */
  readonly extraResidents?: readonly string[];
}

export interface ImportOutcome {
  readonly roundId: string;
  readonly unitId: string;
  /** Declared winners as file project ids, in selection order. */
  readonly selected: string[];
  /** The file's `selected` (non-zero), file order; undefined when the file has none. */
  readonly official?: readonly string[];
  /** Whether the declared set equals the file's; undefined without a `selected` column. */
  readonly equal?: boolean;
  readonly onlyInFile: string[];
  readonly onlyInPlaza: string[];
  readonly spent: number;
  readonly budget: number;
  readonly status: string;
  readonly ballotsCounted: number;
  readonly proposals: Record<string, string>;
  readonly timings: Record<string, number>;
  /** The audit service's recount of the declaration: verified, disputed (with differences), pending, unavailable. */
  readonly audit: { status: string; differences: string[] };
}

/**
 * Replays a planned Pabulib election through the running services: round, proposals (accepted in file order,
 * which is the tally's last tie-breaker), voter roll, every ballot as its resident, close, declared results.
 */
export async function runImport(api: PlazaApi, plan: ImportPlan, options: ImportOptions): Promise<ImportOutcome> {
  const { log } = options;
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[name] = Math.round(performance.now() - t0);
    }
  };
  const unitId = plan.unitId;

  const roundId = await timed('round', async () => {
    const id = await api.createRound(plan.config);
    await api.changePhase(id, 'submission');
    return id;
  });
  log(`round ${roundId} created (${plan.config.ballot.type}, ${plan.config.outcome.rule})`);

  const proposalIds = await timed('proposals', async () => {
    const ids = await mapPool(plan.projects, Math.min(8, options.concurrency), (p) =>
      api.submitProposal(roundId, { unitId, title: p.title, description: p.description, estimatedCost: p.cost }),
    );
    await api.changePhase(roundId, 'review');
    // One at a time, in file order: acceptance order is the tally's last tie-breaker, as input order is Pabulib's.
    for (const [i, p] of plan.projects.entries()) await api.acceptProposal(roundId, ids[i], p.cost, `Pabulib project ${p.pbId}`);
    return ids;
  });
  const byPb = new Map(plan.projects.map((p, i) => [p.pbId, proposalIds[i]]));
  const toPb = new Map(plan.projects.map((p, i) => [proposalIds[i], p.pbId]));
  log(`${proposalIds.length} proposals submitted and accepted`);

  const identities = plan.voters.map(voterIdentity);
  const roll = [...identities, ...(options.extraResidents ?? [])];
  const registered = await timed('roll', () =>
    registerVoters(api, roundId, roll.map((identity) => ({ identity, unitId })), options.timeoutMs),
  );
  if (!registered) throw new Error('the voting service has no voter roll import (POST /rounds/:id/voters/roll)');
  log(`${identities.length} voters registered`);

  await timed('open', async () => {
    await api.changePhase(roundId, 'voting');
    await api.waitForVotingView(roundId, 'voting', proposalIds.length, options.timeoutMs);
  });

  const total = plan.ballots.length;
  let lastLog = performance.now();
  await timed('ballots', () =>
    mapPool(
      plan.ballots,
      options.concurrency,
      async (b, i) => {
        const choices = b.choices.map((id) => byPb.get(id)!);
        try {
          await api.castBallot(roundId, identities[i], { unitId, choices, ...(b.points ? { points: b.points } : {}) });
        } catch (error) {
          throw new Error(`ballot of voter ${b.voterId}: ${PlazaApi.describe(error)}`);
        }
      },
      (done) => {
        if (performance.now() - lastLog > 5_000 || done === total) {
          lastLog = performance.now();
          log(`${done}/${total} ballots cast`);
        }
      },
    ),
  );

  if (options.leaveOpen) {
    log(`voting left open in round ${roundId}`);
    return {
      roundId,
      unitId,
      selected: [],
      onlyInFile: [],
      onlyInPlaza: [],
      spent: 0,
      budget: plan.config.units.find((u) => u.id === unitId)?.budget ?? 0,
      status: 'voting-open',
      ballotsCounted: total,
      proposals: Object.fromEntries(byPb),
      timings,
      audit: { status: 'not closed', differences: [] },
    };
  }

  const results = await timed('results', async () => {
    await api.changePhase(roundId, 'closed');
    return waitForResults(api, roundId, options.timeoutMs);
  });
  if (!results) throw new Error('the voting service has no results API (GET /rounds/:id/results)');
  const audit = await timed('audit', () => waitForVerification(api, roundId, Math.min(options.timeoutMs, 120_000)));
  const mine = results.find((r) => r.unitId === unitId);
  if (!mine) throw new Error(`no result declared for unit ${unitId}`);
  const selected = mine.selected.map((id) => toPb.get(id) ?? id);
  const official = plan.official;
  const inPlaza = new Set(selected);
  const inFile = new Set(official ?? []);
  const onlyInFile = (official ?? []).filter((id) => !inPlaza.has(id));
  const onlyInPlaza = selected.filter((id) => !inFile.has(id));
  return {
    roundId,
    unitId,
    selected,
    ...(official ? { official, equal: onlyInFile.length === 0 && onlyInPlaza.length === 0 } : {}),
    onlyInFile: official ? onlyInFile : [],
    onlyInPlaza: official ? onlyInPlaza : [],
    spent: mine.spent,
    budget: mine.budget,
    status: mine.status,
    ballotsCounted: mine.ballotsCounted,
    proposals: Object.fromEntries(byPb),
    timings,
    audit,
  };
}
