import type { PlazaEvent } from '@plaza/contracts';

/**
 * What administrators and staff did that could change who votes or what is counted, as the ledger shows it:
 * eligibility changes while voting was open (who requested, who confirmed: four eyes), registrations made under
 * them, paper batches (who opened, entered, confirmed; how many sheets replaced an online ballot) and the
 * destruction of the round's pseudonym secret. `plaza verify` and the browser verifier list them in the report,
 * and report as failures what breaks the rules:
 * - `four-eyes`: a change confirmed by its requester, or never requested; a registration naming a change not
 *   confirmed before it; a paper batch confirmed by someone who opened it or entered one of its sheets; a
 *   batch's declared override count that differs from the ballots in the ledger;
 * - `registration-order`: a VotersRegistered (v2) whose voters are not in pseudonym order, the canonical order
 *   that says nothing about the roll's or the code sheet's.
 */
export type InsiderCheck = 'four-eyes' | 'registration-order';

export interface InsiderFailure {
  readonly check: InsiderCheck;
  readonly message: string;
  readonly index: number;
  readonly eventId: string;
}

export interface InsiderAction {
  readonly index: number;
  readonly eventId: string;
  readonly type: string;
  readonly at: string;
  /** Who did it (token subject), when the event says. */
  readonly by?: string;
  readonly what: string;
}

export interface PaperBatchRecord {
  readonly batchId: string;
  readonly unitId: string;
  readonly openedBy: string;
  readonly enteredBy: readonly string[];
  readonly entered: number;
  /** Recomputed from the ledger: paper ballots of the batch that replaced the voter's latest online ballot. */
  readonly overrides: number;
  readonly confirmedBy: string | null;
}

export interface InsiderReport {
  readonly actions: readonly InsiderAction[];
  readonly paperBatches: readonly PaperBatchRecord[];
  /** Overrides per unit (the sum of the batches'). */
  readonly overrides: number;
}

interface Batch {
  unitId: string;
  openedBy: string;
  enteredBy: Set<string>;
  entered: number;
  overrides: number;
  confirmedBy: string | null;
}

/** Channel of each voter's latest ballot per unit, by the replay's dense voter id: 0 none, 1 online, 2 paper. */
class LatestChannel {
  #byUnit = new Map<string, Uint8Array>();

  get(unitId: string, id: number): number {
    const a = this.#byUnit.get(unitId);
    return a && id < a.length ? a[id] : 0;
  }

  set(unitId: string, id: number, channel: number): void {
    let a = this.#byUnit.get(unitId);
    if (!a || id >= a.length) {
      const grown = new Uint8Array(Math.max(1024, id + 1, (a?.length ?? 0) * 2));
      if (a) grown.set(a);
      a = grown;
      this.#byUnit.set(unitId, a);
    }
    a[id] = channel;
  }
}

export class InsiderActions {
  readonly #actions: InsiderAction[] = [];
  readonly #failures: InsiderFailure[] = [];
  readonly #requests = new Map<string, { requestedBy: string; kind: string }>();
  readonly #confirmed = new Set<string>();
  readonly #batches = new Map<string, Batch>();
  readonly #latest = new LatestChannel();

