import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { PHASES, type Round } from '../../api/types';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { useSession } from '../../session/session';
import { Breadcrumb, PageAsync, nextScheduledPhase, PhaseBadge, RoundActions, roundActions, scheduledAt, totalBudget, useRound } from './shared';
import { TableWrap } from '../../ui/TableWrap';
import { FollowButton } from '../../ui/FollowButton';

/**
 * One round for residents: its phase and timeline, the budget of each district or category, the ballot and
 * outcome rules in plain words, who may vote, and what can be done now.
 */
export default function RoundPage() {
  const { roundId } = useParams();
  const state = useRound(roundId);
  return <PageAsync state={state}>{(round) => <RoundView round={round} />}</PageAsync>;
}

function RoundView({ round }: { round: Round }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { session, hasRole } = useSession();
  const next = nextScheduledPhase(round);
  const currency = round.config.currency;
  return (
    <>
      <Breadcrumb items={[{ label: round.config.name }]} />
      <PageTitle>{round.config.name}</PageTitle>
      {round.config.description && <p className="round-description">{round.config.description}</p>}
      <dl className="facts">
        <dt>{t('resident.round.phase')}</dt>
        <dd>
          <PhaseBadge phase={round.phase} />
        </dd>
        <dt>{t('resident.round.deadline')}</dt>
        <dd>
          {round.nextScheduledAt ? (
            <>
              <time dateTime={round.nextScheduledAt}>{format.dateTime(round.nextScheduledAt)}</time>
              {next && <span className="muted"> ({t('resident.nextChange', { phase: t(`common.phase.${next}`), date: format.dateTime(round.nextScheduledAt) })})</span>}
            </>
          ) : (
            t('resident.round.noDeadline')
          )}
        </dd>
        <dt>{t('resident.home.totalBudget')}</dt>
        <dd className="res-amount">{format.money(totalBudget(round), currency)}</dd>
      </dl>
      <p className="res-lead">{t(`resident.now.${round.phase}`)}</p>
      <RoundActions actions={roundActions(round, hasRole, !!session)} />
      <FollowButton roundId={round.roundId} />

      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">{t('resident.round.timeline')}</h2>
        <Timeline round={round} />
      </section>

      <section aria-labelledby="budget-heading">
        <h2 id="budget-heading">{t('resident.round.budget')}</h2>
        <TableWrap label={t('resident.round.unitsCaption')}>
          <table>
            <caption className="visually-hidden">{t('resident.round.unitsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('resident.round.unitName')}</th>
                <th scope="col">{t('resident.round.unitKind')}</th>
                <th scope="col" className="num">
                  {t('resident.round.unitBudget')}
                </th>
              </tr>
            </thead>
            <tbody>
              {round.config.units.map((u) => (
                <tr key={u.id}>
                  <th scope="row">{u.name}</th>
                  <td>{t(`common.unitKind.${u.kind}`)}</td>
                  <td className="num res-amount">{format.money(u.budget, currency)}</td>
                </tr>
              ))}
            </tbody>
            {round.config.units.length > 1 && (
              <tfoot>
                <tr>
                  <th scope="row" colSpan={2}>
                    {t('resident.round.total')}
                  </th>
                  <td className="num res-amount">
                    <strong>{format.money(totalBudget(round), currency)}</strong>
                  </td>
                </tr>
              </tfoot>
            )}
          </table>
        </TableWrap>
      </section>

      <section aria-labelledby="rules-heading">
        <h2 id="rules-heading">{t('resident.round.rules')}</h2>
        <BallotRules round={round} />
        <h3>{t('resident.round.outcome')}</h3>
        <OutcomeRules round={round} />
        <h3>{t('resident.round.eligibility')}</h3>
        <p>{t(`resident.eligibilityMode.${round.config.eligibility.mode}`)}</p>
        <dl className="facts">
          {round.config.eligibility.minAge !== undefined && (
            <>
              <dt>{t('resident.round.minAge')}</dt>
              <dd>{t('resident.round.minAgeValue', { age: round.config.eligibility.minAge })}</dd>
            </>
          )}
          <dt>{t('resident.round.paper')}</dt>
          <dd>{t(`resident.paperPolicy.${round.config.eligibility.paperPolicy}`)}</dd>
        </dl>
      </section>
    </>
  );
}

/** Each phase with when it started, or when it is planned, or that an administrator will move it. */
function Timeline({ round }: { round: Round }) {
  const { t } = useTranslation();
  const format = useFormat();
  const current = PHASES.indexOf(round.phase);
  const phases = PHASES.filter((p) => (p !== 'draft' || round.phase === 'draft') && (p !== 'support' || round.config.support !== undefined));
  return (
    <ol className="res-timeline" aria-label={t('resident.round.timelineLabel')}>
      {phases.map((phase) => {
        const index = PHASES.indexOf(phase);
        const started = round.phaseStartedAt[phase];
        const planned = scheduledAt(round, phase);
        const isCurrent = phase === round.phase;
        return (
          <li key={phase} className={index < current ? 'res-done' : undefined} aria-current={isCurrent ? 'step' : undefined}>
            <span className="res-step-name">
              {t(`common.phase.${phase}`)}
              {isCurrent && <span className="visually-hidden"> ({t('resident.round.current')})</span>}
            </span>
            <span className="res-step-when">
              {started && index <= current ? (
                <time dateTime={started}>{t('resident.round.started', { date: format.dateTime(started) })}</time>
              ) : planned ? (
                <time dateTime={planned}>{t('resident.round.planned', { date: format.dateTime(planned) })}</time>
              ) : (
                t('resident.round.manual')
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function BallotRules({ round }: { round: Round }) {
  const { t } = useTranslation();
  const format = useFormat();
  const b = round.config.ballot;
  const picks = (() => {
    if (b.type === 'choose-one') return t('resident.round.picksOne');
    if (b.type === 'cumulative') return undefined;
    if (b.type === 'ranked') {
      const length = b.maxPicks ?? b.rankPoints?.length;
      return length ? t('resident.round.rankLength', { count: length }) : undefined;
    }
    const { minPicks: min, maxPicks: max } = b;
    if (min !== undefined && max !== undefined) return min === max ? t('resident.round.picksExactly', { count: min }) : t('resident.round.picksRange', { min, max });
    if (min !== undefined) return t('resident.round.picksAtLeast', { min });
    if (max !== undefined) return t('resident.round.picksAtMost', { max });
    return t('resident.round.picksAny');
  })();
  return (
    <dl className="facts">
      <dt>{t('resident.round.ballotType')}</dt>
      <dd>{t(`common.ballotType.${b.type}`)}</dd>
      {picks && (
        <>
          <dt>{t('resident.round.picks')}</dt>
          <dd>{picks}</dd>
        </>
      )}
      {b.type === 'knapsack' && (
        <>
          <dt>{t('resident.round.maxSumCost')}</dt>
          <dd>{b.maxSumCost !== undefined ? format.money(b.maxSumCost, round.config.currency) : t('resident.round.maxSumCostDefault')}</dd>
        </>
      )}
      {b.type === 'cumulative' && b.totalPoints !== undefined && (
        <>
          <dt>{t('resident.round.totalPoints')}</dt>
          <dd>{t('resident.round.totalPointsValue', { count: b.totalPoints })}</dd>
        </>
      )}
      {b.type === 'cumulative' && b.maxPointsPerProject !== undefined && (
        <>
          <dt>{t('resident.round.maxPointsPerProject')}</dt>
          <dd>{format.number(b.maxPointsPerProject)}</dd>
        </>
      )}
      {b.type === 'ranked' && (
        <>
          <dt>{t('resident.round.rankPoints')}</dt>
          <dd>
            {b.rankPoints
              ? b.rankPoints.map((points, i) => t('resident.round.rankPlace', { place: i + 1, points: format.number(points) })).join(', ')
              : t('resident.round.rankPointsBorda')}
          </dd>
        </>
      )}
    </dl>
  );
}

function OutcomeRules({ round }: { round: Round }) {
  const { t } = useTranslation();
  const format = useFormat();
  const o = round.config.outcome;
  const reserve = o.reserveFraction !== undefined ? Number(o.reserveFraction) : undefined;
  return (
    <>
      <p>
        <strong>{t(`resident.outcomeRule.${o.rule}.name`)}</strong>: {t(`resident.outcomeRule.${o.rule}.help`)}
      </p>
      {o.threshold !== undefined && (
        <p>
          {t('resident.round.threshold')}: {format.number(o.threshold)}
        </p>
      )}
      {reserve !== undefined && reserve < 1 && <p>{t('resident.round.reserve', { percent: format.percent(reserve) })}</p>}
      {o.exclusiveGroups && o.exclusiveGroups.length > 0 && <p>{t('resident.round.exclusiveGroups', { count: o.exclusiveGroups.length })}</p>}
      {o.reportTies && <p>{t('resident.round.reportTies')}</p>}
    </>
  );
}
