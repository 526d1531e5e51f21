import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, ApiError } from '../../api/client';
import { PHASES, type Proposal, type Page, type Round } from '../../api/types';
import { ErrorMessage, Loading, useAsync } from '../../ui/async';
import { useFormat } from '../../ui/format';
import { Meter } from '../../ui/Meter';
import { PageTitle } from '../../ui/PageTitle';
import { ExplanationView } from './Explanation';
import { computeFairness, fetchManifest, FairnessUnavailable, shareWords, type Fairness } from './fairness';
import { ParticipationView } from './ParticipationView';
import { SupportChart, type ChartProject } from './SupportChart';
import { isEqualShares, type ResultsView, type UnitResult, type VerificationView } from './types';
import './results.css';

/** Every accepted proposal's title (the results name only the winners), page by page. */
async function acceptedTitles(roundId: string, signal: AbortSignal): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  // A page stops at 200 rows or its byte cap: `next` says where the following one starts.
  for (let offset: number | null | undefined = 0; typeof offset === 'number'; ) {
    const page: Page<Proposal> = await api.proposals.get<Page<Proposal>>(`/rounds/${roundId}/proposals`, { query: { status: 'accepted', limit: 200, offset }, signal });
    for (const p of page.items) titles.set(p.proposalId, p.title);
    offset = page.items.length > 0 ? page.next : null;
  }
  return titles;
}

type Loaded =
  | { kind: 'not-yet'; round: Round }
  | { kind: 'counting'; round: Round }
  | { kind: 'results'; round: Round; results: ResultsView; titles: Map<string, string> };

/** Fairness downloads the bundle's ballots by itself only when they are small; otherwise the reader asks. */
const AUTO_FAIRNESS_BYTES = 3_000_000;

export default function ResultsPage() {
  const { roundId = '' } = useParams();
  const { t } = useTranslation();
  const state = useAsync<Loaded>(
    async (signal) => {
      const round = await api.proposals.get<Round>(`/rounds/${roundId}`, { signal });
      if (PHASES.indexOf(round.phase) < PHASES.indexOf('closed')) return { kind: 'not-yet', round };
      try {
        const [results, titles] = await Promise.all([
          api.voting.get<ResultsView>(`/rounds/${roundId}/results`, { signal, anonymous: true }),
          acceptedTitles(roundId, signal),
        ]);
        return { kind: 'results', round, results, titles };
      } catch (error) {
        // Closed, but the voting service has not declared yet (it learns the close over Kafka): counting.
        if (error instanceof ApiError && error.status === 404) return { kind: 'counting', round };
        throw error;
      }
    },
    [roundId],
  );
  const { reload } = state;
  const counting = state.data?.kind === 'counting';
  useEffect(() => {
    if (!counting) return;
    const timer = setTimeout(reload, 3000);
    return () => clearTimeout(timer);
  }, [counting, reload, state.data]);

  if (!state.data) {
    return (
      <>
        <PageTitle>{t('results.title')}</PageTitle>
        {state.error ? <ErrorMessage error={state.error} onRetry={state.reload} /> : <Loading />}
      </>
    );
  }
  const data = state.data;
  const name = data.round.config.name;
  return (
    <>
      <PageTitle title={t('results.titleOf', { name })}>
        {t('results.title')}: <span className="results-round-name">{name}</span>
      </PageTitle>
      <p>
        <Link to={`/rounds/${roundId}`}>{t('results.backToRound')}</Link>
      </p>
      {state.error ? <ErrorMessage error={state.error} onRetry={state.reload} /> : null}
      {data.kind === 'not-yet' && <NotYet round={data.round} />}
      {data.kind === 'counting' && (
        <p className="alert alert-info" role="status">
          {t('results.counting')}
        </p>
      )}
      {data.kind === 'results' && <Results roundId={roundId} round={data.round} results={data.results} titles={data.titles} />}
    </>
  );
}