  /** Applies one valid event of the round; `voterId` gives a pseudonym's dense id (RoundReplay.idOf). */
  apply(index: number, event: PlazaEvent, voterId: (pseudonym: string) => number): void {
    const at = { index, eventId: event.id, type: event.type, at: event.occurredAt };
    const fail = (check: InsiderCheck, message: string) => this.#failures.push({ check, message, index, eventId: event.id });
    switch (event.type) {
      case 'EligibilityChangeRequested': {
        const p = event.payload;
        this.#requests.set(p.changeId, { requestedBy: p.requestedBy, kind: p.kind });
        const size = Object.entries(p.perUnit).map(([u, n]) => `${u} ${n}`).join(', ');
        this.#actions.push({ ...at, by: p.requestedBy, what: `requested a ${p.kind} change ${p.changeId} while voting was open (${size})` });
        return;
      }
      case 'EligibilityChangeConfirmed': {
        const p = event.payload;
        const request = this.#requests.get(p.changeId);
        if (!request) fail('four-eyes', `eligibility change ${p.changeId} is confirmed but was never requested`);
        else if (request.requestedBy === p.confirmedBy) fail('four-eyes', `eligibility change ${p.changeId} was requested and confirmed by the same administrator, ${p.confirmedBy}`);
        this.#confirmed.add(p.changeId);
        this.#actions.push({ ...at, by: p.confirmedBy, what: `confirmed change ${p.changeId} requested by ${request?.requestedBy ?? 'nobody'}: ${p.registered} registered` });
        return;
      }
      case 'VotersRegistered': {
        const p = event.payload;
        if (event.schemaVersion >= 2) {
          for (let i = 1; i < p.voters.length; i++) {
            if (p.voters[i - 1].pseudonym >= p.voters[i].pseudonym) {
              fail('registration-order', `voters are not in pseudonym order at position ${i}: a registration's order must say nothing about the roll's`);
              break;
            }
          }
        }
        if (p.changeId !== undefined) {
          if (!this.#confirmed.has(p.changeId)) fail('four-eyes', `registration under eligibility change ${p.changeId}, which no second administrator confirmed before`);
          this.#actions.push({ ...at, what: `registered ${p.voters.length} voter(s) (${p.source}) under change ${p.changeId}` });
        }
        return;
      }
      case 'PaperBatchOpened': {
        const p = event.payload;
        this.#batches.set(p.batchId, { unitId: p.unitId, openedBy: p.operatorId, enteredBy: new Set(), entered: 0, overrides: 0, confirmedBy: null });
        this.#actions.push({ ...at, by: p.operatorId, what: `opened paper batch ${p.batchId} for ${p.unitId} with ${p.sheetsCounted} sheets counted` });
        return;
      }
      case 'BallotCast': {
        const p = event.payload;
        const id = voterId(p.voterPseudonym);
        if (p.channel === 'paper' && p.paper) {
          const batch = this.#batches.get(p.paper.batchId);
          if (batch) {
            batch.entered++;
            batch.enteredBy.add(p.paper.operatorId);
            if (this.#latest.get(p.unitId, id) === 1) batch.overrides++;
          }
        }
        this.#latest.set(p.unitId, id, p.channel === 'paper' ? 2 : 1);
        return;
      }
      case 'PaperBatchClosed':
        this.#actions.push({ ...at, what: `closed paper batch ${event.payload.batchId}: ${event.payload.entered} entered, discrepancy ${event.payload.discrepancy}` });
        return;
      case 'PaperBatchConfirmed': {
        const p = event.payload;
        const batch = this.#batches.get(p.batchId);
        if (!batch) fail('four-eyes', `paper batch ${p.batchId} is confirmed but was never opened`);
        else {
          if (batch.openedBy === p.confirmedBy || batch.enteredBy.has(p.confirmedBy)) {
            fail('four-eyes', `paper batch ${p.batchId} was confirmed by ${p.confirmedBy}, who opened it or entered its sheets`);
          }
          if (batch.overrides !== p.overrides) {
            fail('four-eyes', `paper batch ${p.batchId} declares ${p.overrides} sheet(s) replacing online ballots; the ledger shows ${batch.overrides}`);
          }
          batch.confirmedBy = p.confirmedBy;
        }
        this.#actions.push({ ...at, by: p.confirmedBy, what: `confirmed paper batch ${p.batchId} (${p.overrides} sheet(s) replaced an online ballot)` });
        return;
      }
      case 'RoundSecretDestroyed':
        this.#actions.push({ ...at, by: event.payload.destroyedBy, what: `destroyed the round's pseudonym secret (${event.payload.trigger})` });
        return;
      default:
        return;
    }
  }

  get failures(): readonly InsiderFailure[] {
    return this.#failures;
  }

  report(): InsiderReport {
    const paperBatches = [...this.#batches].map(([batchId, b]) => ({
      batchId,
      unitId: b.unitId,
      openedBy: b.openedBy,
      enteredBy: [...b.enteredBy].sort(),
      entered: b.entered,
      overrides: b.overrides,
      confirmedBy: b.confirmedBy,
    }));
    return { actions: this.#actions, paperBatches, overrides: paperBatches.reduce((a, b) => a + b.overrides, 0) };
  }
}
