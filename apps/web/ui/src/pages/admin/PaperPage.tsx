import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import type { Page, Proposal, Round } from '../../api/types';
import { useSession } from '../../session/session';
import { Async, ErrorMessage, useAsync, useErrorText, type AsyncState } from '../../ui/async';
import { FieldError, fieldA11y } from '../../ui/fields';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { RequireRole, RoundNav, Status, useRound } from './shared';
import { TableWrap } from '../../ui/TableWrap';
import type { BallotReceipt, PaperBatch } from './types';

/** Paper ballots: batches opened with the sheets counted by hand, entered sheet by sheet, closed with a reconciliation. */
export default function PaperPage() {
  return (
    <RequireRole roles={['staff', 'admin', 'auditor']}>
      <Paper />
    </RequireRole>
  );
}

type RefusalReason = 'not-eligible' | 'already-voted' | 'spoiled';

/**
 * Refusal codes that mean the sheet itself cannot count, and the coarse reason the batch records when the clerk
 * sets such a sheet aside (POST …/refusals). The clerk decides: a refusal may also be a typing mistake to correct.
 */
const SHEET_REFUSALS: ReadonlyMap<string, RefusalReason> = new Map([
  ['not-registered', 'not-eligible'],
  ['other-unit', 'not-eligible'],
  ['other-round', 'not-eligible'],
  ['invalid-code', 'not-eligible'],
  ['code-used', 'not-eligible'],
  ['voted-online', 'already-voted'],
  ['voted-on-paper', 'already-voted'],
]);

function Paper() {
  const { roundId = '' } = useParams();
  const { t } = useTranslation();
  const { hasRole } = useSession();
  const round = useRound(roundId);
  const batches = useAsync((signal) => api.voting.get<{ roundId: string; batches: PaperBatch[] }>(`/rounds/${roundId}/paper-batches`, { signal }), [roundId]);
  const [selected, setSelected] = useState<string>();
  const [done, setDone] = useState<string>();
  const isStaff = hasRole('staff');
  return (
    <>
      <RoundNav roundId={roundId} />
      <Async state={round}>
        {({ round: r }) => {
          const open = batches.data?.batches.find((b) => b.batchId === selected && b.status === 'open');
          return (
            <>
              <PageTitle>{t('admin.paper.title', { name: r.config.name })}</PageTitle>
              <p>{t('admin.paper.intro', { policy: t(`admin.policies.${r.config.eligibility.paperPolicy}.name`) })}</p>
              {r.phase !== 'voting' && <p className="alert alert-warn">{t('admin.paper.notVoting', { phase: t(`common.phase.${r.phase}`) })}</p>}
              {!isStaff && <p className="alert alert-info">{t('admin.paper.staffOnly')}</p>}
              <Status>{done}</Status>
              {isStaff && r.phase === 'voting' && (
                <OpenBatch
                  round={r}
                  onOpened={(b) => {
                    setSelected(b.batchId);
                    setDone(t('admin.paper.opened', { unit: unitName(r, b.unitId), count: b.sheetsCounted }));
                    batches.reload();
                  }}
                />
              )}
              {isStaff && open && (
                <EnterBallots
                  key={open.batchId}
                  round={r}
                  batch={open}
                  onHandled={() => batches.reload()}
                  onDone={() => setSelected(undefined)}
                />
              )}
              <Report
                round={r}
                state={batches}
                selected={selected}
                canEdit={isStaff}
                onSelect={setSelected}
                onClosed={(b) => {
                  if (selected === b.batchId) setSelected(undefined);
                  setDone(
                    b.reconciled
                      ? t('admin.paper.closedOk', { counted: b.sheetsCounted })
                      : t('admin.paper.closedMismatch', { entered: b.entered, refused: b.refused, counted: b.sheetsCounted }),
                  );
                  batches.reload();
                }}
              />
            </>
          );
        }}
      </Async>
    </>
  );
}

const unitName = (round: Round, id: string) => round.config.units.find((u) => u.id === id)?.name ?? id;