function NotYet({ round }: { round: Round }) {
  const { t } = useTranslation();
  const f = useFormat();
  const closes = round.config.schedule.votingClosesAt;
  return (
    <div className="alert alert-info" role="status">
      <p>{t('results.notYet.phase', { phase: t(`common.phase.${round.phase}`) })}</p>
      <p>{closes ? t('results.notYet.scheduled', { date: f.dateTime(closes) }) : t('results.notYet.unscheduled')}</p>
      {round.phase === 'voting' && (
        <p>
          <Link to={`/rounds/${round.roundId}/vote`}>{t('results.notYet.vote')}</Link>
        </p>
      )}
    </div>
  );
}

function VerificationBadge({ roundId }: { roundId: string }) {
  const { t } = useTranslation();
  const v = useAsync((signal) => api.audit.get<VerificationView>(`/rounds/${roundId}/verification`, { signal, anonymous: true }), [roundId]);
  const { reload } = v;
  const pending = v.data?.status === 'pending' || v.data?.status === 'no-results';
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(reload, 3000);
    return () => clearTimeout(timer);
  }, [pending, reload, v.data]);
  const status = v.data?.status;
  const cls = status === 'verified' ? 'alert-ok' : status === 'disputed' ? 'alert-error' : 'alert-info';
  return (
    <section className={`alert ${cls} verification-status`} aria-labelledby="verification-h" aria-live="polite">
      <h2 id="verification-h" className="verification-title">
        {t('results.verification.heading')}
      </h2>
      {v.error && !v.data ? (
        <p>{t('results.verification.unavailable')}</p>
      ) : !status ? (
        <p>{t('common.loading')}</p>
      ) : (
        <>
          <p>
            <strong>{t(`results.verification.status.${status}`)}</strong> {t(`results.verification.explain.${status}`)}
          </p>
          {status === 'disputed' && (
            <ul>
              {v.data!.units
                .filter((u) => u.status === 'disputed')
                .flatMap((u) => u.differences.map((d, k) => <li key={`${u.unitId}-${k}`}>{`${u.unitId}: ${d}`}</li>))}
            </ul>
          )}
        </>
      )}
      <p>
        <Link to={`/rounds/${roundId}/audit`}>{t('results.verification.auditLink')}</Link>
      </p>
    </section>
  );
}

type FairnessState = { kind: 'idle'; bytes: number } | { kind: 'loading' } | { kind: 'done'; fairness: Fairness } | { kind: 'unavailable'; reason: string };

/** The fairness figure: computed in the browser from the bundle's published ballots (see fairness.ts). */
function useFairness(roundId: string, results: ResultsView, ballotType?: string) {
  const [state, setState] = useState<FairnessState>({ kind: 'loading' });
  const [asked, setAsked] = useState(false);
  const busy = useRef<AbortController | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    busy.current?.abort();
    busy.current = controller;
    (async () => {
      setState({ kind: 'loading' });
      try {
        const manifest = await fetchManifest(roundId, controller.signal);
        const bytes = manifest.files.filter((f) => f.name.endsWith('.pb')).reduce((a, f) => a + f.bytes, 0);
        if (bytes > AUTO_FAIRNESS_BYTES && !asked) {
          setState({ kind: 'idle', bytes });
          return;
        }
        const fairness = await computeFairness(roundId, manifest, results.units, controller.signal, ballotType);
        setState({ kind: 'done', fairness });
      } catch (error) {
        if ((error as Error).name === 'AbortError') return;
        setState({ kind: 'unavailable', reason: error instanceof FairnessUnavailable ? error.reason : 'error' });
      }
    })();
    return () => controller.abort();
  }, [roundId, results, asked, ballotType]);
  return { state, ask: () => setAsked(true) };
}

function plainShare(t: (key: string, options?: Record<string, unknown>) => string, w: ReturnType<typeof shareWords>): string {
  return w.kind === 'tens' ? t('results.fairness.plain.tens', { k: w.k }) : t(`results.fairness.plain.${w.kind}`);
}

/** "n/d" or "n" (libs/tally's exact rationals) as a number, for display. */
const rationalNumber = (text: string) => {
  const [n, d = '1'] = text.split('/');
  return Number(n) / Number(d);
};

