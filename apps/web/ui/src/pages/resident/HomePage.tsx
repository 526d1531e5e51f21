import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Page, Round } from '../../api/types';
import { Async, useAsync } from '../../ui/async';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { useSession } from '../../session/session';
import { nextScheduledPhase, PhaseBadge, RoundActions, roundActions, totalBudget } from './shared';
import { demoRound, Walkthrough } from './Walkthrough';

const PAGE = 50;

/**
 * The rounds, newest first (drafts only for admin and staff, as the API decides). A round open for voting is
 * featured first with its "Vote now"; every card says what a resident can do now and when the phase changes.
 */
export default function HomePage() {
  const { t } = useTranslation();
  const [limit, setLimit] = useState(PAGE);
  const state = useAsync((signal) => api.proposals.get<Page<Round>>('/rounds', { query: { limit, offset: 0 }, signal }), [limit]);
  return (
    <>
      <PageTitle>{t('resident.home.title')}</PageTitle>
      <p className="res-lead">{t('resident.home.intro')}</p>
      <Async state={state}>
        {(page) => {
          const featured = page.items.filter((r) => r.phase === 'voting');
          const others = page.items.filter((r) => r.phase !== 'voting');
          if (page.items.length === 0) return <p>{t('resident.home.empty')}</p>;
          const demo = demoRound(page.items);
          return (
            <>
              {demo && <Walkthrough round={demo} />}
              {featured.length > 0 && (
                <section aria-labelledby="featured-heading">
                  <h2 id="featured-heading">{t('resident.home.featured')}</h2>
                  <ul className="res-featured-list">
                    {featured.map((round) => (
                      <li key={round.roundId}>
                        <RoundCard round={round} featured />
                      </li>
                    ))}
                  </ul>
                </section>
              )}
              {others.length > 0 && (
                <section aria-labelledby="others-heading">
                  <h2 id="others-heading">{featured.length > 0 ? t('resident.home.otherRounds') : t('resident.home.others')}</h2>
                  <ul className="cards">
                    {others.map((round) => (
                      <li key={round.roundId} className="card res-card">
                        <RoundCard round={round} />
                      </li>
                    ))}
                  </ul>
                </section>
              )}
              {page.total > page.items.length && (
                <div className="actions">
                  <p className="muted">{t('resident.home.shown', { shown: page.items.length, total: page.total })}</p>
                  <button type="button" className="button-secondary" onClick={() => setLimit((l) => Math.min(200, l + PAGE))} disabled={limit >= 200 || state.loading}>
                    {t('resident.home.showMore')}
                  </button>
                </div>
              )}
            </>
          );
        }}
      </Async>
    </>
  );
}

function RoundCard({ round, featured = false }: { round: Round; featured?: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { session, hasRole } = useSession();
  const next = nextScheduledPhase(round);
  const name = round.config.name;
  const body = (
    <>
      <h3>
        <Link to={`/rounds/${round.roundId}`}>{name}</Link>
      </h3>
      <p className="res-meta">
        <PhaseBadge phase={round.phase} />
        <span>{t('resident.home.units', { count: round.config.units.length })}</span>
      </p>
      <p>
        {t('resident.home.totalBudget')}: <strong className="res-amount">{format.money(totalBudget(round), round.config.currency)}</strong>
      </p>
      <p>{t(`resident.now.${round.phase}`)}</p>
      {round.nextScheduledAt && (
        <p className="muted">
          {t('resident.home.next')}:{' '}
          {next
            ? t('resident.nextChange', { phase: t(`common.phase.${next}`), date: format.dateTime(round.nextScheduledAt) })
            : format.dateTime(round.nextScheduledAt)}
        </p>
      )}
      <RoundActions actions={roundActions(round, hasRole, !!session)} roundName={name} />
    </>
  );
  return featured ? <div className="card res-card res-featured">{body}</div> : body;
}
