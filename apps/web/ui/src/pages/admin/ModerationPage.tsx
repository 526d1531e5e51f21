import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { Async, ErrorMessage, useAsync } from '../../ui/async';
import { fieldA11y, FieldError } from '../../ui/fields';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { RequireRole, Status } from './shared';

interface ReportItem {
  readonly reportId: string;
  readonly roundId: string;
  readonly proposalId: string;
  readonly proposalTitle: string;
  readonly target: 'comment' | 'proposal';
  readonly comment: { commentId: string; body: string | null; hiddenReason: string | null; deleted: boolean; erased: boolean } | null;
  readonly reason: string | null;
  readonly filedAt: string;
}

/** Staff's moderation queue: open reports oldest first; hide a reported comment with a public reason, or dismiss the report. */
export default function ModerationPage() {
  return (
    <RequireRole roles={['staff']}>
      <Queue />
    </RequireRole>
  );
}

function Queue() {
  const { t } = useTranslation();
  const [done, setDone] = useState('');
  const queue = useAsync((signal) => api.proposals.get<{ total: number; items: ReportItem[] }>('/moderation/reports', { query: { limit: 200 }, signal }), []);
  const decided = (message: string) => {
    setDone(message);
    queue.reload();
  };
  return (
    <>
      <PageTitle>{t('admin.moderation.title')}</PageTitle>
      <p>{t('admin.moderation.intro')}</p>
      <Status>{done}</Status>
      <Async state={queue}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="alert alert-info">{t('admin.moderation.empty')}</p>
          ) : (
            <>
              <h2>{t('admin.moderation.open', { count: page.total })}</h2>
              <ol className="admin-moderation">
                {page.items.map((r) => (
                  <li key={r.reportId}>
                    <Report report={r} onDecided={decided} />
                  </li>
                ))}
              </ol>
            </>
          )
        }
      </Async>
    </>
  );
}

function Report({ report: r, onDecided }: { report: ReportItem; onDecided(message: string): void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const id = `hide-${r.reportId}`;
  const proposal = `/rounds/${r.roundId}/proposals/${r.proposalId}`;
  const canHide = r.comment && !r.comment.hiddenReason && !r.comment.deleted && !r.comment.erased;

  const act = async (run: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
      onDecided(message);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const hide = (e: FormEvent) => {
    e.preventDefault();
    const problems: Record<string, string[]> = reason.trim() ? {} : { reason: [t('admin.moderation.reasonNeeded')] };
    setLocal(problems);
    if (Object.keys(problems).length) {
      document.getElementById(id)?.focus();
      return;
    }
    void act(() => api.proposals.post(`${proposal}/comments/${r.comment!.commentId}/hide`, { reason }), t('admin.moderation.hidden'));
  };

  return (
    <article className="admin-report" aria-labelledby={`r-${r.reportId}`}>
      <h3 id={`r-${r.reportId}`}>
        {r.target === 'comment' ? t('admin.moderation.commentOn') : t('admin.moderation.proposal')} <Link to={proposal}>{r.proposalTitle}</Link>
      </h3>
      <dl className="facts">
        {r.comment && (
          <>
            <dt>{t('admin.moderation.comment')}</dt>
            <dd className="res-text">{r.comment.body ?? t('admin.moderation.noText')}</dd>
          </>
        )}
        <dt>{t('admin.moderation.reason')}</dt>
        <dd className="res-text">{r.reason ?? t('admin.moderation.noText')}</dd>
        <dt>{t('admin.moderation.filed')}</dt>
        <dd>
          <time dateTime={r.filedAt}>{f.dateTime(r.filedAt)}</time>
        </dd>
      </dl>
      {canHide && (
        <form onSubmit={hide} noValidate>
          <div className="field">
            <label htmlFor={id}>{t('admin.moderation.hideReason')}</label>
            <p className="hint" id={`${id}-hint`}>
              {t('admin.moderation.hideHint')}
            </p>
            <input id={id} type="text" value={reason} onChange={(e) => setReason(e.target.value)} {...fieldA11y(error, 'reason', `${id}-error`, local, `${id}-hint`)} />
            <FieldError id={`${id}-error`} error={error} field="reason" local={local} />
          </div>
          <div className="actions">
            <button type="submit" disabled={busy}>
              {t('admin.moderation.hide')}
            </button>
          </div>
        </form>
      )}
      {error ? <ErrorMessage error={error} /> : null}
      <div className="actions">
        <button type="button" className="button-secondary" disabled={busy} onClick={() => void act(() => api.proposals.post(`/moderation/reports/${r.reportId}/dismiss`), t('admin.moderation.dismissed'))}>
          {t('admin.moderation.dismiss')}
        </button>
      </div>
    </article>
  );
}
