import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, pattern, patterns } from 'recharts';
import { useFormat } from '../../ui/format';
import { TableWrap } from '../../ui/TableWrap';

export interface ChartProject {
  readonly id: string;
  readonly title: string;
  readonly support: number;
  readonly cost: number;
  readonly selected: boolean;
}

// Funded bars are striped (and named in the legend and the table), so the difference does not rest on colour.
const stripes = pattern({ ...patterns.diagonal, color: '#ffffff', opacity: 0.55 });
const FUNDED = '#0b6e4f';
const NOT_FUNDED = '#6b7785';

const short = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Support per project, most supported first, funded ones striped, with the funding line: the support of the
 * least-supported funded project. The picture is hidden from assistive technology; the caption says what the
 * line means under the round's rule and the table below carries every number the bars show.
 */
export function SupportChart({
  projects,
  currency,
  equalShares,
  supportUnit,
}: {
  projects: readonly ChartProject[];
  currency: string;
  equalShares: boolean;
  supportUnit: 'votes' | 'points';
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const captionId = useId();
  const sorted = [...projects].sort((a, b) => b.support - a.support || a.cost - b.cost);
  const funded = sorted.filter((p) => p.selected);
  const line = funded.length ? Math.min(...funded.map((p) => p.support)) : undefined;
  const data = sorted.map((p, k) => ({
    name: `${k + 1}. ${short(p.title, 28)}`,
    funded: p.selected ? p.support : null,
    notFunded: p.selected ? null : p.support,
  }));
  const height = Math.max(140, sorted.length * 34 + 50);
  const unitLabel = t(`results.chart.unit.${supportUnit}`);
  const unitName = t(`results.chart.unitName.${supportUnit}`);
  return (
    <figure className="results-figure" aria-labelledby={captionId}>
      <figcaption id={captionId}>
        <strong>{t('results.chart.title', { unit: unitLabel })}</strong>{' '}
        {line === undefined
          ? t('results.chart.noneFunded')
          : equalShares
            ? t('results.chart.lineEqualShares', { support: f.number(line), unit: unitLabel, unitName })
            : t('results.chart.lineGreedy', { support: f.number(line), unit: unitLabel, unitName })}
      </figcaption>
      <div className="results-chart" aria-hidden="true" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false} barCategoryGap={6}>
            <CartesianGrid horizontal={false} strokeDasharray="3 3" />
            <XAxis type="number" allowDecimals={false} tickFormatter={(v: number) => f.number(v)} />
            <YAxis type="category" dataKey="name" width={150} tick={{ fontSize: 12 }} interval={0} />
            <Tooltip formatter={(v) => f.number(Number(v))} cursor={{ fill: '#f3f6f9' }} />
            <Bar dataKey="funded" name={t('results.chart.funded')} stackId="s" fill={{ color: FUNDED, definition: stripes }} stroke={FUNDED} isAnimationActive={false} />
            <Bar dataKey="notFunded" name={t('results.chart.notFunded')} stackId="s" fill={NOT_FUNDED} isAnimationActive={false} />
            {line !== undefined && (
              <ReferenceLine x={line} stroke="#a4161a" strokeWidth={2} strokeDasharray="6 3" />
            )}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ul className="chart-legend" aria-hidden="true">
        <li>
          <span className="swatch swatch-funded" /> {t('results.chart.funded')}
        </li>
        <li>
          <span className="swatch swatch-not-funded" /> {t('results.chart.notFunded')}
        </li>
        {line !== undefined && (
          <li>
            <span className="swatch swatch-line" /> {t('results.chart.lineLabel')}
          </li>
        )}
      </ul>
      <details className="results-table-toggle">
        <summary>{t('results.chart.showTable')}</summary>
        <TableWrap label={t('results.chart.tableCaption', { unit: unitLabel })}>
          <table>
            <caption className="visually-hidden">{t('results.chart.tableCaption', { unit: unitLabel })}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  {t('results.chart.rank')}
                </th>
                <th scope="col">{t('results.project')}</th>
                <th scope="col" className="num">
                  {unitName}
                </th>
                <th scope="col" className="num">
                  {t('results.cost')}
                </th>
                <th scope="col">{t('results.outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((p, k) => (
                <tr key={p.id}>
                  <td className="num">{k + 1}</td>
                  <td>{p.title}</td>
                  <td className="num">{f.number(p.support)}</td>
                  <td className="num">{f.money(p.cost, currency)}</td>
                  <td>{p.selected ? t('results.funded') : t('results.notFunded')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </figure>
  );
}
