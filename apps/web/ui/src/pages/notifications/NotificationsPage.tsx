import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import { ErrorMessage, Loading, useAsync, useErrorText } from '../../ui/async';
import { useFormat } from '../../ui/format';
import { NOTIFICATIONS_CHANGED } from '../../ui/NotificationBell';
import { PageTitle } from '../../ui/PageTitle';
import { useSession } from '../../session/session';
import './notifications.css';

export interface Notification {
  readonly notificationId: string;
  readonly kind: string;
  readonly roundId: string;
  readonly proposalId: string | null;
  readonly data: Record<string, string | number | null>;
  readonly createdAt: string;
  readonly readAt: string | null;
}

interface NotificationPage {
  readonly total: number;
  readonly unread: number;
  readonly items: Notification[];
}

interface Email {
  readonly email: string | null;
  readonly source: 'token' | 'resident' | null;
  readonly mailEnabled: boolean;
}

const PAGE = 20;
const changed = () => window.dispatchEvent(new Event(NOTIFICATIONS_CHANGED));

/** The signed-in person's notifications, newest first, and the address their mail goes to. */
export default function NotificationsPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  if (!session) {
    return (
      <>
        <PageTitle>{t('notify.title')}</PageTitle>
        <p>
          <Link to="/signin?next=%2Fnotifications">{t('common.nav.signIn')}</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <PageTitle>{t('notify.title')}</PageTitle>
      <NotificationList />
      <EmailSection />
    </>
  );
}

function NotificationList() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [limit, setLimit] = useState(PAGE);
  const [error, setError] = useState<string | null>(null);
  const state = useAsync(
    (signal) => api.proposals.get<NotificationPage>('/notifications', { signal, query: { limit, offset: 0, unread: unreadOnly || undefined } }),
    [limit, unreadOnly],
  );
  const act = async (path: string) => {
    setError(null);
    try {
      await api.proposals.post(path);
      changed();
      state.reload();
    } catch (e) {
      setError(errorText(e));
    }
  };
  if (state.error) return <ErrorMessage error={state.error} onRetry={state.reload} />;
  const page = state.data;
  if (!page) return <Loading />;
  return (
    <section aria-label={t('notify.title')}>
      <div className="actions">
        <label className="field-inline">
          <input type="checkbox" checked={unreadOnly} onChange={(e) => setUnreadOnly(e.target.checked)} /> {t('notify.unreadOnly')}
        </label>
        {page.unread > 0 && (
          <button type="button" className="button-secondary" onClick={() => void act('/notifications/read')}>
            {t('notify.markAllRead')}
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
      {page.items.length === 0 ? (
        <p>{t('notify.empty')}</p>
      ) : (
        <ul className="notification-list">
          {page.items.map((n) => (
            <NotificationItem key={n.notificationId} n={n} onRead={() => void act(`/notifications/${n.notificationId}/read`)} />
          ))}
        </ul>
      )}
      {page.total > page.items.length && (
        <button type="button" className="button-secondary" onClick={() => setLimit(limit + PAGE)}>
          {t('notify.more')}
        </button>
      )}
    </section>
  );
}

function NotificationItem({ n, onRead }: { n: Notification; onRead: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const d = n.data;
  const text =
    n.kind === 'round-phase-changed'
      ? t('notify.kind.round-phase-changed', { round: d.roundName, phase: t(`common.phase.${String(d.to)}`) })
      : n.kind === 'comment-reply'
        ? t('notify.kind.comment-reply', { title: d.proposalTitle })
        : t(`notify.kind.${n.kind}.${d.role === 'author' ? 'author' : 'follower'}`, { title: d.proposalTitle });
  const href = n.proposalId ? `/rounds/${n.roundId}/proposals/${n.proposalId}` : `/rounds/${n.roundId}`;
  return (
    <li className={n.readAt ? 'notification' : 'notification notification-unread'} data-kind={n.kind}>
      <div className="notification-head">
        <time dateTime={n.createdAt} className="muted">
          {format.dateTime(n.createdAt)}
        </time>
        {!n.readAt && <span className="badge">{t('notify.unread')}</span>}
      </div>
      <p>
        <Link to={href} onClick={() => !n.readAt && onRead()}>
          {text}
        </Link>
      </p>
      {d.reason ? <p>{t('notify.reason', { reason: d.reason })}</p> : null}
      {d.notes ? <p>{t('notify.notes', { notes: d.notes })}</p> : null}
      {!n.readAt && (
        <button type="button" className="button-link" onClick={onRead}>
          {t('notify.markRead')}
        </button>
      )}
    </li>
  );
}

function EmailSection() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const state = useAsync((signal) => api.proposals.get<Email>('/me/email', { signal }), []);
  const [value, setValue] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (method: 'PUT' | 'DELETE', done: string) => {
    setBusy(true);
    setNotice(null);
    setFieldError(null);
    try {
      await api.proposals.request(method, '/me/email', method === 'PUT' ? { body: { email: value } } : {});
      setNotice(done);
      setValue('');
      state.reload();
    } catch (e) {
      setFieldError(e instanceof ApiError && e.messagesFor('email').length > 0 ? e.messagesFor('email').join(' ') : errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run('PUT', t('notify.email.saved'));
  };
  const email = state.data;
  return (
    <section aria-labelledby="email-heading">
      <h2 id="email-heading">{t('notify.email.heading')}</h2>
      {state.error ? <ErrorMessage error={state.error} onRetry={state.reload} /> : null}
      {email && !email.mailEnabled && <p>{t('notify.email.off')}</p>}
      {email && email.mailEnabled && (
        <>
          <p>
            {email.email ? t('notify.email.current', { email: email.email }) : t('notify.email.none')}{' '}
            {email.source === 'token' && <span className="muted">{t('notify.email.fromToken')}</span>}
          </p>
          {notice && (
            <p role="status" className="alert alert-ok">
              {notice}
            </p>
          )}
          <form className="email-form" onSubmit={submit} noValidate>
            <div className="field">
              <label htmlFor="notify-email">{t('notify.email.label')}</label>
              <p id="notify-email-hint" className="hint">
                {t('notify.email.hint')}
              </p>
              <input
                id="notify-email"
                type="email"
                autoComplete="email"
                value={value}
                onChange={(e) => setValue(e.target.value)}
                aria-invalid={fieldError ? true : undefined}
                aria-describedby={fieldError ? 'notify-email-hint notify-email-error' : 'notify-email-hint'}
              />
              {fieldError && (
                <p id="notify-email-error" className="field-error">
                  {fieldError}
                </p>
              )}
            </div>
            <div className="actions">
              <button type="submit" disabled={busy}>
                {t('notify.email.save')}
              </button>
              {email.email && (
                <button type="button" className="button-secondary" disabled={busy} onClick={() => void run('DELETE', t('notify.email.removed'))}>
                  {t('notify.email.remove')}
                </button>
              )}
            </div>
          </form>
        </>
      )}
    </section>
  );
}
