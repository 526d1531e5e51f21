import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFormat } from '../../ui/format';
import { isEqualShares, rationalValue, type Explanation, type NotSelectedReason, type ProjectExplanation } from './types';
import { TableWrap } from '../../ui/TableWrap';

type Titles = ReadonlyMap<string, string>;

/** One sentence for why a project was not funded, in the reader's language (libs/tally's reason codes). */
export function useReasonText(currency: string, titles: Titles) {
  const { t } = useTranslation();
  const f = useFormat();
  const title = (id: string) => titles.get(id) ?? id;
  const money = (minor: string | number) => f.money(Number(minor), currency);
  return (reason: NotSelectedReason | undefined): string => {
    if (!reason) return t('results.reason.none');
    switch (reason.kind) {
      case 'did-not-fit':
        return t('results.reason.didNotFit', { left: money(reason.left) });
      case 'over-limit':
        return t('results.reason.overLimit', { limit: t(`results.reason.limit.${reason.limit}`), key: reason.key, left: money(reason.left) });
      case 'below-threshold':
        return t('results.reason.belowThreshold', { threshold: f.number(Number(reason.threshold)) });
      case 'excluded':
        return t('results.reason.excluded', { by: title(reason.by) });
      case 'stopped':
        return t('results.reason.stopped', { at: title(reason.at) });
      case 'lost-tie':
        return t(LOST_TIE_KEY[reason.decidedBy] ?? 'results.reason.lostTieOrder', { to: reason.to.map(title).join(', ') });
      case 'not-affordable':
        return t('results.reason.notAffordable', { money: f.money(Math.floor(rationalValue(reason.supportersMoney)), currency) });
      case 'no-support':
        return t('results.reason.noSupport');
      case 'undecided-tie':
        return t('results.reason.undecidedTie');
      case 'comparison':
        return t('results.reason.comparison', { note: reason.note });
    }
  };
}

/** The sentence for a project that lost a tie, by what decided it (configured tie-breaking adds the last four). */
const LOST_TIE_KEY: Record<string, string> = {
  cost: 'results.reason.lostTieCost',
  order: 'results.reason.lostTieOrder',
  'higher-cost': 'results.reason.lostTieHigherCost',
  'project-id': 'results.reason.lostTieProjectId',
  lottery: 'results.reason.lostTieLottery',
  support: 'results.reason.lostTieSupport',
};

function order(a: ProjectExplanation, b: ProjectExplanation): number {
  if (a.selected !== b.selected) return a.selected ? -1 : 1;
  if (a.selected && b.selected) return (a.round ?? 0) - (b.round ?? 0);
  return Number(b.support) - Number(a.support);
}

/**
 * Why each project won or lost, from the declaration's own explanation: funded ones in the order the rule
 * picked them, then the others by support with the rule's reason. For Equal Shares, also each round's price:
 * what each supporter paid (at most), how many shared the cost and how many paid all they had left.
 */
