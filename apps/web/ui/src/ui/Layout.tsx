import { NavLink, Outlet, Link, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { setLanguage, LANGUAGES, type Language } from '../i18n';
import { useSession } from '../session/session';

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
            {session ? (
              <span className="who">
                <span className="who-name" title={t('common.nav.signedInAs', { sub: session.sub, roles: session.roles.join(', ') })}>
                  {session.sub}
                </span>
                <button type="button" className="button-link" onClick={signOut}>
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
      <main id="content" className="content" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>{t('common.tagline')}</p>
      </footer>
    </>
  );
}
