import { NavLink, Outlet, Link, useLocation } from 'react-router';
import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { retryingCommands, subscribeRetrying } from '../api/client';
import { setLanguage, LANGUAGES, type Language } from '../i18n';
import { useSession } from '../session/session';
import { NotificationBell } from './NotificationBell';

export function Layout() {
  const { t, i18n } = useTranslation();
  const { session, signOut, hasRole } = useSession();
  const location = useLocation();
  return (
    <>
      <a className="skip-link" href="#content">
        {t('common.skipToContent')}
      </a>
      <header className="site-header">
        <div className="site-header-inner">
          <Link to="/" className="brand">
            {t('common.appName')}
          </Link>
          <nav aria-label={t('common.nav.label')} className="site-nav">
            <ul>
              <li>
                <NavLink to="/" end>
                  {t('common.nav.rounds')}
                </NavLink>
              </li>
              <li>
                <NavLink to="/receipts">{t('common.nav.receipts')}</NavLink>
              </li>
              <li>
                <NavLink to="/audit">{t('common.nav.audit')}</NavLink>
              </li>
              {hasRole('admin', 'staff') && (
                <li>
                  <NavLink to="/admin">{t('common.nav.admin')}</NavLink>
                </li>
              )}
            </ul>
          </nav>
          <div className="site-tools">
            <label className="language">
              <span className="visually-hidden">{t('common.language.label')}</span>
              <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)} aria-label={t('common.language.label')}>
                {LANGUAGES.map((l) => (
                  <option key={l} value={l} lang={l}>
                    {t(`common.language.${l}`)}
                  </option>
                ))}
              </select>
            </label>
            {session && !session.votingCode && <NotificationBell />}
            {session ? (
              <span className="who">
                <span className="who-name" title={t('common.nav.signedInAs', { sub: session.sub, roles: session.roles.join(', ') })}>
                  {session.sub}
                </span>
                <button type="button" className="button-link" onClick={() => signOut({ everywhere: true })}>
                  {t('common.nav.signOut')}
                </button>
              </span>
            ) : (
              <Link to={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} className="button-link">
                {t('common.nav.signIn')}
              </Link>
            )}
          </div>
        </div>
      </header>
      <RetryStatus />
      <main id="content" className="content" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>{t('common.tagline')}</p>
      </footer>
    </>
  );
}

/**
 * Says so while a command (a ballot, a proposal, a paper sheet, …) is being sent again because the service
 * answered 503 or could not be reached: the person waits instead of pressing the button twice. Always in the
 * page, so screen readers announce the change.
 */
function RetryStatus() {
  const { t } = useTranslation();
  const retrying = useSyncExternalStore(subscribeRetrying, retryingCommands);
  return (
    <p role="status" className={retrying > 0 ? 'retry-status retry-status-active alert alert-warn' : 'retry-status'}>
      {retrying > 0 ? t('common.retrying') : ''}
    </p>
  );
}
