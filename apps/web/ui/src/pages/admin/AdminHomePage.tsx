import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Page, Round } from '../../api/types';
import { useSession } from '../../session/session';
import { Async, useAsync } from '../../ui/async';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { PhaseBadge, RequireRole } from './shared';
import { TableWrap } from '../../ui/TableWrap';

/** Every round, drafts included (the token lets admin and staff see them), with links to manage each. */
export default function AdminHomePage() {
  return (
    <RequireRole roles={['admin', 'staff']}>
      <AdminHome />
    </RequireRole>
  );
}

function AdminHome() {
  const { t } = useTranslation();
  const { hasRole } = useSession();
  const f = useFormat();
  const rounds = useAsync((signal) => api.proposals.get<Page<Round>>('/rounds', { query: { limit: 200 }, signal }), []);
  return (
    <>
      <PageTitle>{t('admin.home.title')}</PageTitle>
      <p>{t('admin.home.intro')}</p>
      {hasRole('staff') && (
        <p className="actions">
          <Link to="/admin/moderation" className="button">
            {t('admin.moderation.link')}
          </Link>
        </p>
      )}
      {hasRole('admin') && (
        <p className="actions">
          <Link to="/admin/rounds/new" className="button">
            {t('admin.home.newRound')}
          </Link>
        </p>
      )}
      <Async state={rounds}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="alert alert-info">{t('admin.home.empty')}</p>
          ) : (
            <>
              <h2>{t('admin.home.roundsHeading', { count: page.total })}</h2>
              <TableWrap label={t('admin.home.caption')}>
                <table className="admin-table">
                  <caption className="visually-hidden">{t('admin.home.caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('admin.home.name')}</th>
                      <th scope="col">{t('admin.home.phase')}</th>
                      <th scope="col" className="num">
                        {t('admin.home.budget')}
                      </th>
                      <th scope="col">{t('admin.home.next')}</th>
                      <th scope="col">{t('admin.home.actions')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((r) => (
                      <tr key={r.roundId}>
                        <th scope="row">
                          <Link to={`/admin/rounds/${r.roundId}`}>{r.config.name}</Link>
                        </th>
                        <td>
                          <PhaseBadge phase={r.phase} />
                        </td>
                        <td className="num">{f.money(r.config.units.reduce((s, u) => s + u.budget, 0), r.config.currency)}</td>
                        <td>{r.nextScheduledAt ? f.dateTime(r.nextScheduledAt) : <span className="muted">{t('admin.home.byHand')}</span>}</td>
                        <td>
                          <ul className="inline-links">
                            <li>
                              <Link to={`/admin/rounds/${r.roundId}`} aria-label={t('admin.home.manageRound', { name: r.config.name })}>
                                {t('admin.home.manage')}
                              </Link>
                            </li>
                            {hasRole('admin') && r.phase !== 'published' && (
                              <li>
                                <Link to={`/admin/rounds/${r.roundId}/edit`} aria-label={t('admin.home.editRound', { name: r.config.name })}>
                                  {t('admin.home.edit')}
                                </Link>
                              </li>
                            )}
                            <li>
                              <Link to={`/admin/rounds/${r.roundId}/review`} aria-label={t('admin.home.reviewRound', { name: r.config.name })}>
                                {t('admin.home.review')}
                              </Link>
                            </li>
                          </ul>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              {page.total > page.items.length && <p className="muted">{t('admin.home.more', { shown: page.items.length, total: page.total })}</p>}
            </>
          )
        }
      </Async>
    </>
  );
}
