import { useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Page, Proposal, ProposalStatus, Round } from '../../api/types';
import { PROPOSAL_STATUSES } from '../../api/types';
import { useSession } from '../../session/session';
import { Async, useAsync, useErrorText } from '../../ui/async';
import { parseMajor, useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { fieldErrorMap, majorText, RequireRole, RoundNav, Status, useRound } from './shared';
import type { ProposalCommandResult } from './types';

const PAGE_SIZE = 50;

/** Staff's queue: proposals awaiting a decision first, each with its review panel (notes, accept, reject, merge). */
export default function ReviewQueuePage() {
  return (
    <RequireRole roles={['staff', 'admin']}>
      <ReviewQueue />
    </RequireRole>
  );
}

function ReviewQueue() {
  const { roundId = '' } = useParams();
  const { t } = useTranslation();
  const round = useRound(roundId);
  return (
    <>
      <RoundNav roundId={roundId} />
      <Async state={round}>
        {({ round: r }) => (
          <>
            <PageTitle>{t('admin.review.title', { name: r.config.name })}</PageTitle>
            <Queue round={r} />
          </>
        )}
      </Async>
    </>
  );
}

function Queue({ round }: { round: Round }) {
  const { t } = useTranslation();
  const { hasRole } = useSession();
  const [unitId, setUnitId] = useState('');
  const [status, setStatus] = useState<ProposalStatus | ''>('submitted');
  const [limit, setLimit] = useState(PAGE_SIZE);
  const [done, setDone] = useState<string>();
  const list = useAsync(
    (signal) =>
      api.proposals.get<Page<Proposal>>(`/rounds/${round.roundId}/proposals`, {
        query: { unitId: unitId || undefined, status: status || undefined, limit: Math.min(limit, 200) },
        signal,
      }),
    [round.roundId, unitId, status, limit],
  );
  // Merge sources must be open: every submitted proposal of the round, whatever the filter shows.
  const open = useAsync(
    (signal) => api.proposals.get<Page<Proposal>>(`/rounds/${round.roundId}/proposals`, { query: { status: 'submitted', limit: 200 }, signal }),
    [round.roundId],
  );
  const canDecide = hasRole('staff');
  const decidable = round.phase === 'submission' || round.phase === 'review';

  const changed = (message: string) => {
    setDone(message);
    list.reload();
    open.reload();
  };

  return (
    <>
      <p>{t('admin.review.intro')}</p>
      {!canDecide && <p className="alert alert-info">{t('admin.review.staffOnly')}</p>}
      {canDecide && !decidable && <p className="alert alert-warn">{t('admin.review.notNow', { phase: t(`common.phase.${round.phase}`) })}</p>}
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={t('admin.review.filters')}>
        <div className="field">
          <label htmlFor="filter-unit">{t('admin.review.unit')}</label>
          <select id="filter-unit" value={unitId} onChange={(e) => setUnitId(e.target.value)}>
            <option value="">{t('admin.review.allUnits')}</option>
            {round.config.units.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-status">{t('admin.review.status')}</label>
          <select id="filter-status" value={status} onChange={(e) => setStatus(e.target.value as ProposalStatus | '')}>
            <option value="">{t('admin.review.allStatuses')}</option>
            {PROPOSAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`common.proposalStatus.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </form>
      <Status>{done}</Status>
      <Async state={list}>
        {(page) => {
          // Proposals awaiting a decision first, then the rest, each group in submission order.
          const items = [...page.items].sort((a, b) => Number(b.status === 'submitted') - Number(a.status === 'submitted'));
          return (
            <>
              <p aria-live="polite">{t('admin.review.count', { count: page.total, shown: items.length })}</p>
              {items.length === 0 ? (
                <p className="alert alert-info">{t('admin.review.empty')}</p>
              ) : (
                <ul className="review-list">
                  {items.map((p) => (
                    <li key={p.proposalId}>
                      <ProposalCard
                        round={round}
                        proposal={p}
                        openProposals={open.data?.items ?? []}
                        canDecide={canDecide}
                        onChanged={changed}
                      />
                    </li>
                  ))}
                </ul>
              )}
              {page.total > items.length && limit < 200 && (
                <button type="button" className="button-secondary" onClick={() => setLimit((l) => l + PAGE_SIZE)}>
                  {t('admin.review.more')}
                </button>
              )}
            </>
          );
        }}
      </Async>
    </>
  );
}

function ProposalCard({
  round,
  proposal: p,
  openProposals,
  canDecide,
  onChanged,
}: {
  round: Round;
  proposal: Proposal;
  openProposals: readonly Proposal[];
  canDecide: boolean;
  onChanged: (message: string) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const unit = round.config.units.find((u) => u.id === p.unitId);
  const headingId = `p-${p.proposalId}-title`;
  const isOpen = p.status === 'submitted';
  const mergeable = isOpen || p.status === 'accepted';
  return (
    <article className="card review-item" aria-labelledby={headingId}>
      <h2 id={headingId} className="review-title">
        <Link to={`/rounds/${round.roundId}/proposals/${p.proposalId}`}>{p.title}</Link>
      </h2>
      <p>
        <span className={`badge${p.status === 'accepted' ? ' badge-ok' : p.status === 'rejected' ? ' badge-danger' : ''}`}>{t(`common.proposalStatus.${p.status}`)}</span>{' '}
        <span className="muted">{unit?.name ?? p.unitId}</span>
      </p>
      <dl className="facts">
        <dt>{t('admin.review.estimate')}</dt>
        <dd>{f.money(p.estimatedCost, round.config.currency)}</dd>
        {p.cost !== null && (
          <>
            <dt>{t('admin.review.cost')}</dt>
            <dd>{f.money(p.cost, round.config.currency)}</dd>
          </>
        )}
        <dt>{t('admin.review.author')}</dt>
        <dd>
          <code>{p.authorPseudonym.slice(0, 12)}</code>
        </dd>
        <dt>{t('admin.review.submitted')}</dt>
        <dd>{f.dateTime(p.submittedAt)}</dd>
        {p.location && (
          <>
            <dt>{t('admin.review.location')}</dt>
            <dd>{p.location}</dd>
          </>
        )}
        {p.decisionReason && (
          <>
            <dt>{t('admin.review.reason')}</dt>
            <dd>{p.decisionReason}</dd>
          </>
        )}
        {p.mergedInto && (
          <>
            <dt>{t('admin.review.mergedInto')}</dt>
            <dd>
              <Link to={`/rounds/${round.roundId}/proposals/${p.mergedInto}`}>{t('admin.review.seeTarget')}</Link>
            </dd>
          </>
        )}
        {p.mergedFrom.length > 0 && (
          <>
            <dt>{t('admin.review.mergedFrom')}</dt>
            <dd>{t('admin.review.mergedFromCount', { count: p.mergedFrom.length })}</dd>
          </>
        )}
      </dl>
      <details className="description">
        <summary>{t('admin.review.description')}</summary>
        <p className="pre-wrap">{p.description || t('common.none')}</p>
      </details>
      {p.reviews.length > 0 && (
        <>
          <h3>{t('admin.review.reviews', { count: p.reviews.length })}</h3>
          <ul className="reviews">
            {p.reviews.map((r, i) => (
              <li key={i}>
                <p className="pre-wrap">{r.feasibilityNotes}</p>
                <p className="muted">
                  {r.costEstimate !== null && <>{t('admin.review.reviewEstimate', { amount: f.money(r.costEstimate, round.config.currency) })} · </>}
                  {r.reviewerId} · {f.dateTime(r.reviewedAt)}
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
      {canDecide && mergeable && (
        <details className="review-panel">
          <summary>{t('admin.review.panel', { title: p.title })}</summary>
          {isOpen && <ReviewForm round={round} proposal={p} onDone={onChanged} />}
          {isOpen && <AcceptForm round={round} proposal={p} onDone={onChanged} />}
          {isOpen && <RejectForm round={round} proposal={p} onDone={onChanged} />}
          <MergeForm round={round} proposal={p} candidates={openProposals.filter((o) => o.unitId === p.unitId && o.proposalId !== p.proposalId)} onDone={onChanged} />
        </details>
      )}
    </article>
  );
}

/** Field messages of a proposal command: the API's 400 messages plus the page's own (amount not readable). */
function useCommand() {
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  // The API's 400 field messages and a 409 refusal's field (e.g. over-budget at `cost`).
  const server = useMemo(() => fieldErrorMap(error), [error]);
  const messages = (field: string) => [...(local[field] ?? []), ...(server[field] ?? [])];
  async function run(check: Record<string, string[]>, action: () => Promise<void>) {
    setLocal(check);
    if (Object.keys(check).length > 0) {
      setError(undefined);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, messages, run };
}

function Problem({ error }: { error: unknown }) {
  const text = useErrorText();
  if (!error) return null;
  return (
    <p className="alert alert-error" role="alert">
      {text(error)}
    </p>
  );
}

function Input({ id, label, hint, messages, ...rest }: { id: string; label: string; hint?: string; messages: string[] } & React.InputHTMLAttributes<HTMLInputElement>) {
  const describedBy = [messages.length ? `${id}-error` : undefined, hint ? `${id}-hint` : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={messages.length > 0 || undefined} aria-describedby={describedBy} {...rest} />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {messages.length > 0 && (
        <p className="field-error" id={`${id}-error`}>
          {messages.join(' ')}
        </p>
      )}
    </div>
  );
}

function TextArea({ id, label, hint, messages, ...rest }: { id: string; label: string; hint?: string; messages: string[] } & React.TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const describedBy = [messages.length ? `${id}-error` : undefined, hint ? `${id}-hint` : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <textarea id={id} aria-invalid={messages.length > 0 || undefined} aria-describedby={describedBy} {...rest} />
      {messages.length > 0 && (
        <p className="field-error" id={`${id}-error`}>
          {messages.join(' ')}
        </p>
      )}
    </div>
  );
}

/** An amount typed in currency units: minor units, or a message for `field`. */
function amount(text: string, currency: string, field: string, required: boolean, t: (k: string, o?: Record<string, unknown>) => string, into: Record<string, string[]>): number | undefined {
  if (!text.trim()) {
    if (required) into[field] = [t('admin.form.amountRequired', { currency })];
    return undefined;
  }
  const minor = parseMajor(text, currency);
  if (minor === undefined) into[field] = [t('admin.form.amountInvalid', { currency, example: '150000.50' })];
  return minor;
}

const latestEstimate = (p: Proposal) => [...p.reviews].reverse().find((r) => r.costEstimate !== null)?.costEstimate ?? p.estimatedCost;

function ReviewForm({ round, proposal: p, onDone }: { round: Round; proposal: Proposal; onDone: (m: string) => void }) {
  const { t } = useTranslation();
  const [notes, setNotes] = useState('');
  const [estimate, setEstimate] = useState('');
  const cmd = useCommand();
  const id = `rv-${p.proposalId}`;
  const currency = round.config.currency;
  function submit(e: FormEvent) {
    e.preventDefault();
    const local: Record<string, string[]> = {};
    const costEstimate = amount(estimate, currency, 'costEstimate', false, t, local);
    void cmd.run(local, async () => {
      await api.proposals.post<ProposalCommandResult>(
        `/rounds/${round.roundId}/proposals/${p.proposalId}/reviews`,
        { feasibilityNotes: notes, ...(costEstimate !== undefined ? { costEstimate } : {}) },
        { ifMatch: `"${p.version}"` },
      );
      setNotes('');
      setEstimate('');
      onDone(t('admin.review.reviewed', { title: p.title }));
    });
  }
  return (
    <form onSubmit={submit} className="panel-form" aria-labelledby={`${id}-h`} noValidate>
      <h3 id={`${id}-h`}>{t('admin.review.reviewHeading')}</h3>
      <TextArea id={`${id}-notes`} label={t('admin.review.notes')} value={notes} onChange={(e) => setNotes(e.target.value)} messages={cmd.messages('feasibilityNotes')} rows={3} />
      <Input
        id={`${id}-estimate`}
        label={t('admin.review.costEstimate', { currency })}
        hint={t('admin.review.optionalAmount')}
        value={estimate}
        onChange={(e) => setEstimate(e.target.value)}
        inputMode="decimal"
        autoComplete="off"
        messages={cmd.messages('costEstimate')}
      />
      <Problem error={cmd.error} />
      <button type="submit" disabled={cmd.busy}>
        {t('admin.review.saveReview')}
      </button>
    </form>
  );
}

function AcceptForm({ round, proposal: p, onDone }: { round: Round; proposal: Proposal; onDone: (m: string) => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const currency = round.config.currency;
  // The cost shown is the latest estimate (it follows a review that brings a new one) until the staff member types
  // their own: a refresh (after a review, a merge) never overwrites what they typed.
  const [typedCost, setTypedCost] = useState<string>();
  const cost = typedCost ?? majorText(latestEstimate(p), currency);
  const [reason, setReason] = useState('');
  const cmd = useCommand();
  const id = `ac-${p.proposalId}`;
  const budget = round.config.units.find((u) => u.id === p.unitId)?.budget;
  function submit(e: FormEvent) {
    e.preventDefault();
    const local: Record<string, string[]> = {};
    const minor = amount(cost, currency, 'cost', true, t, local);
    void cmd.run(local, async () => {
      await api.proposals.post<ProposalCommandResult>(`/rounds/${round.roundId}/proposals/${p.proposalId}/accept`, { cost: minor, reason }, { ifMatch: `"${p.version}"` });
      onDone(t('admin.review.accepted', { title: p.title }));
    });
  }
  return (
    <form onSubmit={submit} className="panel-form" aria-labelledby={`${id}-h`} noValidate>
      <h3 id={`${id}-h`}>{t('admin.review.acceptHeading')}</h3>
      <Input
        id={`${id}-cost`}
        label={t('admin.review.acceptCost', { currency })}
        hint={budget !== undefined ? t('admin.review.acceptCostHint', { budget: f.money(budget, currency) }) : undefined}
        value={cost}
        onChange={(e) => setTypedCost(e.target.value)}
        inputMode="decimal"
        autoComplete="off"
        messages={cmd.messages('cost')}
      />
      <TextArea id={`${id}-reason`} label={t('admin.review.publicReason')} hint={t('admin.review.publicReasonHint')} value={reason} onChange={(e) => setReason(e.target.value)} messages={cmd.messages('reason')} rows={2} />
      <Problem error={cmd.error} />
      <button type="submit" disabled={cmd.busy}>
        {t('admin.review.accept')}
      </button>
    </form>
  );
}

function RejectForm({ round, proposal: p, onDone }: { round: Round; proposal: Proposal; onDone: (m: string) => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const cmd = useCommand();
  const id = `rj-${p.proposalId}`;
  function submit(e: FormEvent) {
    e.preventDefault();
    void cmd.run({}, async () => {
      await api.proposals.post<ProposalCommandResult>(`/rounds/${round.roundId}/proposals/${p.proposalId}/reject`, { reason }, { ifMatch: `"${p.version}"` });
      onDone(t('admin.review.rejected', { title: p.title }));
    });
  }
  return (
    <form onSubmit={submit} className="panel-form" aria-labelledby={`${id}-h`} noValidate>
      <h3 id={`${id}-h`}>{t('admin.review.rejectHeading')}</h3>
      <TextArea id={`${id}-reason`} label={t('admin.review.publicReason')} hint={t('admin.review.rejectReasonHint')} value={reason} onChange={(e) => setReason(e.target.value)} messages={cmd.messages('reason')} rows={2} />
      <Problem error={cmd.error} />
      <button type="submit" className="button-danger" disabled={cmd.busy}>
        {t('admin.review.reject')}
      </button>
    </form>
  );
}

function MergeForm({ round, proposal: p, candidates, onDone }: { round: Round; proposal: Proposal; candidates: readonly Proposal[]; onDone: (m: string) => void }) {
  const { t } = useTranslation();
  const [sources, setSources] = useState<string[]>([]);
  const cmd = useCommand();
  const id = `mg-${p.proposalId}`;
  const chosen = useMemo(() => sources.filter((s) => candidates.some((c) => c.proposalId === s)), [sources, candidates]);
  function submit(e: FormEvent) {
    e.preventDefault();
    void cmd.run({}, async () => {
      await api.proposals.post<ProposalCommandResult>(`/rounds/${round.roundId}/proposals/${p.proposalId}/merge`, { sources: chosen });
      setSources([]);
      onDone(t('admin.review.merged', { count: chosen.length, title: p.title }));
    });
  }
  const messages = cmd.messages('sources');
  return (
    <form onSubmit={submit} className="panel-form" aria-labelledby={`${id}-h`} noValidate>
      <h3 id={`${id}-h`}>{t('admin.review.mergeHeading')}</h3>
      {candidates.length === 0 ? (
        <p className="muted">{t('admin.review.noDuplicates')}</p>
      ) : (
        <fieldset aria-describedby={messages.length ? `${id}-error` : `${id}-hint`}>
          <legend>{t('admin.review.mergeLegend', { title: p.title })}</legend>
          <p className="hint" id={`${id}-hint`}>
            {t('admin.review.mergeHint')}
          </p>
          <ul className="check-list">
            {candidates.map((c) => (
              <li key={c.proposalId}>
                <label>
                  <input
                    type="checkbox"
                    checked={sources.includes(c.proposalId)}
                    onChange={(e) => setSources((s) => (e.target.checked ? [...s, c.proposalId] : s.filter((x) => x !== c.proposalId)))}
                  />{' '}
                  {c.title}
                </label>
              </li>
            ))}
          </ul>
          {messages.length > 0 && (
            <p className="field-error" id={`${id}-error`}>
              {messages.join(' ')}
            </p>
          )}
        </fieldset>
      )}
      <Problem error={cmd.error} />
      {candidates.length > 0 && (
        <button type="submit" className="button-secondary" disabled={cmd.busy || chosen.length === 0}>
          {t('admin.review.merge', { count: chosen.length })}
        </button>
      )}
    </form>
  );
}
