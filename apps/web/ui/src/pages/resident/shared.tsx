/**
 * Pieces the resident pages share: loading a round, phase and status badges, the calls to action of a phase,
 * the breadcrumb, and the few rules about rounds the pages need (total budget, the next scheduled change).
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { PHASES, type Phase, type Proposal, type ProposalStatus, type Round } from '../../api/types';
import { ErrorMessage, Loading, useAsync, type AsyncState } from '../../ui/async';
import { PageTitle } from '../../ui/PageTitle';
import type { Role } from '../../session/session';
import './resident.css';

/** As libs/contracts SCHEDULED_PHASES (a value import of contracts would pull class-validator into the page). */
export const SCHEDULED_PHASES = [
  { key: 'submissionOpensAt', phase: 'submission' },
  { key: 'supportOpensAt', phase: 'support' },
  { key: 'reviewStartsAt', phase: 'review' },
  { key: 'votingOpensAt', phase: 'voting' },
  { key: 'votingClosesAt', phase: 'closed' },
  { key: 'resultsPublishedAt', phase: 'published' },
] as const satisfies readonly { key: keyof Round['config']['schedule']; phase: Phase }[];

export function scheduledAt(round: Round, phase: Phase): string | undefined {
  const entry = SCHEDULED_PHASES.find((s) => s.phase === phase);
  return entry ? round.config.schedule[entry.key] : undefined;
}

/** The phase the round's next scheduled change moves it to (the server computes only when). */
export function nextScheduledPhase(round: Round): Phase | undefined {
  if (!round.nextScheduledAt) return undefined;
  const from = PHASES.indexOf(round.phase);
  return SCHEDULED_PHASES.find((s) => PHASES.indexOf(s.phase) > from && round.config.schedule[s.key] === round.nextScheduledAt)?.phase;
}

export function totalBudget(round: Round): number {
  return round.config.units.reduce((sum, u) => sum + u.budget, 0);
}

export function unitOf(round: Round, unitId: string) {
  return round.config.units.find((u) => u.id === unitId);
}

/** The cost a resident should see: the reviewed cost once accepted, else the author's estimate. */
export function proposalCost(p: Proposal): { amount: number; reviewed: boolean } {
  return p.status === 'accepted' && p.cost !== null ? { amount: p.cost, reviewed: true } : { amount: p.estimatedCost, reviewed: false };
}

export function useRound(roundId: string | undefined) {
  return useAsync((signal) => api.proposals.get<Round>(`/rounds/${roundId}`, { signal }), [roundId]);
}

export function PhaseBadge({ phase }: { phase: Phase }) {
  const { t } = useTranslation();
  const tone = phase === 'voting' || phase === 'submission' ? ' badge-ok' : '';
  return <span className={`badge${tone}`}>{t(`common.phase.${phase}`)}</span>;
}

export function StatusBadge({ status }: { status: ProposalStatus }) {
  const { t } = useTranslation();
  const tone = status === 'accepted' ? ' badge-ok' : status === 'rejected' ? ' badge-danger' : '';
  return <span className={`badge${tone}`}>{t(`common.proposalStatus.${status}`)}</span>;
}

export interface RoundAction {
  readonly key: 'propose' | 'proposals' | 'vote' | 'ballot' | 'results' | 'audit';
  readonly to: string;
  readonly primary: boolean;
}

/**
 * What a resident can do in a round now. Proposing is offered to residents and to visitors who are not
 * signed in (the form explains how to sign in); staff and admins propose nothing.
 */
export function roundActions(round: Round, hasRole: (...roles: Role[]) => boolean, signedIn: boolean): RoundAction[] {
  const base = `/rounds/${round.roundId}`;
  const canPropose = !signedIn || hasRole('resident');
  switch (round.phase) {
    case 'draft':
      return [{ key: 'proposals', to: `${base}/proposals`, primary: false }];
    case 'submission':
      return [
        ...(canPropose ? [{ key: 'propose', to: `${base}/proposals/new`, primary: true } as const] : []),
        { key: 'proposals', to: `${base}/proposals`, primary: !canPropose },
      ];
    case 'support':
    case 'review':
      return [{ key: 'proposals', to: `${base}/proposals`, primary: true }];
    case 'voting':
      return [
        { key: 'vote', to: `${base}/vote`, primary: true },
        { key: 'ballot', to: `${base}/ballot`, primary: false },
        { key: 'proposals', to: `${base}/proposals`, primary: false },
      ];
    case 'closed':
    case 'published':
      return [
        { key: 'results', to: `${base}/results`, primary: true },
        { key: 'audit', to: `${base}/audit`, primary: false },
        { key: 'proposals', to: `${base}/proposals`, primary: false },
      ];
  }
}

/** The calls to action as links; `roundName` goes into each link's accessible name when several rounds share a page. */
export function RoundActions({ actions, roundName }: { actions: readonly RoundAction[]; roundName?: string }) {
  const { t } = useTranslation();
  return (
    <ul className="res-actions" aria-label={t('resident.actions.label')}>
      {actions.map((a) => (
        <li key={a.key}>
          <Link className={a.primary ? 'button' : 'button button-secondary'} to={a.to}>
            {t(`resident.actions.${a.key}`)}
            {roundName && <span className="visually-hidden">{t('resident.inRound', { name: roundName })}</span>}
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** Where the page sits: Rounds › round › … (the last crumb is the current page, not a link). */
export function Breadcrumb({ items }: { items: readonly { label: ReactNode; to?: string }[] }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t('resident.breadcrumb')} className="res-breadcrumb">
      <ol>
        <li>
          <Link to="/">{t('resident.breadcrumbRounds')}</Link>
        </li>
        {items.map((item, i) =>
          item.to ? (
            <li key={i}>
              <Link to={item.to}>{item.label}</Link>
            </li>
          ) : (
            <li key={i} aria-current="page">
              {item.label}
            </li>
          ),
        )}
      </ol>
    </nav>
  );
}

/** `/signin?next=<this page>`: the sign-in page comes back here. */
export function signInHref(path: string): string {
  return `/signin?next=${encodeURIComponent(path)}`;
}

/** An amount typed the way the input expects it in this language: "1234.50" (en) or "1234,50" (pl), no grouping. */
export function majorText(minor: number, digits: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }).format(minor / 10 ** digits);
}

/**
 * As ui/async's Async, for a page whose h1 comes from the data: while loading or after a failure the page
 * still has its heading (the error's title), so it is never a page without an h1.
 */
export function PageAsync<T>({ state, children }: { state: AsyncState<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (state.data !== undefined) {
    return (
      <>
        {state.error ? <ErrorMessage error={state.error} onRetry={state.reload} /> : null}
        {children(state.data)}
      </>
    );
  }
  if (state.error) {
    return (
      <>
        <PageTitle>{t('common.errors.title')}</PageTitle>
        <ErrorMessage error={state.error} onRetry={state.reload} />
        <p>
          <Link to="/">{t('common.notFound.home')}</Link>
        </p>
      </>
    );
  }
  return <Loading />;
}
