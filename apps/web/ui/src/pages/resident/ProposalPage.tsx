import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { HistoryEntry, ProposalDetail, Round } from '../../api/types';
import { ErrorMessage, useAsync } from '../../ui/async';
import { fieldA11y, FieldError } from '../../ui/fields';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { useSession } from '../../session/session';
import { FollowButton } from '../../ui/FollowButton';
import { Comments } from './Comments';
import { Breadcrumb, PageAsync, StatusBadge, unitOf } from './shared';

/** What the form or a command tells the proposal page to say once it is shown (router state). */
export interface ProposalNotice {
  readonly notice?: 'submitted' | 'saved' | 'withdrawn';
}

/**
 * One proposal: what it is and costs, the staff's public review and decision, merge links and its full
 * history. Its author may edit or withdraw it (after confirming) while the round takes proposals.
 */
export default function ProposalPage() {
  const { roundId, proposalId } = useParams();
  const state = useAsync(async (signal) => {
    const [round, proposal] = await Promise.all([
      api.proposals.get<Round>(`/rounds/${roundId}`, { signal }),
      api.proposals.request<ProposalDetail>('GET', `/rounds/${roundId}/proposals/${proposalId}`, { signal }),
    ]);
    return { round, proposal: proposal.data, etag: proposal.etag };
  }, [roundId, proposalId]);
  return <PageAsync state={state}>{({ round, proposal, etag }) => <ProposalView round={round} proposal={proposal} etag={etag} reload={state.reload} />}</PageAsync>;
}

