import type { RoundConfig } from '@plaza/contracts';
import { HttpClient, HttpError, pollUntil, type RetryNotice, type Transport } from './http';
import type { TokenSource } from './tokens';

export interface ServiceUrls {
  readonly proposals: string;
  readonly voting: string;
  readonly audit?: string;
}

/** The subject `plaza import` acts as when it administers the round, submits and reviews. */
export const IMPORT_ADMIN = 'plaza-import';

export interface BallotBox {
  readonly phase: string;
  readonly closed?: boolean;
  readonly registeredVoters?: number;
  readonly ballots: number;
  readonly acceptedProposals: readonly { proposalId: string; unitId: string; cost: number }[];
}

export interface DeclaredResult {
  readonly unitId: string;
  readonly rule: string;
  readonly selected: readonly string[];
  readonly spent: number;
  readonly budget: number;
  readonly status: string;
  readonly ballotsCounted: number;
  readonly inputDigest?: string;
  /** The ResultsDeclared event; null while the unit has none. */
  readonly declaredEventId?: string | null;
}

export interface CastReceipt {
  readonly eventId: string;
  readonly leafHash: string;
}

/**
 * The services' HTTP APIs as `plaza import` and the bench use them: one place to follow the controllers as
 * they change. Every call carries a bearer token from `tokens`.
 */
export class PlazaApi {
  readonly proposals: HttpClient;
  readonly voting: HttpClient;
  readonly audit?: HttpClient;

  constructor(
    urls: ServiceUrls,
    readonly tokens: TokenSource,
    transport?: Transport,
    /** Told about every retry (`plaza import` prints one line per burst). */
    onRetry?: (notice: RetryNotice) => void,
  ) {
    this.proposals = new HttpClient(urls.proposals, transport, undefined, undefined, onRetry);
    this.voting = new HttpClient(urls.voting, transport, undefined, undefined, onRetry);
    if (urls.audit) this.audit = new HttpClient(urls.audit, transport, undefined, undefined, onRetry);
  }

  private admin(): Promise<string> {
    return this.tokens.token(IMPORT_ADMIN, ['admin', 'staff', 'resident']);
  }

  async createRound(config: RoundConfig): Promise<string> {
    const res = await this.proposals.post<{ roundId: string }>('/rounds', config, { token: await this.admin() });
    return res.body.roundId;
  }

  async changePhase(roundId: string, to: string): Promise<void> {
    await this.proposals.post(`/rounds/${roundId}/phase`, { to }, { token: await this.admin() });
  }

  async submitProposal(roundId: string, p: { unitId: string; title: string; description: string; estimatedCost: number }): Promise<string> {
    const res = await this.proposals.post<{ proposalId: string }>(`/rounds/${roundId}/proposals`, p, { token: await this.admin() });
    return res.body.proposalId;
  }

  async acceptProposal(roundId: string, proposalId: string, cost: number, reason: string): Promise<void> {
    await this.proposals.post(`/rounds/${roundId}/proposals/${proposalId}/accept`, { cost, reason }, { token: await this.admin() });
  }

  /** The round as the voting service sees it, or undefined while it does not know the round yet. */
  async ballotBox(roundId: string): Promise<BallotBox | undefined> {
    const res = await this.voting.get<BallotBox>(`/rounds/${roundId}/ballot-box`, { token: await this.admin(), accept: [404] });
    return res.status === 404 ? undefined : res.body;
  }

  /** Waits until the voting service's projection has the round in `phase` with `accepted` proposals. */
  async waitForVotingView(roundId: string, phase: string, accepted: number, timeoutMs: number): Promise<BallotBox> {
    return pollUntil(
      `the voting service to see round ${roundId} in phase ${phase} with ${accepted} accepted proposals`,
      async () => {
        const box = await this.ballotBox(roundId);
        return box && box.phase === phase && box.acceptedProposals.length === accepted ? box : undefined;
      },
      timeoutMs,
      100,
    );
  }

  async castBallot(roundId: string, identity: string, ballot: { unitId: string; choices: readonly string[]; points?: readonly number[] }): Promise<CastReceipt> {
    const token = await this.tokens.token(identity, ['resident']);
    // A retried cast after a lost answer is a revision with the same choices: the counted ballot is the same.
    const res = await this.voting.post<CastReceipt>(`/rounds/${roundId}/ballots`, ballot, { token, idempotent: true });
    return res.body;
  }

  static describe(error: unknown): string {
    if (error instanceof HttpError) return error.message;
    return error instanceof Error ? error.message : String(error);
  }
}
