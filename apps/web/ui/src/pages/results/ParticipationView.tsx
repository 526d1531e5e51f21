import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, ResponsiveContainer, XAxis, YAxis, LabelList } from 'recharts';
import { useFormat } from '../../ui/format';
import type { Participation } from './types';
import { TableWrap } from '../../ui/TableWrap';

/** Age bands as the voting service writes them (`16-17`, …, `65+`), youngest first; `unknown` last. */
function bandOrder(a: string, b: string): number {
  if (a === 'unknown') return 1;
  if (b === 'unknown') return -1;
  return parseInt(a, 10) - parseInt(b, 10);
}

/** Turnout, by channel and by age band: tables for every number, small bars (hidden from screen readers) beside. */
export function ParticipationView({ participation, headingLevel = 3, title }: { participation: Participation; headingLevel?: 2 | 3; title: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const id = useId();
  const H = headingLevel === 2 ? 'h2' : 'h3';
  const Sub = headingLevel === 2 ? 'h3' : 'h4';
  const pct = (x: number | null) => (x === null ? '—' : f.percent(x));
  const { online, paper } = participation.byChannel;
  const channelTotal = online + paper;
  const bands = Object.entries(participation.byAgeBand ?? {}).sort(([a], [b]) => bandOrder(a, b));
  const shown = (n: number | null) => (n === null ? t('results.participation.suppressed') : f.number(n));
  const anySuppressed = bands.some(([, v]) => v.registered === null || v.voted === null);
  const onlyUnknown = bands.length === 0 || (bands.length === 1 && bands[0][0] === 'unknown');
  const bandLabel = (band: string) => (band === 'unknown' ? t('results.participation.noBirthYear') : band);
  const chartData = bands.filter(([band, v]) => band !== 'unknown' && v.turnout !== null).map(([band, v]) => ({ band, turnout: v.turnout === null ? 0 : Math.round(v.turnout * 1000) / 10 }));
  return (
    <section aria-labelledby={`${id}-h`} className="participation">
      <H id={`${id}-h`}>{title}</H>
      <dl className="facts">
        <dt>{t('results.participation.registered')}</dt>
        <dd>{f.number(participation.registered)}</dd>
        <dt>{t('results.participation.voted')}</dt>
        <dd>{f.number(participation.voted)}</dd>
        <dt>{t('results.participation.turnout')}</dt>
        <dd>{pct(participation.turnout)}</dd>
      </dl>
      <Sub>{t('results.participation.byChannel')}</Sub>
      <div className="participation-pair">
        <TableWrap label={t('results.participation.byChannel')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('results.participation.channel')}</th>
                <th scope="col" className="num">
                  {t('results.participation.ballots')}
                </th>
                <th scope="col" className="num">
                  {t('results.participation.share')}
                </th>
              </tr>
            </thead>
            <tbody>
              {(['online', 'paper'] as const).map((c) => (
                <tr key={c}>
                  <th scope="row">{t(`results.participation.${c}`)}</th>
                  <td className="num">{f.number(participation.byChannel[c])}</td>
                  <td className="num">{channelTotal ? f.percent(participation.byChannel[c] / channelTotal) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
        {channelTotal > 0 && (
          <div className="channel-bar" aria-hidden="true">
            <span className="channel-online" style={{ flexGrow: online }}>
              {online > 0 && t('results.participation.online')}
            </span>
            <span className="channel-paper" style={{ flexGrow: paper }}>
              {paper > 0 && t('results.participation.paper')}
            </span>
          </div>
        )}
      </div>
      {participation.byAgeBand !== undefined && <Sub>{t('results.participation.byAge')}</Sub>}
      {participation.byAgeBand === undefined ? null : onlyUnknown ? (
        <p className="muted">{t('results.participation.noAgeBands')}</p>
      ) : (
        <div className="participation-pair">
          <TableWrap label={t('results.participation.byAge')}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('results.participation.ageBand')}</th>
                  <th scope="col" className="num">
                    {t('results.participation.registered')}
                  </th>
                  <th scope="col" className="num">
                    {t('results.participation.voted')}
                  </th>
                  <th scope="col" className="num">
                    {t('results.participation.turnout')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {bands.map(([band, v]) => (
                  <tr key={band}>
                    <th scope="row">{bandLabel(band)}</th>
                    <td className="num">{shown(v.registered)}</td>
                    <td className="num">{shown(v.voted)}</td>
                    <td className="num">{pct(v.turnout)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {anySuppressed && <p className="muted">{t('results.participation.suppressedNote', { k: participation.ageBandMinCell ?? 10 })}</p>}
          {chartData.length > 0 && (
            <div className="age-chart" aria-hidden="true" style={{ height: chartData.length * 28 + 30 }}>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={chartData} layout="vertical" margin={{ top: 4, right: 56, bottom: 4, left: 4 }} accessibilityLayer={false}>
                  <XAxis type="number" domain={[0, 100]} hide />
                  <YAxis type="category" dataKey="band" width={56} tick={{ fontSize: 12 }} interval={0} />
                  <Bar dataKey="turnout" fill="#1d4e89" isAnimationActive={false}>
                    <LabelList dataKey="turnout" position="right" formatter={(v) => f.percent(Number(v) / 100)} style={{ fontSize: 12, fill: '#1b1f24' }} />
                  </Bar>
                </BarChart>
              </ResponsiveContainer>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