export function ExplanationView({
  roundId,
  explanation,
  currency,
  titles,
  supportUnit,
  headingId,
}: {
  roundId: string;
  explanation: Explanation;
  currency: string;
  titles: Titles;
  supportUnit: 'votes' | 'points';
  headingId: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const reasonText = useReasonText(currency, titles);
  const title = (id: string) => titles.get(id) ?? id;
  const projects = [...explanation.projects].sort(order);
  const mes = isEqualShares(explanation.rule);
  const phragmen = explanation.rule === 'phragmen';
  // The comparison variants keep greedy's outcome when more voters prefer it: then greedy's reasons apply.
  const mesOutcome = mes && !explanation.comparison?.switchedToGreedy;
  const rounds = explanation.rounds ?? [];
  const perPoint = explanation.utility === 'points';
  const ratMoney = (r: string) => {
    const v = rationalValue(r);
    return Number.isFinite(v) ? f.money(Math.round(v * 100) / 100, currency) : '—';
  };
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>{t('results.explain.heading')}</h3>
      <p className="muted">{t(`results.explain.rule.${mesOutcome ? 'equalShares' : phragmen ? 'phragmen' : 'greedy'}`)}</p>
      <ul className="explain-list">
        {projects.map((p) => (
          <li key={p.id} className={p.selected ? 'explain-funded' : 'explain-lost'}>
            <div className="explain-head">
              <Link to={`/rounds/${roundId}/proposals/${p.id}`}>{title(p.id)}</Link>
              <span className={`badge ${p.selected ? 'badge-ok' : ''}`}>
                {p.selected ? (p.round !== undefined ? t('results.explain.fundedRound', { round: p.round }) : t('results.funded')) : t('results.notFunded')}
              </span>
            </div>
            <p className="explain-figures">
              {t(`results.explain.figures.${supportUnit}`, { support: f.number(Number(p.support)), votes: f.number(Number(p.votes)), cost: f.money(Number(p.cost), currency) })}
            </p>
            <p className="explain-why">
              {p.selected ? (p.fromReserve ? t('results.explain.fromReserve') : t(mesOutcome ? 'results.explain.wonEqualShares' : phragmen ? 'results.explain.wonPhragmen' : 'results.explain.won')) : reasonText(p.reason)}
            </p>
          </li>
        ))}
      </ul>
      {mes && (
        <>
          <h4>{t('results.explain.mes.heading')}</h4>
          <p>{t('results.explain.mes.intro')}</p>
          {explanation.perVoterBudget && (
            <p>
              {t('results.explain.mes.perVoter', { money: ratMoney(explanation.perVoterBudget) })}
              {explanation.add1Steps ? ` ${t('results.explain.mes.add1', { count: explanation.add1Steps })}` : ''}
            </p>
          )}
          {rounds.length > 0 ? (
            <TableWrap label={t('results.explain.mes.tableCaption')}>
              <table>
                <caption>{t('results.explain.mes.tableCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('results.explain.mes.round')}
                    </th>
                    <th scope="col">{t('results.project')}</th>
                    <th scope="col" className="num">
                      {t('results.cost')}
                    </th>
                    <th scope="col" className="num">
                      {perPoint ? t('results.explain.mes.pricePerPoint') : t('results.explain.mes.pricePerSupporter')}
                    </th>
                    <th scope="col" className="num">
                      {t('results.explain.mes.supporters')}
                    </th>
                    <th scope="col" className="num">
                      {t('results.explain.mes.paidAll')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rounds.map((r) => (
                    <tr key={`${r.round}-${r.project}`}>
                      <td className="num">{r.round}</td>
                      <td>{title(r.project)}</td>
                      <td className="num">{f.money(Number(r.cost), currency)}</td>
                      <td className="num">{ratMoney(r.pricePerSupporter)}</td>
                      <td className="num">{f.number(r.supporters)}</td>
                      <td className="num">{f.number(r.paidAllTheyHad)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ) : (
            <p>{t('results.explain.mes.noRounds')}</p>
          )}
          {explanation.comparison && (
            <p>
              {t(explanation.comparison.switchedToGreedy ? 'results.explain.mes.comparisonGreedy' : 'results.explain.mes.comparisonMes', {
                mes: f.number(explanation.comparison.prefersMes),
                greedy: f.number(explanation.comparison.prefersGreedy),
              })}
            </p>
          )}
        </>
      )}
      {phragmen && rounds.length > 0 && (
        <TableWrap label={t('results.explain.phragmen.tableCaption')}>
          <table>
            <caption>{t('results.explain.phragmen.tableCaption')}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  {t('results.explain.mes.round')}
                </th>
                <th scope="col">{t('results.project')}</th>
                <th scope="col" className="num">
                  {t('results.cost')}
                </th>
                <th scope="col" className="num">
                  {t('results.explain.phragmen.time')}
                </th>
                <th scope="col" className="num">
                  {t('results.explain.mes.supporters')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rounds.map((r) => (
                <tr key={`${r.round}-${r.project}`}>
                  <td className="num">{r.round}</td>
                  <td>{title(r.project)}</td>
                  <td className="num">{f.money(Number(r.cost), currency)}</td>
                  <td className="num">{f.number(rationalValue(r.rho), { maximumSignificantDigits: 6 })}</td>
                  <td className="num">{f.number(r.supporters)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {explanation.ties.length > 0 && (
        <>
          <h4>{t('results.explain.ties.heading')}</h4>
          <ul>
            {explanation.ties.map((tie, k) => (
              <li key={k}>
                {t(/same price|same time/.test(tie.note) && (tie.decidedBy === 'undecided' || tie.decidedBy === 'order') ? `results.explain.ties.${tie.decidedBy === 'undecided' ? 'priceUndecided' : 'priceOrder'}` : `results.explain.ties.${tie.decidedBy}`, {
                  projects: tie.projects.map(title).join(', '),
                  support: f.number(Number(tie.support)),
                  unit: t(`results.chart.unit.${supportUnit}`),
                  unitName: t(`results.chart.unitName.${supportUnit}`),
                })}
              </li>
            ))}
          </ul>
        </>
      )}
      {explanation.notes.length > 0 && (
        <details>
          <summary>{t('results.explain.notes')}</summary>
          <ul lang="en">
            {explanation.notes.map((n, k) => (
              <li key={k}>{n}</li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
