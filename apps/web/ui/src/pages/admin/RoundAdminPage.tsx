import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import type { HistoryEntry, Phase, Round } from '../../api/types';
import { PHASES } from '../../api/types';
import { useSession } from '../../session/session';
import { Async, ErrorMessage, useAsync, type AsyncState } from '../../ui/async';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { LOCKED_FROM, ROUND_CONFIG_KEYS, SCHEDULED_PHASES, usesPicks, type RoundConfigKey } from './config';
import { PhaseBadge, RequireRole, RoundNav, Status, useRound, type LoadedRound } from './shared';
import { TableWrap } from '../../ui/TableWrap';
import type { RoundCommandResult } from './types';

/** One round for administrators and staff: summary, phase moves, schedule, locks, history, links to the other tools. */
export default function RoundAdminPage() {
  return (
    <RequireRole roles={['admin', 'staff']}>
      <RoundAdmin />
    </RequireRole>
  );
}

/** The moves an administrator can make from a phase (review may be skipped; a configured support phase may not). */
function nextPhases(phase: Phase, withSupport: boolean): Phase[] {
  switch (phase) {
    case 'draft':
      return ['submission'];
    case 'submission':
      return withSupport ? ['support'] : ['review', 'voting'];
    case 'support':
      return ['review'];
    case 'review':
      return ['voting'];
    case 'voting':
      return ['closed'];
    case 'closed':
      return ['published'];
    default:
      return [];
  }
}

function RoundAdmin() {
  const { roundId = '' } = useParams();
  const location = useLocation();
  const notice = (location.state as { notice?: string; changed?: string[] } | null) ?? null;
  const round = useRound(roundId);
  const history = useAsync((signal) => api.proposals.get<HistoryEntry[]>(`/rounds/${roundId}/history`, { signal }), [roundId]);
  const [done, setDone] = useState<string>();
  const { t } = useTranslation();

  const initialNotice =
    notice?.notice === 'created'
      ? t('admin.round.created')
      : notice?.notice === 'saved'
        ? t('admin.round.saved', { settings: (notice.changed ?? []).map((k) => t(`admin.settings.${k}`)).join(', ') })
        : undefined;

  return (
    <>
      <RoundNav roundId={roundId} />
      <Async state={round}>
        {(loaded) => (
          <>
            <PageTitle>{loaded.round.config.name}</PageTitle>
            <Status>{done ?? initialNotice}</Status>
            <Summary round={loaded.round} />
            <Phases
              loaded={loaded}
              onReload={round.reload}
              onMoved={(to) => {
                setDone(t('admin.round.moved', { phase: t(`common.phase.${to}`) }));
                round.reload();
                history.reload();
              }}
            />
            <Schedule round={loaded.round} />
            <Locks round={loaded.round} />
            <Tools round={loaded.round} />
            <History state={history} />
          </>
        )}
      </Async>
    </>
  );
}

