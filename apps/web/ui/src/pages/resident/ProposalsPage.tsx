import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { PROPOSAL_STATUSES, type Page, type Proposal, type Round } from '../../api/types';
import { ErrorMessage, useAsync } from '../../ui/async';
import { fieldA11y, FieldError } from '../../ui/fields';
import { minorDigitsOf, parseMajor, useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { useSession } from '../../session/session';
import { Breadcrumb, majorText, PageAsync, proposalCost, signInHref, StatusBadge, unitOf, useRound } from './shared';

const PAGE_SIZE = 20;
/** The query keys of this page: the API's own names (costs in minor units), so a link is the API query. */
const KEYS = ['q', 'unitId', 'status', 'minCost', 'maxCost'] as const;
type FilterKey = (typeof KEYS)[number];
type Filters = Record<FilterKey, string>;

const EXCERPT = 220;
function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT - 1).trimEnd()}…` : flat;
}

/**
 * Browse and search a round's proposals: text, district or category, status and cost range, paged. The
 * filters live in the URL query (shareable; the back button returns to the previous filters), and the
 * number of results is announced when it changes.
 */
export default function ProposalsPage() {
  const { roundId } = useParams();
  const state = useRound(roundId);
  return <PageAsync state={state}>{(round) => <ProposalsView round={round} />}</PageAsync>;
}

function ProposalsView({ round }: { round: Round }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { session, hasRole } = useSession();
  const [params, setParams] = useSearchParams();
  const currency = round.config.currency;
  const digits = minorDigitsOf(currency);
  const offset = Math.max(0, Math.floor(Number(params.get('offset')) || 0));
  const query = Object.fromEntries(KEYS.map((k) => [k, params.get(k) ?? ''])) as Filters;
  const queryKey = KEYS.map((k) => query[k]).join('\u0000') + `\u0000${offset}`;

  const list = useAsync(
    (signal) =>
      api.proposals.get<Page<Proposal>>(`/rounds/${round.roundId}/proposals`, {
        query: { ...query, limit: PAGE_SIZE, offset },
        signal,
      }),
    [round.roundId, queryKey],
  );

  // The form shows what the URL says (also after back/forward); costs are typed in currency units.
  const fromQuery = (): Filters => ({
    ...query,
    minCost: /^\d+$/.test(query.minCost) ? majorText(Number(query.minCost), digits, format.locale) : query.minCost,
    maxCost: /^\d+$/.test(query.maxCost) ? majorText(Number(query.maxCost), digits, format.locale) : query.maxCost,
  });
  const [form, setForm] = useState<Filters>(fromQuery);
  const [local, setLocal] = useState<Record<string, string[]>>({});
  useEffect(() => {
    setForm(fromQuery());
    setLocal({});
    // eslint-disable-next-line react-hooks/exhaustive-deps -- re-read only when the URL changes
  }, [queryKey, format.locale]);

  const example = majorText(1234_50 * 10 ** Math.max(0, digits - 2), digits, format.locale);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const errors: Record<string, string[]> = {};
    const next = new URLSearchParams();
    for (const key of KEYS) {
      const value = form[key].trim();
      if (!value) continue;
      if (key === 'minCost' || key === 'maxCost') {
        const minor = parseMajor(value, currency);
        if (minor === undefined || !Number.isSafeInteger(minor)) errors[key] = [t('resident.list.costInvalid', { currency, example })];
        else next.set(key, String(minor));
      } else next.set(key, value);
    }
    setLocal(errors);
    if (Object.keys(errors).length) {
      document.getElementById(Object.keys(errors)[0]!)?.focus();
      return;
    }
    setParams(next);
  };
  const clear = () => {
    setLocal({});
    setParams(new URLSearchParams());
  };
  const pageHref = (at: number) => {
    const next = new URLSearchParams(params);
    if (at > 0) next.set('offset', String(at));
    else next.delete('offset');
    return `?${next.toString()}`;
  };

  const canPropose = round.phase === 'submission';
  const newHref = `/rounds/${round.roundId}/proposals/new`;
  const set = (key: FilterKey) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const data = list.data;
  const filtered = KEYS.some((k) => query[k]);

  return (
    <>
      <Breadcrumb items={[{ label: round.config.name, to: `/rounds/${round.roundId}` }, { label: t('resident.proposalsOf') }]} />
      <PageTitle title={t('resident.list.title', { name: round.config.name })}>{t('resident.list.title', { name: round.config.name })}</PageTitle>
      {canPropose && session && hasRole('resident') && (
        <p>
          <Link className="button" to={newHref}>
            {t('resident.actions.propose')}
          </Link>
        </p>
      )}
      {canPropose && !session && (
        <p>
          <Link className="button button-secondary" to={signInHref(newHref)}>
            {t('resident.signInToPropose')}
          </Link>
        </p>
      )}

      <section aria-labelledby="filters-heading">
        <h2 id="filters-heading">{t('resident.list.filters')}</h2>
        <form className="res-filters" role="search" aria-labelledby="filters-heading" onSubmit={apply} noValidate>
          <div className="res-filter-grid">
            <div className="field">
              <label htmlFor="q">{t('resident.list.q')}</label>
              <input id="q" type="search" value={form.q} onChange={set('q')} aria-describedby="q-hint" maxLength={200} />
              <p className="hint" id="q-hint">
                {t('resident.list.qHint')}
              </p>
            </div>
            <div className="field">
              <label htmlFor="unitId">{t('resident.list.unit')}</label>
              <select id="unitId" value={form.unitId} onChange={set('unitId')}>
                <option value="">{t('resident.list.allUnits')}</option>
                {round.config.units.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="status">{t('resident.list.status')}</label>
              <select id="status" value={form.status} onChange={set('status')}>
                <option value="">{t('resident.list.allStatuses')}</option>
                {PROPOSAL_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`common.proposalStatus.${s}`)}
                  </option>
                ))}
              </select>
            </div>
            {(['minCost', 'maxCost'] as const).map((key) => (
              <div className="field" key={key}>
                <label htmlFor={key}>{t(`resident.list.${key}`, { currency })}</label>
                <input id={key} inputMode="decimal" autoComplete="off" value={form[key]} onChange={set(key)} {...fieldA11y(undefined, key, `${key}-error`, local)} />
                <FieldError id={`${key}-error`} error={undefined} field={key} local={local} />
              </div>
            ))}
          </div>
          <div className="actions">
            <button type="submit">{t('resident.list.apply')}</button>
            {filtered && (
              <button type="button" className="button-secondary" onClick={clear}>
                {t('resident.list.clear')}
              </button>
            )}
          </div>
        </form>
      </section>

      <section aria-labelledby="results-heading">
        <h2 id="results-heading">{t('resident.list.results')}</h2>
        <p className="res-count" role="status" aria-live="polite" aria-atomic="true">
          {data && !list.loading ? t('resident.list.count', { count: data.total }) : list.loading ? t('common.loading') : ''}
        </p>
        {list.error ? <ErrorMessage error={list.error} onRetry={list.reload} /> : null}
        {data && data.items.length === 0 && !list.loading && <p>{t('resident.list.none')}</p>}
        {data && data.items.length > 0 && (
          <>
            <ul className="res-results" aria-busy={list.loading || undefined}>
              {data.items.map((p) => {
                const cost = proposalCost(p);
                return (
                  <li key={p.proposalId} className="card">
                    <h3>
                      <Link to={`/rounds/${round.roundId}/proposals/${p.proposalId}`}>{p.title}</Link>
                    </h3>
                    <p className="res-meta">
                      <StatusBadge status={p.status} />
                      <span>{unitOf(round, p.unitId)?.name ?? p.unitId}</span>
                      <span>
                        {cost.reviewed ? t('resident.list.reviewedCost') : t('resident.list.estimatedCost')}:{' '}
                        <strong className="res-amount">{format.money(cost.amount, currency)}</strong>
                      </span>
                      {session && p.mine && <span className="badge">{t('resident.list.mine')}</span>}
                    </p>
                    {p.description && <p className="res-excerpt">{excerpt(p.description)}</p>}
                  </li>
                );
              })}
            </ul>
            <nav className="res-pager" aria-label={t('resident.list.pages')}>
              <p className="muted">
                {t('resident.list.range', { from: offset + 1, to: offset + data.items.length, total: data.total })}
              </p>
              <ul>
                {offset > 0 && (
                  <li>
                    <Link className="button button-secondary" to={pageHref(Math.max(0, offset - PAGE_SIZE))}>
                      {t('resident.list.previous')}
                    </Link>
                  </li>
                )}
                {offset + data.items.length < data.total && (
                  <li>
                    <Link className="button button-secondary" to={pageHref(offset + data.items.length)}>
                      {t('resident.list.next')}
                    </Link>
                  </li>
                )}
              </ul>
            </nav>
          </>
        )}
      </section>
    </>
  );
}