function ProposalView({ round, proposal: p, etag, reload }: { round: Round; proposal: ProposalDetail; etag?: string; reload: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { session } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const notice = (location.state as ProposalNotice | null)?.notice;
  const currency = round.config.currency;
  const unit = unitOf(round, p.unitId);
  const base = `/rounds/${round.roundId}`;
  const mine = !!session && p.mine;
  const canChange = mine && round.phase === 'submission' && p.status === 'submitted';
  const decisionReason = p.decisionReason && (p.status === 'accepted' || p.status === 'rejected' || p.status === 'withdrawn') ? p.status : undefined;

  return (
    <>
      <Breadcrumb
        items={[
          { label: round.config.name, to: base },
          { label: t('resident.proposalsOf'), to: `${base}/proposals` },
          { label: p.title },
        ]}
      />
      <PageTitle>{p.title}</PageTitle>
      {notice && (
        <div className="alert alert-ok" role="status">
          <p>{t(`resident.proposal.${notice}`)}</p>
        </div>
      )}
      <p className="res-meta">
        <StatusBadge status={p.status} />
        <span>{unit?.name ?? p.unitId}</span>
      </p>
      {!mine && <FollowButton roundId={round.roundId} proposalId={p.proposalId} />}

      {mine && canChange && (
        <AuthorActions
          proposal={p}
          etag={etag}
          editHref={`${base}/proposals/${p.proposalId}/edit`}
          onWithdrawn={() => {
            navigate('.', { replace: true, state: { notice: 'withdrawn' } satisfies ProposalNotice });
            reload();
          }}
        />
      )}

      <dl className="facts">
        <dt>{t('resident.proposal.unit')}</dt>
        <dd>
          {unit ? `${unit.name} (${t(`common.unitKind.${unit.kind}`)})` : p.unitId}
        </dd>
        <dt>{t('resident.proposal.status')}</dt>
        <dd>{t(`common.proposalStatus.${p.status}`)}</dd>
        <dt>{t('resident.proposal.estimatedCost')}</dt>
        <dd className="res-amount">{format.money(p.estimatedCost, currency)}</dd>
        {p.cost !== null && (
          <>
            <dt>{t('resident.proposal.reviewedCost')}</dt>
            <dd className="res-amount">
              <strong>{format.money(p.cost, currency)}</strong>
            </dd>
          </>
        )}
        <dt>{t('resident.proposal.location')}</dt>
        <dd>{p.location ?? <span className="muted">{t('resident.proposal.noLocation')}</span>}</dd>
        {mine && (
          <>
            <dt>{t('resident.proposal.author')}</dt>
            <dd>{t('resident.proposal.you')}</dd>
          </>
        )}
        <dt>{t('resident.proposal.submittedAt')}</dt>
        <dd>
          <time dateTime={p.submittedAt}>{format.dateTime(p.submittedAt)}</time>
        </dd>
        {p.updatedAt !== p.submittedAt && (
          <>
            <dt>{t('resident.proposal.updatedAt')}</dt>
            <dd>
              <time dateTime={p.updatedAt}>{format.dateTime(p.updatedAt)}</time>
            </dd>
          </>
        )}
      </dl>

      <section aria-labelledby="description-heading">
        <h2 id="description-heading">{t('resident.proposal.description')}</h2>
        {p.description ? <p className="res-text">{p.description}</p> : <p className="muted">{t('resident.proposal.noDescription')}</p>}
      </section>

      {(p.status !== 'submitted' || p.mergedIntoProposal || p.mergedFromProposals.length > 0) && (
        <section aria-labelledby="decision-heading">
          <h2 id="decision-heading">{t('resident.proposal.decision')}</h2>
          {p.status !== 'submitted' && <p>{t(`resident.proposal.decided.${p.status}`, { cost: format.money(p.cost, currency) })}</p>}
          {decisionReason && (
            <>
              <h3>{t(`resident.proposal.decisionReason.${decisionReason}`)}</h3>
              <p className="res-text">{p.decisionReason}</p>
            </>
          )}
          {p.mergedIntoProposal && (
            <p>
              {t('resident.proposal.mergedInto')}:{' '}
              <Link to={`${base}/proposals/${p.mergedIntoProposal.proposalId}`}>{p.mergedIntoProposal.title}</Link>{' '}
              <StatusBadge status={p.mergedIntoProposal.status} />
            </p>
          )}
          {p.mergedFromProposals.length > 0 && (
            <>
              <h3>{t('resident.proposal.mergedFrom')}</h3>
              <ul>
                {p.mergedFromProposals.map((m) => (
                  <li key={m.proposalId}>
                    <Link to={`${base}/proposals/${m.proposalId}`}>{m.title}</Link> <StatusBadge status={m.status} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}

      <section aria-labelledby="review-heading">
        <h2 id="review-heading">{t('resident.proposal.review')}</h2>
        {p.reviews.length === 0 ? (
          <p className="muted">{t('resident.proposal.noReview')}</p>
        ) : (
          p.reviews.map((r, i) => (
            <div key={`${r.reviewedAt}-${i}`} className="res-review">
              <p className="muted">
                <time dateTime={r.reviewedAt}>{t('resident.proposal.reviewedAt', { date: format.dateTime(r.reviewedAt) })}</time>
              </p>
              <h3>{t('resident.proposal.feasibility')}</h3>
              <p className="res-text">{r.feasibilityNotes}</p>
              {r.costEstimate !== null && (
                <p>
                  {t('resident.proposal.costEstimate')}: <strong className="res-amount">{format.money(r.costEstimate, currency)}</strong>
                </p>
              )}
            </div>
          ))
        )}
      </section>

      <Comments round={round} proposalId={p.proposalId} />

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">{t('resident.proposal.history')}</h2>
        <ol className="res-history" aria-label={t('resident.proposal.historyLabel')}>
          {p.history.map((e) => (
            <HistoryItem key={e.eventId} entry={e} currency={currency} />
          ))}
        </ol>
      </section>
    </>
  );
}

const EVENT_TYPES = [
  'ProposalSubmitted',
  'ProposalEdited',
  'ProposalWithdrawn',
  'ProposalReviewed',
  'ProposalAccepted',
  'ProposalRejected',
  'ProposalsMerged',
  'ProposalMergedInto',
] as const;

function HistoryItem({ entry, currency }: { entry: HistoryEntry; currency: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const known = (EVENT_TYPES as readonly string[]).includes(entry.type);
  const payload = entry.payload;
  const num = (key: string) => (typeof payload[key] === 'number' ? (payload[key] as number) : undefined);
  const str = (key: string) => (typeof payload[key] === 'string' && payload[key] ? (payload[key] as string) : undefined);
  const details: string[] = [];
  if (entry.type === 'ProposalSubmitted' || entry.type === 'ProposalEdited') {
    const estimate = num('estimatedCost');
    if (estimate !== undefined) details.push(t('resident.event.estimate', { cost: format.money(estimate, currency) }));
  }
  if (entry.type === 'ProposalReviewed') {
    const estimate = num('costEstimate');
    if (estimate !== undefined) details.push(t('resident.event.estimate', { cost: format.money(estimate, currency) }));
  }
  if (entry.type === 'ProposalAccepted') {
    const cost = num('cost');
    if (cost !== undefined) details.push(t('resident.event.cost', { cost: format.money(cost, currency) }));
  }
  if (entry.type === 'ProposalAccepted' || entry.type === 'ProposalRejected' || entry.type === 'ProposalWithdrawn') {
    const reason = str('reason');
    if (reason) details.push(t('resident.event.reason', { reason }));
  }
  if (entry.type === 'ProposalsMerged' && Array.isArray(payload.sources)) details.push(t('resident.event.merged', { count: payload.sources.length }));
  return (
    <li>
      <time dateTime={entry.occurredAt}>{format.dateTime(entry.occurredAt)}</time>
      <strong>{known ? t(`resident.event.${entry.type}`) : t('resident.event.other', { type: entry.type })}</strong>
      {details.length > 0 && <span className="res-text"> · {details.join(' · ')}</span>}
    </li>
  );
}

const REASON_MAX = 2000;

/** Edit link, and withdraw with a confirm step in the page (optional public reason, as the API takes). */
function AuthorActions({ proposal, etag, editHref, onWithdrawn }: { proposal: ProposalDetail; etag?: string; editHref: string; onWithdrawn: () => void }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const headingRef = useRef<HTMLHeadingElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (confirming) headingRef.current?.focus();
    else if (wasConfirming.current) openerRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const withdraw = async (e: FormEvent) => {
    e.preventDefault();
    const errors: Record<string, string[]> = reason.length > REASON_MAX ? { reason: [t('resident.proposal.reasonTooLong')] } : {};
    setLocal(errors);
    setError(undefined);
    if (Object.keys(errors).length) {
      document.getElementById('withdraw-reason')?.focus();
      return;
    }
    setBusy(true);
    try {
      await api.proposals.post(`/rounds/${proposal.roundId}/proposals/${proposal.proposalId}/withdraw`, reason ? { reason } : {}, { ifMatch: etag });
      setConfirming(false);
      onWithdrawn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="alert alert-info">
      <p>{t('resident.proposal.yourProposal')}</p>
      {!confirming && (
        <div className="actions">
          <Link className="button" to={editHref}>
            {t('resident.proposal.edit')}
          </Link>
          <button ref={openerRef} type="button" className="button-danger" onClick={() => setConfirming(true)}>
            {t('resident.proposal.withdraw')}
          </button>
        </div>
      )}
      {confirming && (
        <form className="res-confirm" role="group" aria-labelledby="withdraw-heading" aria-describedby="withdraw-body" onSubmit={withdraw} noValidate>
          <h2 id="withdraw-heading" ref={headingRef} tabIndex={-1}>
            {t('resident.proposal.withdrawTitle')}
          </h2>
          <p id="withdraw-body">{t('resident.proposal.withdrawBody')}</p>
          <div className="field">
            <label htmlFor="withdraw-reason">{t('resident.proposal.withdrawReason')}</label>
            <textarea
              id="withdraw-reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              rows={3}
              {...fieldA11y(error, 'reason', 'withdraw-reason-error', local)}
            />
            <FieldError id="withdraw-reason-error" error={error} field="reason" local={local} />
          </div>
          {error ? <ErrorMessage error={error} /> : null}
          <div className="actions">
            <button type="submit" className="button-danger" disabled={busy}>
              {t('resident.proposal.withdrawConfirm')}
            </button>
            <button type="button" className="button-secondary" onClick={() => setConfirming(false)} disabled={busy}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