function Summary({ round }: { round: Round }) {
  const { t } = useTranslation();
  const f = useFormat();
  const c = round.config;
  const b = c.ballot;
  const total = c.units.reduce((s, u) => s + u.budget, 0);
  const ballotDetails = [
    usesPicks(b.type) && b.minPicks !== undefined ? t('admin.summary.minPicks', { n: b.minPicks }) : null,
    usesPicks(b.type) && b.maxPicks !== undefined ? t('admin.summary.maxPicks', { n: b.maxPicks }) : null,
    b.maxSumCost !== undefined ? t('admin.summary.maxSumCost', { amount: f.money(b.maxSumCost, c.currency) }) : null,
    b.totalPoints !== undefined ? t('admin.summary.totalPoints', { n: b.totalPoints }) : null,
    b.maxPointsPerProject !== undefined ? t('admin.summary.maxPointsPerProject', { n: b.maxPointsPerProject }) : null,
    b.rankPoints ? t('admin.summary.rankPoints', { points: b.rankPoints.join(', ') }) : null,
  ].filter(Boolean);
  const o = c.outcome;
  const outcomeDetails = [
    o.threshold !== undefined ? t('admin.summary.threshold', { n: o.threshold }) : null,
    o.reserveFraction !== undefined ? t('admin.summary.reserveFraction', { fraction: o.reserveFraction }) : null,
    o.exclusiveGroups?.length ? t('admin.summary.exclusiveGroups', { count: o.exclusiveGroups.length }) : null,
    o.reportTies ? t('admin.summary.reportTies') : null,
    o.tieBreak?.length ? t('admin.summary.tieBreak', { order: o.tieBreak.map((c) => t(`admin.tieBreak.${c}.name`)).join(', ') }) : null,
    o.lotterySeed !== undefined ? t('admin.summary.lotterySeed', { seed: o.lotterySeed }) : null,
  ].filter(Boolean);
  return (
    <section aria-labelledby="summary-heading">
      <h2 id="summary-heading">{t('admin.round.summary')}</h2>
      <dl className="facts">
        <dt>{t('admin.round.phase')}</dt>
        <dd>
          <PhaseBadge phase={round.phase} />
        </dd>
        <dt>{t('admin.round.currency')}</dt>
        <dd>{c.currency}</dd>
        <dt>{t('admin.round.totalBudget')}</dt>
        <dd>{f.money(total, c.currency)}</dd>
        <dt>{t('admin.round.ballot')}</dt>
        <dd>
          {t(`common.ballotType.${b.type}`)}
          {ballotDetails.length > 0 && <span className="muted"> — {ballotDetails.join('; ')}</span>}
        </dd>
        <dt>{t('admin.round.outcome')}</dt>
        <dd>
          {t(`admin.rules.${o.rule}.name`)}
          {outcomeDetails.length > 0 && <span className="muted"> — {outcomeDetails.join('; ')}</span>}
        </dd>
        <dt>{t('admin.round.eligibility')}</dt>
        <dd>
          {t(`admin.modes.${c.eligibility.mode}.name`)}
          {c.eligibility.minAge !== undefined && <> — {t('admin.summary.minAge', { n: c.eligibility.minAge })}</>}
          <br />
          <span className="muted">{t(`admin.policies.${c.eligibility.paperPolicy}.name`)}</span>
        </dd>
        <dt>{t('admin.round.createdAt')}</dt>
        <dd>{f.dateTime(round.createdAt)}</dd>
      </dl>
      <TableWrap label={t('admin.round.unitsCaption')}>
        <table className="admin-table">
          <caption>{t('admin.round.unitsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('admin.form.unitId')}</th>
              <th scope="col">{t('admin.form.unitName')}</th>
              <th scope="col">{t('admin.form.unitKind')}</th>
              <th scope="col" className="num">
                {t('admin.form.budget')}
              </th>
            </tr>
          </thead>
          <tbody>
            {c.units.map((u) => (
              <tr key={u.id}>
                <td>
                  <code>{u.id}</code>
                </td>
                <td>{u.name}</td>
                <td>{t(`common.unitKind.${u.kind}`)}</td>
                <td className="num">{f.money(u.budget, c.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

/** Which settings a move to `to` locks (those unlocked before it and locked from it). */
function lockedBy(to: Phase): RoundConfigKey[] {
  return (Object.keys(LOCKED_FROM) as (keyof typeof LOCKED_FROM)[]).filter((k) => LOCKED_FROM[k] === to);
}

function Phases({ loaded, onMoved, onReload }: { loaded: LoadedRound; onMoved: (to: Phase) => void; onReload: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { hasRole } = useSession();
  const { round, etag } = loaded;
  const [confirming, setConfirming] = useState<Phase>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLHeadingElement>(null);
  const current = PHASES.indexOf(round.phase);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  async function move(to: Phase) {
    setBusy(true);
    setError(undefined);
    try {
      await api.proposals.post<RoundCommandResult>(`/rounds/${round.roundId}/phase`, { to }, { ifMatch: etag });
      setConfirming(undefined);
      onMoved(to);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const moves = nextPhases(round.phase, round.config.support !== undefined);
  return (
    <section aria-labelledby="phases-heading">
      <h2 id="phases-heading">{t('admin.round.phases')}</h2>
      <ol className="phase-steps">
        {PHASES.filter((p) => p !== 'support' || round.config.support !== undefined).map((p) => {
          const i = PHASES.indexOf(p);
          return (
            <li key={p} className={i < current ? 'phase-done' : i === current ? 'phase-current' : 'phase-later'} aria-current={i === current ? 'step' : undefined}>
              <span className="phase-name">{t(`common.phase.${p}`)}</span>{' '}
              <span className="muted">
                {round.phaseStartedAt[p]
                  ? t('admin.round.startedAt', { at: f.dateTime(round.phaseStartedAt[p]) })
                  : i > current
                    ? t('admin.round.notYet')
                    : t('admin.round.skipped')}
              </span>
            </li>
          );
        })}
      </ol>
      {moves.length === 0 ? (
        <p>{t('admin.round.finalPhase')}</p>
      ) : !hasRole('admin') ? (
        <p className="muted">{t('admin.round.adminMoves')}</p>
      ) : (
        <>
          {!confirming && (
            <div className="actions">
              {moves.map((to, i) => (
                <button key={to} type="button" className={i === 0 ? undefined : 'button-secondary'} onClick={() => setConfirming(to)}>
                  {t(`admin.moves.${to}.button`)}
                </button>
              ))}
            </div>
          )}
          {confirming && (
            <div className="confirm-box" role="group" aria-labelledby="confirm-heading">
              <h3 id="confirm-heading" ref={confirmRef} tabIndex={-1}>
                {t('admin.round.confirmTitle', { action: t(`admin.moves.${confirming}.button`) })}
              </h3>
              <p>{t(`admin.moves.${confirming}.means`)}</p>
              {confirming === 'voting' && round.phase === 'submission' && <p>{t('admin.round.skipReview')}</p>}
              {lockedBy(confirming).length > 0 && (
                <p>
                  <strong>{t('admin.round.willLock')}</strong> {lockedBy(confirming).map((k) => t(`admin.settings.${k}`)).join(', ')}.
                </p>
              )}
              {/* A stale version (someone moved the round meanwhile): reload it before deciding again. */}
              <ErrorMessage
                error={error}
                onRetry={
                  error instanceof ApiError && error.status === 409 && !error.code
                    ? () => {
                        setConfirming(undefined);
                        setError(undefined);
                        onReload();
                      }
                    : undefined
                }
              />
              <div className="actions">
                <button type="button" onClick={() => move(confirming)} disabled={busy}>
                  {t('admin.round.confirm', { action: t(`admin.moves.${confirming}.button`) })}
                </button>
                <button
                  type="button"
                  className="button-secondary"
                  onClick={() => {
                    setConfirming(undefined);
                    setError(undefined);
                  }}
                >
                  {t('common.cancel')}
                </button>
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function Schedule({ round }: { round: Round }) {
  const { t } = useTranslation();
  const f = useFormat();
  const s = round.config.schedule;
  return (
    <section aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">{t('admin.round.schedule')}</h2>
      <dl className="facts">
        {SCHEDULED_PHASES.map(({ key }) => (
          <div key={key} className="facts-row">
            <dt>{t(`admin.form.scheduleEntry.${key}`)}</dt>
            <dd>{s[key] ? f.dateTime(s[key]) : <span className="muted">{t('admin.form.byHand')}</span>}</dd>
          </div>
        ))}
      </dl>
      <p>{round.nextScheduledAt ? t('admin.round.nextScheduled', { at: f.dateTime(round.nextScheduledAt) }) : t('admin.round.nothingScheduled')}</p>
    </section>
  );
}

function Locks({ round }: { round: Round }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="locks-heading">
      <h2 id="locks-heading">{t('admin.round.locks')}</h2>
      <ul className="lock-list">
        {ROUND_CONFIG_KEYS.map((key) => {
          const open = round.editable.includes(key);
          return (
            <li key={key}>
              <span className={`badge ${open ? 'badge-ok' : 'badge-danger'}`}>{open ? t('admin.round.editable') : t('admin.round.locked')}</span>{' '}
              <strong>{t(`admin.settings.${key}`)}</strong>
              {': '}
              {open
                ? key === 'schedule'
                  ? t('admin.round.scheduleOpen')
                  : t('admin.round.editableUntil', { phase: t(`common.phase.${LOCKED_FROM[key as keyof typeof LOCKED_FROM]}`) })
                : t(`admin.locks.${key}`, { phase: t(`common.phase.${round.phase}`) })}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Tools({ round }: { round: Round }) {
  const { t } = useTranslation();
  const { hasRole } = useSession();
  const id = round.roundId;
  return (
    <section aria-labelledby="tools-heading">
      <h2 id="tools-heading">{t('admin.round.tools')}</h2>
      <ul className="tool-list">
        {hasRole('admin') && round.phase !== 'published' && (
          <li>
            <Link to={`/admin/rounds/${id}/edit`}>{t('admin.nav.edit')}</Link> — {t('admin.round.toolEdit')}
          </li>
        )}
        <li>
          <Link to={`/admin/rounds/${id}/review`}>{t('admin.nav.review')}</Link> — {t('admin.round.toolReview')}
        </li>
        {hasRole('admin') && (
          <li>
            <Link to={`/admin/rounds/${id}/voters`}>{t('admin.nav.voters')}</Link> — {t(`admin.round.toolVoters.${round.config.eligibility.mode}`)}
          </li>
        )}
        <li>
          <Link to={`/admin/rounds/${id}/paper`}>{t('admin.nav.paper')}</Link> — {t('admin.round.toolPaper')}
        </li>
        <li>
          <Link to={`/rounds/${id}`}>{t('admin.nav.public')}</Link> — {t('admin.round.toolPublic')}
        </li>
        <li>
          <Link to={`/rounds/${id}/results`}>{t('admin.nav.results')}</Link> — {t('admin.round.toolResults')}
        </li>
        <li>
          <Link to={`/rounds/${id}/audit`}>{t('admin.nav.audit')}</Link> — {t('admin.round.toolAudit')}
        </li>
      </ul>
    </section>
  );
}

function History({ state }: { state: AsyncState<HistoryEntry[]> }) {
  const { t } = useTranslation();
  const f = useFormat();
  const describe = (e: HistoryEntry): string => {
    const p = e.payload as { from?: Phase; to?: Phase; trigger?: string; changed?: string[]; actorId?: string };
    const by = p.actorId ? t('admin.history.by', { actor: p.actorId }) : p.trigger === 'schedule' ? t('admin.history.bySchedule') : '';
    switch (e.type) {
      case 'RoundCreated':
        return `${t('admin.history.created')}${by}`;
      case 'RoundConfigured':
        return `${t('admin.history.configured', { settings: (p.changed ?? []).map((k) => t(`admin.settings.${k}`, { defaultValue: k })).join(', ') })}${by}`;
      case 'RoundPhaseChanged':
        return `${t('admin.history.phase', { from: t(`common.phase.${p.from}`), to: t(`common.phase.${p.to}`) })}${by}`;
      default:
        return e.type;
    }
  };
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">{t('admin.round.history')}</h2>
      <Async state={state}>
        {(entries) => (
          <ol className="history-list" reversed>
            {[...entries].reverse().map((e) => (
              <li key={e.eventId}>
                <time dateTime={e.occurredAt}>{f.dateTime(e.occurredAt)}</time> — {describe(e)}{' '}
                <span className="muted">
                  ({e.type}, {t('admin.history.version', { n: e.version })})
                </span>
              </li>
            ))}
          </ol>
        )}
      </Async>
    </section>
  );
}
