import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Proposal, Round } from '../../api/types';
import { Async, Loading, useAsync } from '../../ui/async';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { useSession } from '../../session/session';
import { rankPointsAt, unitRules } from './ballot';
import { loadAccepted, loadMine, loadRound } from './data';
import { ReceiptView } from './ReceiptView';
import { Refusal, refusalCode } from './Refusal';
import type { BallotVersion, MyBallots } from './types';
import './vote.css';

/** The resident's current ballot per unit and every version they cast, each with its receipt. */
export default function MyBallotPage() {
  const { t } = useTranslation();
  const { roundId = '' } = useParams();
  const { session, hasRole } = useSession();
  const signedIn = !!session && hasRole('resident');
  const data = useAsync(
    async (signal) => {
      const [round, proposals] = await Promise.all([loadRound(roundId, signal), loadAccepted(roundId, undefined, signal)]);
      return { round, proposals };
    },
    [roundId],
  );
  const mine = useAsync((signal) => (signedIn ? loadMine(roundId, signal) : Promise.resolve(undefined)), [roundId, session?.token, signedIn]);
  const title = data.data ? t('vote.mine.title', { round: data.data.round.config.name }) : t('vote.mine.titleShort');

  if (!signedIn) {
    return (
      <>
        <PageTitle>{title}</PageTitle>
        <div className="alert alert-info">
          <p>{session ? t('vote.page.needResident', { sub: session.sub }) : t('vote.mine.needSignIn')}</p>
          <p>
            <Link to={`/signin?next=${encodeURIComponent(`/rounds/${roundId}/ballot`)}`}>{t('vote.mine.signIn')}</Link>
          </p>
        </div>
      </>
    );
  }
  return (
    <>
      <PageTitle>{title}</PageTitle>
      <Async state={data}>
        {({ round, proposals }) =>
          mine.error && mine.data === undefined ? (
            <>
              <Refusal error={mine.error} onRetry={refusalCode(mine.error) ? undefined : mine.reload} />
              <p>
                <Link to={`/rounds/${roundId}`}>{t('vote.page.backToRound')}</Link>
              </p>
            </>
          ) : mine.data === undefined ? (
            <Loading />
          ) : (
            <Ballots round={round} proposals={proposals} mine={mine.data} />
          )
        }
      </Async>
    </>
  );
}

function Ballots({ round, proposals, mine }: { round: Round; proposals: readonly Proposal[]; mine: MyBallots }) {
  const { t } = useTranslation();
  const f = useFormat();
  const roundId = round.roundId;
  const unitName = (id: string) => round.config.units.find((u) => u.id === id)?.name ?? id;
  const voting = round.phase === 'voting';
  const newestFirst = [...mine.history].reverse();
  return (
    <>
      <p className="lead">
        {t(`common.ballotType.${round.config.ballot.type}`)} · {t(`common.phase.${round.phase}`)}
      </p>
      {mine.history.length === 0 ? (
        <div className="alert alert-info">
          <p>{t('vote.mine.none')}</p>
        </div>
      ) : voting ? (
        <p className="alert alert-info">{t('vote.mine.canRevise')}</p>
      ) : (
        <p className="alert alert-info">{t('vote.mine.final')}</p>
      )}
      {voting && (
        <p className="actions">
          <Link className="button" to={`/rounds/${roundId}/vote`}>
            {mine.history.length ? t('vote.mine.revise') : t('vote.mine.vote')}
          </Link>
        </p>
      )}
      {mine.current.length > 0 && (
        <section aria-labelledby="current-heading">
          <h2 id="current-heading">{t('vote.mine.current', { count: mine.current.length })}</h2>
          {mine.current.map((b) => (
            <article key={b.unitId} className="card ballot-version" aria-labelledby={`current-${b.unitId}`}>
              <h3 id={`current-${b.unitId}`}>{t('vote.mine.currentFor', { unit: unitName(b.unitId), version: b.ballotVersion })}</h3>
              <Choices round={round} proposals={proposals} ballot={b} />
            </article>
          ))}
        </section>
      )}
      {newestFirst.length > 0 && (
        <section aria-labelledby="history-heading">
          <h2 id="history-heading">{t('vote.mine.history', { count: newestFirst.length })}</h2>
          <p className="hint">{t('vote.mine.historyHint')}</p>
          <ol className="versions" reversed>
            {newestFirst.map((b) => {
              const isCurrent = mine.current.some((c) => c.eventId === b.eventId);
              return (
                <li key={b.eventId}>
                  <article className="card ballot-version" aria-labelledby={`v-${b.eventId}`}>
                    <h3 id={`v-${b.eventId}`}>
                      {t('vote.mine.version', { version: b.ballotVersion, unit: unitName(b.unitId), when: f.dateTime(b.castAt) })}{' '}
                      {isCurrent ? <span className="badge badge-ok">{t('vote.mine.counts')}</span> : <span className="badge">{t('vote.mine.replaced')}</span>}
                    </h3>
                    <p className="muted">{t(`vote.mine.channel.${b.channel}`)}</p>
                    <Choices round={round} proposals={proposals} ballot={b} />
                    <ReceiptView
                      facts={{
                        roundId,
                        roundName: round.config.name,
                        unitId: b.unitId,
                        unitName: unitName(b.unitId),
                        ballotVersion: b.ballotVersion,
                        castAt: b.castAt,
                        eventId: b.eventId,
                        leafHash: b.leafHash,
                        channel: b.channel,
                      }}
                    />
                  </article>
                </li>
              );
            })}
          </ol>
        </section>
      )}
    </>
  );
}

/** What a ballot chose: titles with cost, points or place. */
function Choices({ round, proposals, ballot }: { round: Round; proposals: readonly Proposal[]; ballot: BallotVersion }) {
  const { t } = useTranslation();
  const f = useFormat();
  const rules = unitRules(round.config, ballot.unitId);
  const byId = new Map(proposals.map((p) => [p.proposalId, p]));
  if (ballot.choices.length === 0) return <p className="muted">{t('vote.mine.empty')}</p>;
  const items = ballot.choices.map((id, i) => {
    const p = byId.get(id);
    return (
      <li key={id}>
        {p ? <Link to={`/rounds/${round.roundId}/proposals/${id}`}>{p.title}</Link> : <code>{id}</code>}
        <span className="ballot-meta">
          {p && <span className="ballot-cost">{f.money(p.cost ?? p.estimatedCost, round.config.currency)}</span>}
          {ballot.points && <span className="badge">{t('vote.review.points', { count: ballot.points[i] ?? 0 })}</span>}
          {rules.type === 'ranked' && <span className="badge">{t('vote.ranked.points', { count: rankPointsAt(rules, i, ballot.choices.length) })}</span>}
        </span>
      </li>
    );
  });
  return rules.type === 'ranked' ? <ol className="review-list">{items}</ol> : <ul className="review-list">{items}</ul>;
}