function OpenBatch({ round, onOpened }: { round: Round; onOpened: (b: { batchId: string; unitId: string; sheetsCounted: number }) => void }) {
  const { t } = useTranslation();
  const [unitId, setUnitId] = useState(round.config.units[0]?.id ?? '');
  const [sheets, setSheets] = useState('');
  const [local, setLocal] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setLocal(undefined);
    if (!/^\d+$/.test(sheets.trim())) {
      setLocal(t('admin.form.integerInvalid'));
      return;
    }
    setBusy(true);
    try {
      const opened = await api.voting.post<{ batchId: string; unitId: string; sheetsCounted: number }>(`/rounds/${round.roundId}/paper-batches`, {
        unitId,
        sheetsCounted: Number(sheets.trim()),
      });
      setSheets('');
      onOpened(opened);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const sheetLocal = local ? { sheetsCounted: [local] } : undefined;
  return (
    <section aria-labelledby="open-heading">
      <h2 id="open-heading">{t('admin.paper.openHeading')}</h2>
      <form onSubmit={submit} noValidate className="inline-form">
        <div className="field">
          <label htmlFor="batch-unit">{t('admin.paper.unit')}</label>
          <select
            id="batch-unit"
            value={unitId}
            onChange={(e) => setUnitId(e.target.value)}
            {...fieldA11y(error, 'unitId', 'batch-unit-error')}
          >
            {round.config.units.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
          <FieldError id="batch-unit-error" error={error} field="unitId" />
        </div>
        <div className="field">
          <label htmlFor="batch-sheets">{t('admin.paper.sheetsCounted')}</label>
          <p className="hint" id="batch-sheets-hint">
            {t('admin.paper.sheetsCountedHint')}
          </p>
          <input
            id="batch-sheets"
            className="input-short"
            inputMode="numeric"
            value={sheets}
            onChange={(e) => setSheets(e.target.value)}
            {...fieldA11y(error, 'sheetsCounted', 'batch-sheets-error', sheetLocal, 'batch-sheets-hint')}
            autoComplete="off"
          />
          <FieldError id="batch-sheets-error" error={error} field="sheetsCounted" local={sheetLocal} />
        </div>
        {error !== undefined && !(error instanceof ApiError && error.fieldErrors.length) && <ErrorMessage error={error} />}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {t('admin.paper.open')}
          </button>
        </div>
      </form>
    </section>
  );
}

function EnterBallots({ round, batch, onHandled, onDone }: { round: Round; batch: PaperBatch; onHandled: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const proposals = useAsync(
    (signal) =>
      api.proposals.get<Page<Proposal>>(`/rounds/${round.roundId}/proposals`, { query: { unitId: batch.unitId, status: 'accepted', limit: 200 }, signal }),
    [round.roundId, batch.unitId],
  );
  const ballot = round.config.ballot;
  const [voter, setVoter] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [ranks, setRanks] = useState<string[]>([]);
  const [points, setPoints] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [refusal, setRefusal] = useState<{ message: string; reason: RefusalReason }>();
  const [entered, setEntered] = useState<{ voter: string; receipt: BallotReceipt }>();
  const [setAside, setSetAside] = useState<{ reason: RefusalReason; refused: number }>();
  const [confirmSpoiled, setConfirmSpoiled] = useState(false);
  const [busy, setBusy] = useState(false);
  const voterRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => headingRef.current?.focus(), []);

  function reset() {
    setVoter('');
    setPicked([]);
    setRanks([]);
    setPoints({});
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setRefusal(undefined);
    setEntered(undefined);
    setSetAside(undefined);
    let choices: string[];
    let pts: number[] | undefined;
    if (ballot.type === 'ranked') choices = ranks.filter(Boolean);
    else if (ballot.type === 'cumulative') {
      const given = Object.entries(points).filter(([, v]) => v.trim() !== '' && v.trim() !== '0');
      choices = given.map(([id]) => id);
      pts = given.map(([, v]) => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN));
    } else choices = picked;
    setBusy(true);
    try {
      const body = { voter: voter.trim(), choices, ...(pts ? { points: pts.map((p) => (Number.isNaN(p) ? -1 : p)) } : {}) };
      const receipt = await api.voting.post<BallotReceipt>(`/rounds/${round.roundId}/paper-batches/${batch.batchId}/ballots`, body);
      setEntered({ voter: voter.trim(), receipt });
      reset();
      onHandled();
      voterRef.current?.focus();
    } catch (err) {
      setError(err);
      const reason = err instanceof ApiError && err.code ? SHEET_REFUSALS.get(err.code) : undefined;
      if (reason) setRefusal({ message: (err as ApiError).message, reason });
    } finally {
      setBusy(false);
    }
  }

  /** Records one counted sheet as refused (the reason only) and clears the form for the next sheet. */
  async function refuse(reason: RefusalReason) {
    setBusy(true);
    try {
      const report = await api.voting.post<PaperBatch>(`/rounds/${round.roundId}/paper-batches/${batch.batchId}/refusals`, { reason });
      setError(undefined);
      setRefusal(undefined);
      setEntered(undefined);
      setConfirmSpoiled(false);
      setSetAside({ reason, refused: report.refused });
      reset();
      onHandled();
      voterRef.current?.focus();
    } catch (err) {
      setRefusal(undefined);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const messages = (field: string) => (error instanceof ApiError ? error.messagesFor(field) : []);
  const choiceMessages = [...messages('choices'), ...messages('points')];
  const codes = round.config.eligibility.mode === 'codes';
  const places = Math.max(1, ballot.maxPicks ?? ballot.rankPoints?.length ?? proposals.data?.items.length ?? 1);
  const pointsUsed = Object.values(points).reduce((s, v) => s + (/^\d+$/.test(v.trim()) ? Number(v.trim()) : 0), 0);

  return (
    <section aria-labelledby="enter-heading" className="card enter-card">
      <h2 id="enter-heading" ref={headingRef} tabIndex={-1}>
        {t('admin.paper.enterHeading', { unit: unitName(round, batch.unitId) })}
      </h2>
      <p className="muted">
        {t('admin.paper.batchProgress', { entered: batch.entered, refused: batch.refused, counted: batch.sheetsCounted })} · <code>{batch.batchId}</code>
      </p>
      <Async state={proposals}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="alert alert-warn">{t('admin.paper.noProposals')}</p>
          ) : (
            <form onSubmit={submit} noValidate>
              <div className="field">
                <label htmlFor="sheet-voter">{codes ? t('admin.paper.voterCode') : t('admin.paper.voterId')}</label>
                <p className="hint" id="sheet-voter-hint">
                  {codes ? t('admin.paper.voterCodeHint') : t('admin.paper.voterIdHint')}
                </p>
                <input
                  id="sheet-voter"
                  ref={voterRef}
                  value={voter}
                  onChange={(e) => setVoter(e.target.value)}
                  autoComplete="off"
                  autoCapitalize={codes ? 'characters' : 'none'}
                  spellCheck={false}
                  {...fieldA11y(error, 'voter', 'sheet-voter-error', undefined, 'sheet-voter-hint')}
                />
                <FieldError id="sheet-voter-error" error={error} field="voter" />
              </div>
              <fieldset aria-describedby={`choices-hint${choiceMessages.length ? ' choices-error' : ''}`}>
                <legend>{t('admin.paper.choices')}</legend>
                <p className="hint" id="choices-hint">
                  {t(`admin.paper.choicesHint.${ballot.type}`, { min: ballot.minPicks ?? 1, max: ballot.maxPicks ?? page.items.length, total: ballot.totalPoints ?? 0 })}
                </p>
                {ballot.type === 'ranked' ? (
                  Array.from({ length: places }, (_, i) => (
                    <div className="field" key={i}>
                      <label htmlFor={`rank-${i}`}>{t('admin.paper.place', { n: i + 1 })}</label>
                      <select
                        id={`rank-${i}`}
                        value={ranks[i] ?? ''}
                        onChange={(e) =>
                          setRanks((r) => {
                            const next = [...r];
                            while (next.length < places) next.push('');
                            next[i] = e.target.value;
                            return next;
                          })
                        }
                      >
                        <option value="">{t('admin.paper.noChoice')}</option>
                        {page.items.map((p) => (
                          <option key={p.proposalId} value={p.proposalId}>
                            {p.title}
                          </option>
                        ))}
                      </select>
                    </div>
                  ))
                ) : ballot.type === 'cumulative' ? (
                  <>
                    <ul className="points-list">
                      {page.items.map((p, i) => (
                        <li key={p.proposalId} className="field">
                          <label htmlFor={`points-${i}`}>{t('admin.paper.pointsFor', { title: p.title })}</label>
                          <input
                            id={`points-${i}`}
                            className="input-short"
                            inputMode="numeric"
                            value={points[p.proposalId] ?? ''}
                            onChange={(e) => setPoints((s) => ({ ...s, [p.proposalId]: e.target.value }))}
                            autoComplete="off"
                          />
                        </li>
                      ))}
                    </ul>
                    <p aria-live="polite">{t('admin.paper.pointsUsed', { used: pointsUsed, total: ballot.totalPoints ?? 0 })}</p>
                  </>
                ) : (
                  <ul className="check-list">
                    {page.items.map((p) => (
                      <li key={p.proposalId}>
                        <label>
                          <input
                            type={ballot.type === 'choose-one' ? 'radio' : 'checkbox'}
                            name="sheet-choice"
                            checked={picked.includes(p.proposalId)}
                            onChange={(e) =>
                              setPicked((s) =>
                                ballot.type === 'choose-one' ? [p.proposalId] : e.target.checked ? [...s, p.proposalId] : s.filter((x) => x !== p.proposalId),
                              )
                            }
                          />{' '}
                          {p.title}
                        </label>
                      </li>
                    ))}
                  </ul>
                )}
                {choiceMessages.length > 0 && (
                  <p className="field-error" id="choices-error">
                    {choiceMessages.join(' ')}
                  </p>
                )}
              </fieldset>
              {error !== undefined && (
                <div className="alert alert-error" role="alert">
                  <p>{refusal ? t('admin.paper.sheetRefused', { message: refusal.message }) : errorText(error)}</p>
                  {refusal && (
                    <>
                      <p>{t('admin.paper.setAsideHint')}</p>
                      <button type="button" className="button-secondary" disabled={busy} onClick={() => refuse(refusal.reason)}>
                        {t('admin.paper.setAside', { reason: t(`admin.paper.reasons.${refusal.reason}`) })}
                      </button>
                    </>
                  )}
                </div>
              )}
              <div className="actions">
                <button type="submit" disabled={busy}>
                  {t('admin.paper.enter')}
                </button>
                <button type="button" className="button-secondary" onClick={() => setConfirmSpoiled(true)} aria-expanded={confirmSpoiled}>
                  {t('admin.paper.spoiled')}
                </button>
                <button type="button" className="button-secondary" onClick={onDone}>
                  {t('admin.paper.stopEntering')}
                </button>
              </div>
              {confirmSpoiled && (
                <div className="confirm-inline" role="group" aria-label={t('admin.paper.spoiled')}>
                  <p>{t('admin.paper.spoiledConfirm')}</p>
                  <button type="button" className="button-danger" disabled={busy} onClick={() => refuse('spoiled')}>
                    {t('admin.paper.spoiledYes')}
                  </button>{' '}
                  <button type="button" className="button-secondary" onClick={() => setConfirmSpoiled(false)}>
                    {t('common.cancel')}
                  </button>
                </div>
              )}
            </form>
          )
        }
      </Async>
      <Status>
        {entered
          ? t('admin.paper.entered', { voter: entered.voter, version: entered.receipt.ballotVersion, eventId: entered.receipt.eventId })
          : setAside && t('admin.paper.setAsideDone', { reason: t(`admin.paper.reasons.${setAside.reason}`), refused: setAside.refused })}
      </Status>
    </section>
  );
}

function Report({
  round,
  state,
  selected,
  canEdit,
  onSelect,
  onClosed,
}: {
  round: Round;
  state: AsyncState<{ roundId: string; batches: PaperBatch[] }>;
  selected: string | undefined;
  canEdit: boolean;
  onSelect: (batchId: string) => void;
  onClosed: (b: PaperBatch) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [closing, setClosing] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function close(batchId: string) {
    setBusy(true);
    setError(undefined);
    try {
      const report = await api.voting.post<PaperBatch>(`/rounds/${round.roundId}/paper-batches/${batchId}/close`);
      setClosing(undefined);
      onClosed(report);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="report-heading">
      <h2 id="report-heading">{t('admin.paper.reportHeading')}</h2>
      <p className="hint">{t('admin.paper.reportHint')}</p>
      <ErrorMessage error={error} />
      <Async state={state}>
        {({ batches }) => {
          if (batches.length === 0) return <p>{t('admin.paper.noBatches')}</p>;
          const sum = (k: 'sheetsCounted' | 'entered' | 'refused' | 'discrepancy') => batches.reduce((n, b) => n + b[k], 0);
          const signed = (n: number) => (n > 0 ? `+${f.number(n)}` : f.number(n));
          return (
            <TableWrap label={t('admin.paper.reportHeading')}>
              <table className="admin-table report-table">
                <caption className="visually-hidden">{t('admin.paper.reportHeading')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('admin.paper.batch')}</th>
                    <th scope="col">{t('admin.paper.status')}</th>
                    <th scope="col" className="num">
                      {t('admin.paper.counted')}
                    </th>
                    <th scope="col" className="num">
                      {t('admin.paper.enteredCol')}
                    </th>
                    <th scope="col" className="num">
                      {t('admin.paper.refusedCol')}
                    </th>
                    <th scope="col" className="num">
                      {t('admin.paper.discrepancy')}
                    </th>
                    {canEdit && <th scope="col">{t('admin.paper.actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {batches.map((b, i) => (
                    <tr key={b.batchId} className={selected === b.batchId ? 'row-selected' : undefined}>
                      <th scope="row">
                        {t('admin.paper.batchN', { n: i + 1, unit: unitName(round, b.unitId) })}
                        <br />
                        <span className="muted small">
                          {f.dateTime(b.openedAt)} · {b.operatorId}
                        </span>
                      </th>
                      <td>
                        {b.status === 'open' ? (
                          <span className="badge">{t('admin.paper.statusOpen')}</span>
                        ) : b.reconciled ? (
                          <span className="badge badge-ok">{t('admin.paper.reconciled')}</span>
                        ) : (
                          <span className="badge badge-danger">{t('admin.paper.mismatch')}</span>
                        )}
                      </td>
                      <td className="num">{f.number(b.sheetsCounted)}</td>
                      <td className="num">{f.number(b.entered)}</td>
                      <td className="num">{f.number(b.refused)}</td>
                      <td className="num">{signed(b.discrepancy)}</td>
                      {canEdit && (
                        <td>
                          {b.status === 'open' &&
                            (closing === b.batchId ? (
                              <div className="confirm-inline" role="group" aria-label={t('admin.paper.confirmClose', { n: i + 1 })}>
                                <p>{t('admin.paper.closeWarning', { entered: b.entered, refused: b.refused, counted: b.sheetsCounted })}</p>
                                <button type="button" className="button-danger" disabled={busy} onClick={() => close(b.batchId)}>
                                  {t('admin.paper.confirmClose', { n: i + 1 })}
                                </button>{' '}
                                <button type="button" className="button-secondary" onClick={() => setClosing(undefined)}>
                                  {t('common.cancel')}
                                </button>
                              </div>
                            ) : (
                              <div className="row-actions">
                                {selected !== b.batchId && (
                                  <button type="button" className="button-secondary" onClick={() => onSelect(b.batchId)}>
                                    {t('admin.paper.enterInto', { n: i + 1 })}
                                  </button>
                                )}
                                <button type="button" className="button-secondary" onClick={() => setClosing(b.batchId)}>
                                  {t('admin.paper.close', { n: i + 1 })}
                                </button>
                              </div>
                            ))}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row" colSpan={2}>
                      {t('admin.paper.total')}
                    </th>
                    <td className="num">{f.number(sum('sheetsCounted'))}</td>
                    <td className="num">{f.number(sum('entered'))}</td>
                    <td className="num">{f.number(sum('refused'))}</td>
                    <td className="num">{signed(sum('discrepancy'))}</td>
                    {canEdit && <td />}
                  </tr>
                </tfoot>
              </table>
            </TableWrap>
          );
        }}
      </Async>
    </section>
  );
}
