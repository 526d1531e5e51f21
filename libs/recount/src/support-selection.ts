import type { EventEnvelope, PlazaEvent, RoundConfig, SupportSelectionDeclaredPayload, SupportTally, SupportThreshold } from '@plaza/contracts';

/** An open proposal when the support phase ends, with the supports it holds then. */
export interface SupportCandidate {
  readonly proposalId: string;
  readonly unitId: string;
  readonly supports: number;
}

export interface SupportSelection {
  /** Every candidate: by unit id, then most supports first, then proposal id (code-unit order). */
  readonly proposals: SupportTally[];
  /** The selected proposal ids, sorted. */
  readonly selected: string[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Which proposals the support phase sends to review. Pure and deterministic: the same candidates give the same
 * selection in any order.
 *
 * - `count`: every proposal with at least `minSupports` supports.
 * - `top`: in each unit, the `perUnit` proposals with the most supports, among those with at least one. **Ties
 *   are inclusive**: a proposal with as many supports as the last one selected is selected too, so a unit can send
 *   more than `perUnit` proposals to review but never leaves out one that did as well as one it took. No lottery
 *   and no submission order decide between equally supported proposals.
 */
export function supportSelection(threshold: SupportThreshold, candidates: readonly SupportCandidate[]): SupportSelection {
  const ordered = [...candidates].sort((a, b) => cmp(a.unitId, b.unitId) || b.supports - a.supports || cmp(a.proposalId, b.proposalId));
  const chosen = new Set<string>();
  if (threshold.kind === 'count') {
    const min = threshold.minSupports ?? 1;
    for (const c of ordered) if (c.supports >= min) chosen.add(c.proposalId);
  } else {
    const perUnit = threshold.perUnit ?? 1;
    const byUnit = new Map<string, SupportCandidate[]>();
    for (const c of ordered) if (c.supports > 0) byUnit.set(c.unitId, [...(byUnit.get(c.unitId) ?? []), c]);
    for (const ranked of byUnit.values()) {
      // `ranked` is most supports first: the boundary is the perUnit-th count (or the last, when fewer).
      const boundary = ranked[Math.min(perUnit, ranked.length) - 1]!.supports;
      for (const c of ranked) if (c.supports >= boundary) chosen.add(c.proposalId);
    }
  }
  return {
    proposals: ordered.map((c) => ({ proposalId: c.proposalId, unitId: c.unitId, supports: c.supports, selected: chosen.has(c.proposalId) })),
    selected: [...chosen].sort(cmp),
  };
}

/** Field by field comparison of a declared selection with a recomputed one; empty when they agree. */
export function supportSelectionDifferences(declared: SupportSelectionDeclaredPayload, recomputed: SupportSelectionDeclaredPayload): string[] {
  const out: string[] = [];
  const json = (v: unknown) => JSON.stringify(v);
  const t = (x: SupportThreshold) => json({ kind: x.kind, minSupports: x.minSupports ?? null, perUnit: x.perUnit ?? null });
  if (t(declared.threshold) !== t(recomputed.threshold)) out.push(`threshold: declared ${t(declared.threshold)}, recomputed ${t(recomputed.threshold)}`);
  if (json(declared.selected) !== json(recomputed.selected))
    out.push(`selected: declared [${declared.selected.join(', ')}], recomputed [${recomputed.selected.join(', ')}]`);
  const mine = new Map(recomputed.proposals.map((p) => [p.proposalId, p]));
  const theirs = new Set(declared.proposals.map((p) => p.proposalId));
  for (const p of declared.proposals) {
    const r = mine.get(p.proposalId);
    if (!r) out.push(`proposal ${p.proposalId}: declared, but not an open proposal of the round when the support phase ended`);
    else if (r.supports !== p.supports || r.unitId !== p.unitId || r.selected !== p.selected)
      out.push(`proposal ${p.proposalId}: declared ${p.supports} supports in ${p.unitId}${p.selected ? ' (selected)' : ''}, recomputed ${r.supports} in ${r.unitId}${r.selected ? ' (selected)' : ''}`);
  }
  for (const r of recomputed.proposals) if (!theirs.has(r.proposalId)) out.push(`proposal ${r.proposalId}: open with ${r.supports} supports, but missing from the declaration`);
  if (json(declared.proposals.map((p) => p.proposalId)) !== json(recomputed.proposals.map((p) => p.proposalId)) && out.length === 0)
    out.push('proposals: not in the canonical order (unit id, most supports, proposal id)');
  if (declared.supporters !== recomputed.supporters) out.push(`supporters: declared ${declared.supporters}, recomputed ${recomputed.supporters}`);
  return out;
}

/** A support event that the rules would never have written (the verifier leaves it out of the count). */
export interface SupportAnomaly {
  readonly eventId: string;
  readonly index?: number;
  readonly reason: string;
}

/** A declared selection next to the one recomputed from the events before it. */
export interface SupportComparison {
  readonly declaredEventId: string;
  readonly declaredIndex?: number;
  readonly declared: SupportSelectionDeclaredPayload;
  readonly recomputed: SupportSelectionDeclaredPayload;
  readonly differences: readonly string[];
}

/**
 * Replays a round's support phase from its events in ledger order (the audit service's ledger or a bundle) and
 * checks each SupportSelectionDeclared against the selection recomputed from the supports before it.
 *
 * A support counts when it was given in the support phase, to an open proposal, by a pseudonym that did not
 * already support it and had a support left (config.support.supportsPerResident); a withdrawal frees one. Events
 * that break these rules are anomalies: the proposals service refuses them, so one in the ledger is a dispute.
 */
export class SupportReplay {
  #config: RoundConfig | undefined;
  #phase: string | undefined;
  readonly #proposals = new Map<string, { unitId: string; open: boolean }>();
  readonly #bySupporter = new Map<string, Set<string>>();
  readonly #anomalies: SupportAnomaly[] = [];
  readonly #comparisons: SupportComparison[] = [];
  /** The declared selection once seen: a proposal accepted outside it never passed the support phase. */
  #declaredSelected: Set<string> | undefined;
  /** The phase change that ended the support phase, until its declaration is seen. */
  #ended: { eventId: string; index?: number } | undefined;

  constructor(readonly roundId: string) {}

  get anomalies(): readonly SupportAnomaly[] {
    return this.#anomalies;
  }

  get comparisons(): readonly SupportComparison[] {
    return this.#comparisons;
  }

  /** True when the round has a support phase (in its latest configuration). */
  get hasSupportPhase(): boolean {
    return this.#config?.support !== undefined;
  }

  /** The support phase ended but no selection was declared (a problem once the whole ledger is read). */
  get missingDeclaration(): { eventId: string; index?: number } | undefined {
    return this.#ended;
  }

  apply(envelope: EventEnvelope, index?: number): void {
    const event = envelope as PlazaEvent;
    if (event.roundId !== this.roundId) return;
    const at = { eventId: event.id, ...(index !== undefined ? { index } : {}) };
    switch (event.type) {
      case 'RoundCreated':
      case 'RoundConfigured':
        this.#config = event.payload.config;
        if (event.type === 'RoundCreated') this.#phase = event.payload.phase;
        break;
      case 'RoundPhaseChanged':
        if (event.payload.from === 'support' && this.#phase === 'support') this.#ended = at;
        this.#phase = event.payload.to;
        break;
      case 'ProposalSubmitted':
        this.#proposals.set(event.payload.proposalId, { unitId: event.payload.unitId, open: true });
        break;
      case 'ProposalEdited': {
        const p = this.#proposals.get(event.payload.proposalId);
        if (p) p.unitId = event.payload.unitId;
        break;
      }
      case 'ProposalAccepted': {
        if (this.#config?.support && !this.#declaredSelected?.has(event.payload.proposalId))
          this.#anomalies.push({ ...at, reason: `proposal ${event.payload.proposalId} accepted without being selected by the support phase` });
        const p = this.#proposals.get(event.payload.proposalId);
        if (p) p.open = false;
        break;
      }
      case 'ProposalWithdrawn':
      case 'ProposalRejected':
      case 'ProposalMergedInto': {
        const p = this.#proposals.get(event.payload.proposalId);
        if (p) p.open = false;
        break;
      }
      case 'ProposalSupported':
      case 'ProposalSupportWithdrawn':
        this.#support(event.type, event.payload, at);
        break;
      case 'SupportSelectionDeclared': {
        const recomputed = this.recompute();
        const differences = this.#config?.support ? supportSelectionDifferences(event.payload, recomputed) : ['the round has no support phase'];
        if (!this.#ended && this.#config?.support) differences.push('declared before the support phase ended');
        this.#comparisons.push({ declaredEventId: event.id, ...(index !== undefined ? { declaredIndex: index } : {}), declared: event.payload, recomputed, differences });
        this.#ended = undefined;
        this.#declaredSelected ??= new Set(event.payload.selected);
        break;
      }
      default:
        break;
    }
  }

  /** The selection the supports so far give (what a declaration now would have to say). */
  recompute(): SupportSelectionDeclaredPayload {
    const threshold = this.#config?.support?.threshold ?? { kind: 'count' as const, minSupports: 1 };
    const counts = new Map<string, number>();
    for (const set of this.#bySupporter.values()) for (const id of set) counts.set(id, (counts.get(id) ?? 0) + 1);
    const candidates = [...this.#proposals.entries()]
      .filter(([, p]) => p.open)
      .map(([proposalId, p]) => ({ proposalId, unitId: p.unitId, supports: counts.get(proposalId) ?? 0 }));
    const { proposals, selected } = supportSelection(threshold, candidates);
    const supporters = [...this.#bySupporter.values()].filter((s) => s.size > 0).length;
    return { threshold: { ...threshold }, proposals, selected, supporters };
  }

  #support(type: 'ProposalSupported' | 'ProposalSupportWithdrawn', p: { proposalId: string; unitId: string; supporter: string }, at: { eventId: string; index?: number }): void {
    const anomaly = (reason: string): void => {
      this.#anomalies.push({ ...at, reason });
    };
    if (this.#phase !== 'support') return anomaly(`${type} while the round is in phase ${this.#phase ?? 'none'}, not support`);
    const proposal = this.#proposals.get(p.proposalId);
    if (!proposal || !proposal.open) return anomaly(`${type} for ${p.proposalId}, which is not an open proposal of the round`);
    const mine = this.#bySupporter.get(p.supporter) ?? new Set<string>();
    if (type === 'ProposalSupported') {
      if (mine.has(p.proposalId)) return anomaly(`${p.supporter} supports ${p.proposalId} a second time`);
      const allowed = this.#config?.support?.supportsPerResident ?? 0;
      if (mine.size >= allowed) return anomaly(`${p.supporter} gives a support beyond the ${allowed} allowed`);
      mine.add(p.proposalId);
      this.#bySupporter.set(p.supporter, mine);
    } else {
      if (!mine.has(p.proposalId)) return anomaly(`${p.supporter} withdraws a support of ${p.proposalId} it does not hold`);
      mine.delete(p.proposalId);
    }
  }
}
