/** Reads the vote pages share: the round, the accepted proposals of a unit (with the cost the tally uses), my ballots. */
import { api } from '../../api/client';
import type { Page, Proposal, Round } from '../../api/types';
import type { BallotProject } from './ballot';
import type { MyBallots } from './types';

const PAGE = 200; // the proposals API's largest page

export function loadRound(roundId: string, signal?: AbortSignal): Promise<Round> {
  return api.proposals.get<Round>(`/rounds/${encodeURIComponent(roundId)}`, { signal, anonymous: true });
}

/** Every accepted proposal of the round (or of one unit), in submission order, following the pages. */
export async function loadAccepted(roundId: string, unitId: string | undefined, signal?: AbortSignal): Promise<Proposal[]> {
  const items: Proposal[] = [];
  // A page stops at PAGE rows or its byte cap: `next` says where the following one starts.
  for (let offset: number | null | undefined = 0; typeof offset === 'number'; ) {
    const page: Page<Proposal> = await api.proposals.get<Page<Proposal>>(`/rounds/${encodeURIComponent(roundId)}/proposals`, {
      query: { status: 'accepted', unitId, limit: PAGE, offset },
      signal,
      anonymous: true,
    });
    items.push(...page.items);
    offset = page.items.length > 0 ? page.next : null;
  }
  return items;
}

export function loadMine(roundId: string, signal?: AbortSignal): Promise<MyBallots> {
  return api.voting.get<MyBallots>(`/rounds/${encodeURIComponent(roundId)}/ballots/mine`, { signal });
}

/** The ballot's projects with the reviewed cost (an accepted proposal always has one; 0 only if it is missing). */
export function ballotProjects(proposals: readonly Proposal[]): BallotProject[] {
  return proposals.map((p) => ({ id: p.proposalId, cost: p.cost ?? p.estimatedCost }));
}

/** `/rounds/<uuid>/…` in a next= address → the round id. */
export function roundIdIn(path: string | null | undefined): string | undefined {
  return /^\/rounds\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[/?#]|$)/i.exec(path ?? '')?.[1];
}

/** A next= address that stays on this site (a path, not `//host` or `https:`). */
export function safeNext(next: string | null | undefined): string | undefined {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : undefined;
}
