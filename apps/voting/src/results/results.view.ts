import type { BallotChannel, Phase, ResultsDeclaredPayload, RoundConfig } from '@plaza/contracts';
import type { PublishedBand } from '@plaza/recount';
import { discrepancyOf } from '../paper/paper.decider';

/** What the results of a declared round are computed from: rows of the voting service's store, nothing computed. */
export interface ResultsRows {
  readonly roundId: string;
  readonly config: RoundConfig;
  readonly phase: Phase;
  readonly closedAt: string | null;
  readonly votingClosedEventId: string;
  readonly declared: readonly { unitId: string; eventId: string; payload: ResultsDeclaredPayload }[];
  readonly proposals: readonly { proposalId: string; title: string; cost: number }[];
  readonly registeredPerUnit: readonly { unitId: string; voters: number }[];
  /** Ballots of registered voters per unit and channel. */
  readonly ballotsPerUnit: readonly { unitId: string; channel: BallotChannel; ballots: number }[];
  /** One entry per registered voter with a ballot: the channel of their latest. */
  readonly lastChannelPerVoter: readonly BallotChannel[];
  readonly paperBatches: readonly {
    batchId: string;
    unitId: string;
    status: 'open' | 'closed';
    sheetsCounted: number;
    entered: number;
    refused: number;
    overrides: number;
    confirmedBy: string | null;
  }[];
  /** The round's age-band table, small cells already suppressed. */
  readonly ageBands: readonly PublishedBand[];
  readonly ageBandMinCell: number;
}

/** Share of `part` in `whole`, to 4 decimal places (a ratio for display, not money). */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);

/** The results API's body: declared results per unit with winners' titles, participation and the paper batches at a glance. */
export function resultsView(rows: ResultsRows) {
  const proposal = new Map(rows.proposals.map((p) => [p.proposalId, p]));
  const totalRegistered = sum(rows.registeredPerUnit.map((v) => v.voters));
  const unitParticipation = (unitId: string, kind: 'district' | 'category') => {
    const registered = kind === 'category' ? totalRegistered : sum(rows.registeredPerUnit.filter((v) => v.unitId === unitId).map((v) => v.voters));
    const here = rows.ballotsPerUnit.filter((b) => b.unitId === unitId);
    const online = sum(here.filter((b) => b.channel === 'online').map((b) => b.ballots));
    const paper = sum(here.filter((b) => b.channel === 'paper').map((b) => b.ballots));
    // No age bands per unit: one unit's table subtracted from the round's would give small cells away.
    return { registered, voted: online + paper, turnout: ratio(online + paper, registered), byChannel: { online, paper } };
  };
  const byUnit = new Map(rows.declared.map((d) => [d.unitId, d]));
  const units = rows.config.units.map((u) => {
    const d = byUnit.get(u.id);
    const p = d?.payload;
    return {
      unitId: u.id,
      name: u.name,
      kind: u.kind,
      budget: u.budget,
      declaredEventId: d?.eventId ?? null,
      status: p?.status ?? null,
      rule: p?.rule ?? null,
      options: p?.options ?? null,
      tieBreaking: p?.tieBreaking ?? null,
      inputDigest: p?.inputDigest ?? null,
      spent: p?.spent ?? null,
      ballotsCounted: p?.ballotsCounted ?? 0,
      winners: (p?.selected ?? []).map((id, k) => ({ rank: k + 1, proposalId: id, title: proposal.get(id)?.title ?? null, cost: proposal.get(id)?.cost ?? 0 })),
      selected: p?.selected ?? [],
      explanation: p?.explanation ?? null,
      participation: unitParticipation(u.id, u.kind),
    };
  });
  // Age bands over the whole round only, small cells suppressed (null) exactly as the close's ParticipationDeclared.
  const byAgeBand = Object.fromEntries(rows.ageBands.map((b) => [b.band, { registered: b.registered, voted: b.voted, turnout: b.turnout }]));
  const voted = rows.lastChannelPerVoter.length;
  const batches = rows.paperBatches;
  return {
    roundId: rows.roundId,
    name: rows.config.name,
    currency: rows.config.currency,
    phase: rows.phase,
    closedAt: rows.closedAt,
    votingClosedEventId: rows.votingClosedEventId,
    units,
    participation: {
      registered: totalRegistered,
      voted,
      turnout: ratio(voted, totalRegistered),
      byChannel: {
        online: rows.lastChannelPerVoter.filter((c) => c === 'online').length,
        paper: rows.lastChannelPerVoter.filter((c) => c === 'paper').length,
      },
      byAgeBand,
      /** Age-band cells under this many people (or giving such a cell away) are null: AGE_BAND_MIN_CELL. */
      ageBandMinCell: rows.ageBandMinCell,
    },
    // Paper entry at a glance: a batch still open, or whose entries do not match its sheet count, needs a look.
    paperBatches: {
      batches: batches.length,
      open: batches.filter((b) => b.status === 'open').length,
      sheetsCounted: sum(batches.map((b) => b.sheetsCounted)),
      entered: sum(batches.map((b) => b.entered)),
      refused: sum(batches.map((b) => b.refused)),
      // Paper sheets that replaced the voter's online ballot (paper-overrides-online), in all and per batch.
      overrides: sum(batches.map((b) => b.overrides)),
      unconfirmed: batches.filter((b) => b.confirmedBy === null).length,
      perBatch: batches.map((b) => ({
        batchId: b.batchId,
        unitId: b.unitId,
        status: b.status,
        entered: b.entered,
        refused: b.refused,
        overrides: b.overrides,
        confirmedBy: b.confirmedBy,
      })),
      needingAttention: batches
        .filter((b) => b.status === 'open' || discrepancyOf(b) !== 0)
        .map((b) => ({ batchId: b.batchId, unitId: b.unitId, status: b.status, discrepancy: discrepancyOf(b) })),
    },
  };
}

export type ResultsView = ReturnType<typeof resultsView>;

/** One unit's declared result with the round's identification, as GET …/results/:unitId answers. */
export function unitResultView(all: ResultsView, unitId: string) {
  const unit = all.units.find((u) => u.unitId === unitId);
  if (!unit) return undefined;
  return { roundId: all.roundId, round: all.name, currency: all.currency, closedAt: all.closedAt, votingClosedEventId: all.votingClosedEventId, ...unit };
}
