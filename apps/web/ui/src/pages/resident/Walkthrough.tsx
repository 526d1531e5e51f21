import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Round } from '../../api/types';

/** The demo round `npm start` seeds is named "Demo: …" (infra/start.js); the walkthrough is about that round. */
export const DEMO_ROUND_PREFIX = 'Demo: ';
const DISMISSED_KEY = 'plaza.walkthrough.dismissed';

function dismissedBefore(): boolean {
  try {
    return localStorage.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

/** The demo round open for voting, if the server has one. */
export function demoRound(rounds: readonly Round[]): Round | undefined {
  return rounds.find((r) => r.phase === 'voting' && r.config.name.startsWith(DEMO_ROUND_PREFIX));
}

/**
 * A first-run walkthrough for the demo round: what to try as a resident, an administrator and an auditor, with
 * the development sign-in names, linking to the pages. Dismissed once, it stays hidden (localStorage); focus then
 * moves to the page heading so keyboard and screen-reader users are not left on a removed button.
 */
export function Walkthrough({ round }: { round: Round }) {
  const { t } = useTranslation();
  const [dismissed, setDismissed] = useState(dismissedBefore);
  if (dismissed) return null;
  const dismiss = () => {
    try {
      localStorage.setItem(DISMISSED_KEY, '1');
    } catch {
      // private mode: hidden for this visit only
    }
    setDismissed(true);
    document.querySelector<HTMLElement>('h1')?.focus();
  };
  const id = round.roundId;
  const roles = [
    { key: 'resident', sub: 'resident-1', links: [{ to: `/rounds/${id}/proposals`, label: 'proposals' }, { to: `/rounds/${id}/vote`, label: 'vote' }, { to: `/rounds/${id}/ballot`, label: 'ballot' }] },
    { key: 'admin', sub: 'dev-admin', links: [{ to: `/admin/rounds/${id}`, label: 'manage' }, { to: '/admin/rounds/new', label: 'newRound' }] },
    { key: 'auditor', sub: 'dev-auditor', links: [{ to: `/rounds/${id}/audit`, label: 'audit' }, { to: '/receipts', label: 'receipts' }] },
  ] as const;
  return (
    <section aria-labelledby="walkthrough-heading" className="card res-walkthrough">
      <h2 id="walkthrough-heading">{t('resident.walkthrough.heading')}</h2>
      <p>{t('resident.walkthrough.intro', { round: round.config.name })}</p>
      <p>
        <Link to={`/signin?next=${encodeURIComponent('/')}`}>{t('resident.walkthrough.signIn')}</Link>
      </p>
      <ul className="res-walkthrough-roles">
        {roles.map((role) => (
          <li key={role.key}>
            <h3>{t(`resident.walkthrough.${role.key}.title`, { sub: role.sub })}</h3>
            <p>{t(`resident.walkthrough.${role.key}.body`)}</p>
            <ul className="res-walkthrough-links">
              {role.links.map((link) => (
                <li key={link.to}>
                  <Link to={link.to}>{t(`resident.walkthrough.links.${link.label}`)}</Link>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      <p className="actions">
        <button type="button" className="button-secondary" onClick={dismiss}>
          {t('resident.walkthrough.dismiss')}
        </button>
      </p>
    </section>
  );
}