function FairnessFigure({
  fairness,
  unitId,
  titles,
  currency = '',
}: {
  fairness: ReturnType<typeof useFairness>;
  unitId?: string;
  titles?: ReadonlyMap<string, string>;
  currency?: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const s = fairness.state;
  if (s.kind === 'loading') return <p className="muted">{t('results.fairness.loading')}</p>;
  if (s.kind === 'idle') {
    return (
      <p>
        <button type="button" className="button-secondary" onClick={fairness.ask}>
          {t('results.fairness.compute', { size: f.number(s.bytes / 1_000_000, { maximumFractionDigits: 1 }) })}
        </button>
      </p>
    );
  }
  if (s.kind === 'unavailable') return <p className="muted">{t(`results.fairness.unavailable.${s.reason === 'error' ? 'error' : s.reason}`)}</p>;
  const figures = unitId ? s.fairness.units.find((u) => u.unitId === unitId) : { voters: s.fairness.voters, satisfied: s.fairness.satisfied };
  if (!figures) return null;
  const share = figures.voters ? figures.satisfied / figures.voters : 0;
  return (
    <>
      <Meter
        label={unitId ? t('results.fairness.label') : t('results.fairness.labelRound')}
        value={figures.satisfied}
        max={Math.max(figures.voters, 1)}
        valueText={t('results.fairness.value', { share: f.percent(share), satisfied: f.number(figures.satisfied), voters: f.number(figures.voters) })}
      />
      <p>{plainShare(t, shareWords(figures.satisfied, figures.voters))}</p>
      {'gini' in figures && (
        <p>
          {t('results.fairness.spread', {
            mean: f.number(figures.meanProjects, { maximumFractionDigits: 2 }),
            gini: f.number(figures.gini, { maximumFractionDigits: 2 }),
          })}
        </p>
      )}
      {'ejr' in figures && figures.ejr && figures.ejr.status !== 'not-applicable' && (
        <p>
          {figures.ejr.status === 'violated'
            ? t('results.fairness.ejr.violated', { size: f.number(figures.ejr.groupSize), projects: figures.ejr.projects.map((id) => titles?.get(id) ?? id).join(', '), needed: f.number(figures.ejr.needed) })
            : t(`results.fairness.ejr.${figures.ejr.status}`)}
        </p>
      )}
      {'priceability' in figures && figures.priceability && figures.priceability.status !== 'not-applicable' && (
        <p className="fairness-priceability">
          {figures.priceability.status === 'priceable'
            ? t('results.fairness.priceability.priceable', { amount: f.money(rationalNumber(figures.priceability.voterBudget), currency) })
            : t(`results.fairness.priceability.${figures.priceability.status}`)}
          {figures.priceability.status !== 'too-large' && !figures.priceability.exhaustive && <> {t('results.fairness.priceability.notExhaustive')}</>}
        </p>
      )}
      <p className="muted">{t('results.fairness.source', { size: f.number(s.fairness.checkpointSize) })}</p>
    </>
  );
}

function Results({ roundId, round, results, titles }: { roundId: string; round: Round; results: ResultsView; titles: Map<string, string> }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const fairness = useFairness(roundId, results, round.config.ballot.type);
  const units = results.units;
  const selectedId = units.some((u) => u.unitId === params.get('unit')) ? params.get('unit')! : units[0]?.unitId;
  const unit = units.find((u) => u.unitId === selectedId);
  const select = (id: string) => setParams((p) => {
    const next = new URLSearchParams(p);
    next.set('unit', id);
    return next;
  }, { replace: true });
  const published = round.phase === 'published';
  const publishAt = round.config.schedule.resultsPublishedAt;
  return (
    <>
      <p>
        {t('results.declaredAt', { date: f.dateTime(results.closedAt) })}{' '}
        {!published && (publishAt ? t('results.provisionalUntil', { date: f.date(publishAt) }) : t('results.provisional'))}
      </p>
      <VerificationBadge roundId={roundId} />
      {units.length > 1 && <UnitPicker units={units} selected={selectedId} onSelect={select} />}
      {unit && (
        <div id="unit-panel" role={units.length > 1 ? 'tabpanel' : undefined} aria-labelledby={units.length > 1 ? `tab-${unit.unitId}` : undefined} tabIndex={units.length > 1 ? 0 : undefined}>
          <UnitResults roundId={roundId} unit={unit} currency={results.currency} titles={titles} ballotType={round.config.ballot.type} fairness={fairness} />
        </div>
      )}
      {units.length > 1 && (
        <>
          <section aria-labelledby="round-fairness-h">
            <h2 id="round-fairness-h">{t('results.fairness.roundHeading')}</h2>
            <p>{t('results.fairness.whatRound')}</p>
            <FairnessFigure fairness={fairness} />
          </section>
          <ParticipationView participation={results.participation} headingLevel={2} title={t('results.participation.roundHeading')} />
        </>
      )}
      {results.paperBatches.batches > 0 && (
        <p className="muted">
          {t('results.participation.paperBatches', {
            count: results.paperBatches.batches,
            sheets: f.number(results.paperBatches.sheetsCounted),
            entered: f.number(results.paperBatches.entered),
            refused: f.number(results.paperBatches.refused),
          })}
          {results.paperBatches.overrides > 0 && <> {t('results.participation.overrides', { count: results.paperBatches.overrides })}</>}
        </p>
      )}
    </>
  );
}

/** Units as tabs on wide screens and a select on phones (the same choice, kept in `?unit=`). */
function UnitPicker({ units, selected, onSelect }: { units: readonly UnitResult[]; selected: string | undefined; onSelect: (id: string) => void }) {
  const { t } = useTranslation();
  const selectId = useId();
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent<HTMLButtonElement>, k: number) => {
    const to = e.key === 'ArrowRight' ? k + 1 : e.key === 'ArrowLeft' ? k - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? units.length - 1 : undefined;
    if (to === undefined) return;
    e.preventDefault();
    const next = (to + units.length) % units.length;
    onSelect(units[next].unitId);
    tabs.current[next]?.focus();
  };
  return (
    <>
      <div className="unit-select field">
        <label htmlFor={selectId}>{t('results.unitPicker')}</label>
        <select id={selectId} value={selected} onChange={(e) => onSelect(e.target.value)}>
          {units.map((u) => (
            <option key={u.unitId} value={u.unitId}>
              {u.name}
            </option>
          ))}
        </select>
      </div>
      <div className="unit-tabs" role="tablist" aria-label={t('results.unitPicker')}>
        {units.map((u, k) => (
          <button
            key={u.unitId}
            ref={(el) => {
              tabs.current[k] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${u.unitId}`}
            aria-selected={u.unitId === selected}
            aria-controls="unit-panel"
            tabIndex={u.unitId === selected ? 0 : -1}
            className="unit-tab"
            onClick={() => onSelect(u.unitId)}
            onKeyDown={(e) => onKey(e, k)}
          >
            {u.name}
          </button>
        ))}
      </div>
    </>
  );
}

function UnitResults({
  roundId,
  unit,
  currency,
  titles,
  ballotType,
  fairness,
}: {
  roundId: string;
  unit: UnitResult;
  currency: string;
  titles: Map<string, string>;
  ballotType: Round['config']['ballot']['type'];
  fairness: ReturnType<typeof useFairness>;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const x = unit.explanation;
  const allTitles = new Map(titles);
  for (const w of unit.winners) if (w.title) allTitles.set(w.proposalId, w.title);
  const title = (pid: string) => allTitles.get(pid) ?? pid;
  const supportUnit = ballotType === 'cumulative' || ballotType === 'ranked' ? 'points' : 'votes';
  const support = new Map((x?.projects ?? []).map((p) => [p.id, p]));
  if (!unit.declaredEventId || unit.spent === null) {
    return (
      <section aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>{unit.name}</h2>
        <p className="alert alert-info">{t('results.unitNotDeclared')}</p>
      </section>
    );
  }
  const leftover = unit.budget - unit.spent;
  const chartProjects: ChartProject[] = (x?.projects ?? []).map((p) => ({
    id: p.id,
    title: title(p.id),
    support: Number(p.support),
    cost: Number(p.cost),
    selected: p.selected,
  }));
  return (
    <section aria-labelledby={`${id}-h`} className="unit-results">
      <h2 id={`${id}-h`}>
        {unit.name} <span className="badge">{t(`common.unitKind.${unit.kind}`)}</span>
      </h2>
      <p className="muted">
        {t('results.ruleLine', { rule: t(`results.rule.${unit.rule ?? 'greedy'}`, { defaultValue: unit.rule ?? '' }), ballots: f.number(unit.ballotsCounted) })}
      </p>
      {unit.status === 'tie' && (
        <p className="alert alert-warn" role="note">
          {t('results.tieStatus')}
        </p>
      )}
      <Meter
        label={t('results.spending.label')}
        value={unit.spent}
        max={unit.budget}
        valueText={t('results.spending.value', { spent: f.money(unit.spent, currency), budget: f.money(unit.budget, currency), left: f.money(leftover, currency) })}
      />
      <dl className="facts">
        <dt>{t('results.spending.spent')}</dt>
        <dd>{f.money(unit.spent, currency)}</dd>
        <dt>{t('results.spending.leftover')}</dt>
        <dd>{f.money(leftover, currency)}</dd>
        <dt>{t('results.spending.budget')}</dt>
        <dd>{f.money(unit.budget, currency)}</dd>
      </dl>

      <h3 id={`${id}-w`}>{t('results.winners.heading', { count: unit.winners.length })}</h3>
      {unit.winners.length === 0 ? (
        <p>{t('results.winners.none')}</p>
      ) : (
        <ol className="winners" aria-labelledby={`${id}-w`}>
          {unit.winners.map((w) => (
            <li key={w.proposalId}>
              <Link to={`/rounds/${roundId}/proposals/${w.proposalId}`}>{w.title ?? title(w.proposalId)}</Link>
              <span className="winner-figures">
                <span>{f.money(w.cost, currency)}</span>
                {support.has(w.proposalId) && (
                  <span className="muted">{t(`results.winners.support.${supportUnit}`, { count: Number(support.get(w.proposalId)!.support), n: f.number(Number(support.get(w.proposalId)!.support)) })}</span>
                )}
              </span>
            </li>
          ))}
        </ol>
      )}

      {chartProjects.length > 0 && (
        <>
          <h3>{t('results.chart.heading')}</h3>
          <SupportChart projects={chartProjects} currency={currency} equalShares={isEqualShares(unit.rule) && !x?.comparison?.switchedToGreedy} supportUnit={supportUnit} />
        </>
      )}

      {x && <ExplanationView roundId={roundId} explanation={x} currency={currency} titles={allTitles} supportUnit={supportUnit} headingId={`${id}-x`} />}

      <section aria-labelledby={`${id}-fair`}>
        <h3 id={`${id}-fair`}>{t('results.fairness.heading')}</h3>
        <p>{t('results.fairness.what')}</p>
        <FairnessFigure fairness={fairness} unitId={unit.unitId} titles={allTitles} currency={currency} />
      </section>

      <ParticipationView participation={unit.participation} title={t('results.participation.unitHeading', { unit: unit.name })} />

      <details className="digest">
        <summary>{t('results.digest.summary')}</summary>
        <dl className="facts">
          <dt>{t('results.digest.input')}</dt>
          <dd>
            <code>{unit.inputDigest}</code>
          </dd>
          <dt>{t('results.digest.event')}</dt>
          <dd>
            <code>{unit.declaredEventId}</code>
          </dd>
          <dt>{t('results.digest.tieBreaking')}</dt>
          <dd>
            {unit.tieBreaking && unit.tieBreaking !== 'support-then-lower-cost-then-input-order'
              ? unit.tieBreaking.split('-then-').map((c) => t(`results.digest.tieBreak.${c}`, { seed: unit.options?.lotterySeed ?? '' })).join(t('results.digest.then'))
              : t('results.digest.tieBreakingRule')}
          </dd>
        </dl>
      </details>
    </section>
  );
}
