import { useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError, request } from '../../api/client';
import type { Round } from '../../api/types';
import { downloadText } from '../../ui/actions';
import { Async, ErrorMessage, useAsync, useErrorText, type AsyncState } from '../../ui/async';
import { FieldError, fieldA11y } from '../../ui/fields';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { RequireRole, RoundNav, Status, useRound } from './shared';
import { TableWrap } from '../../ui/TableWrap';
import type { RollImportResult, VotersSummary } from './types';

/** JSON bodies stop at 100 kB on the voting service; larger rolls go as a raw text/csv body (up to 50 MB). */
const JSON_ROLL_LIMIT = 90_000;
const PREVIEW_ROWS = 5;
const MAX_CODES = 10_000;

/** Who may vote: import the voter roll (roll mode) or generate voting codes (codes mode). */
export default function VotersPage() {
  return (
    <RequireRole roles={['admin']}>
      <Voters />
    </RequireRole>
  );
}

function Voters() {
  const { roundId = '' } = useParams();
  const { t } = useTranslation();
  const round = useRound(roundId);
  const summary = useAsync((signal) => api.voting.get<VotersSummary>(`/rounds/${roundId}/voters/summary`, { signal }), [roundId]);
  return (
    <>
      <RoundNav roundId={roundId} />
      <Async state={round}>
        {({ round: r }) => (
          <>
            <PageTitle>{t('admin.voters.title', { name: r.config.name })}</PageTitle>
            <p className="alert alert-info" id="mode">
              <strong>{t('admin.voters.mode', { mode: t(`admin.modes.${r.config.eligibility.mode}.name`) })}</strong> {t(`admin.modes.${r.config.eligibility.mode}.help`)}
              {r.config.eligibility.minAge !== undefined && <> {t('admin.summary.minAge', { n: r.config.eligibility.minAge })}.</>}
            </p>
            {r.phase === 'closed' || r.phase === 'published' ? (
              <p className="alert alert-warn">{t('admin.voters.over')}</p>
            ) : r.config.eligibility.mode === 'roll' ? (
              <RollImport round={r} onImported={summary.reload} />
            ) : (
              <Codes round={r} onGenerated={summary.reload} />
            )}
            <Summary round={r} state={summary} />
          </>
        )}
      </Async>
    </>
  );
}

/** A few rows of the file for the preview (the service does the real parsing and checking). */
function previewOf(text: string): { header: string[]; rows: string[][]; count: number } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const split = (line: string) => line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const body = lines.slice(1).filter((l) => l.trim() !== '');
  return { header: split(lines[0] ?? ''), rows: body.slice(0, PREVIEW_ROWS).map(split), count: body.length };
}

function RollImport({ round, onImported }: { round: Round; onImported: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const errorText = useErrorText();
  const inputId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<{ name: string; text: string }>();
  const [readError, setReadError] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<RollImportResult>();
  const [busy, setBusy] = useState(false);

  async function choose(e: ChangeEvent<HTMLInputElement>) {
    setResult(undefined);
    setError(undefined);
    setReadError(undefined);
    const chosen = e.target.files?.[0];
    if (!chosen) {
      setFile(undefined);
      return;
    }
    try {
      setFile({ name: chosen.name, text: await chosen.text() });
    } catch (err) {
      setFile(undefined);
      setReadError(t('admin.voters.readFailed', { message: (err as Error).message }));
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const path = `/rounds/${round.roundId}/voters/roll`;
      const imported =
        file.text.length > JSON_ROLL_LIMIT
          ? (await request<RollImportResult>('voting', 'POST', `${path}.csv`, { body: file.text, contentType: 'text/csv' })).data
          : await api.voting.post<RollImportResult>(path, { csv: file.text });
      setResult(imported);
      onImported();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const preview = file ? previewOf(file.text) : undefined;
  // Per-line problems: fields csv.<line> (the service refuses the whole file when any line is wrong).
  const lineProblems =
    error instanceof ApiError
      ? error.fieldErrors
          .filter((e) => /^csv(\.\d+)?$/.test(e.field))
          .map((e) => ({ line: e.field === 'csv' ? undefined : Number(e.field.split('.')[1]), messages: e.messages }))
      : [];
  const unitName = (id: string) => round.config.units.find((u) => u.id === id)?.name ?? id;

  return (
    <section aria-labelledby="roll-heading">
      <h2 id="roll-heading">{t('admin.voters.rollHeading')}</h2>
      <p>{t('admin.voters.rollIntro')}</p>
      <p className="hint">{t('admin.voters.sampleLabel')}</p>
      <pre className="sample">
        {`resident_id,unit_id,birth_year\nR-000123,${round.config.units[0]?.id ?? 'centre'},1980`}
      </pre>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={inputId}>{t('admin.voters.file')}</label>
          <p className="hint" id={`${inputId}-hint`}>
            {t('admin.voters.fileHint', { units: round.config.units.map((u) => u.id).join(', ') })}
          </p>
          <input
            ref={fileRef}
            id={inputId}
            type="file"
            accept=".csv,text/csv,text/plain"
            onChange={choose}
            aria-describedby={`${inputId}-hint${readError || lineProblems.length ? ` ${inputId}-error` : ''}`}
            aria-invalid={!!readError || lineProblems.length > 0 || undefined}
          />
          {readError && (
            <p className="field-error" id={`${inputId}-error`}>
              {readError}
            </p>
          )}
          {!readError && lineProblems.length > 0 && (
            <p className="field-error" id={`${inputId}-error`}>
              {t('admin.voters.fileRefused', { count: lineProblems.length })}
            </p>
          )}
        </div>
        {file && preview && (
          <section aria-labelledby="preview-heading" className="preview">
            <h3 id="preview-heading">{t('admin.voters.preview', { name: file.name })}</h3>
            <p>{t('admin.voters.rowCount', { count: preview.count })}</p>
            <TableWrap label={t('admin.voters.previewCaption', { count: Math.min(PREVIEW_ROWS, preview.count) })}>
              <table className="admin-table">
                <caption className="visually-hidden">{t('admin.voters.previewCaption', { count: Math.min(PREVIEW_ROWS, preview.count) })}</caption>
                <thead>
                  <tr>
                    {preview.header.map((h, i) => (
                      <th scope="col" key={i}>
                        {h}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((row, i) => (
                    <tr key={i}>
                      {preview.header.map((_, k) => (
                        <td key={k}>{row[k] ?? ''}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            {preview.count > PREVIEW_ROWS && <p className="muted">{t('admin.voters.andMore', { count: preview.count - PREVIEW_ROWS })}</p>}
          </section>
        )}
        <div className="actions">
          <button type="submit" disabled={!file || busy || preview?.count === 0}>
            {t('admin.voters.import', { count: preview?.count ?? 0 })}
          </button>
        </div>
      </form>
      {error !== undefined && (
        <div className="alert alert-error" role="alert">
          <p>{lineProblems.length ? t('admin.voters.refused') : errorText(error)}</p>
          {lineProblems.length > 0 && (
            <TableWrap label={t('admin.voters.problemsCaption')}>
              <table className="admin-table">
                <caption>{t('admin.voters.problemsCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('admin.voters.line')}
                    </th>
                    <th scope="col">{t('admin.voters.problem')}</th>
                  </tr>
                </thead>
                <tbody>
                  {lineProblems.map((p, i) => (
                    <tr key={i}>
                      <td className="num">{p.line ?? '—'}</td>
                      <td>{p.messages.join(' ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </div>
      )}
      <Status>
        {result && (
          <>
            <p>
              <strong>{t('admin.voters.imported')}</strong>
            </p>
            <dl className="facts">
              <div className="facts-row">
                <dt>{t('admin.voters.registered')}</dt>
                <dd>{f.number(result.registered)}</dd>
              </div>
              <div className="facts-row">
                <dt>{t('admin.voters.unchanged')}</dt>
                <dd>{f.number(result.unchanged)}</dd>
              </div>
              <div className="facts-row">
                <dt>{t('admin.voters.belowMinAge')}</dt>
                <dd>{f.number(result.belowMinAge)}</dd>
              </div>
              {Object.entries(result.onRoll).map(([unit, n]) => (
                <div className="facts-row" key={unit}>
                  <dt>{t('admin.voters.onRollIn', { unit: unitName(unit) })}</dt>
                  <dd>{f.number(n)}</dd>
                </div>
              ))}
            </dl>
          </>
        )}
      </Status>
    </section>
  );
}

function Codes({ round, onGenerated }: { round: Round; onGenerated: () => void }) {
  const { t } = useTranslation();
  const [unitId, setUnitId] = useState(round.config.units[0]?.id ?? '');
  const [count, setCount] = useState('100');
  const [local, setLocal] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [generated, setGenerated] = useState<{ unitId: string; count: number; csv: string; filename: string }>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    setLocal(undefined);
    const n = /^\d+$/.test(count.trim()) ? Number(count.trim()) : NaN;
    if (!Number.isInteger(n)) {
      setLocal(t('admin.form.integerInvalid'));
      return;
    }
    setBusy(true);
    try {
      const res = await request<string>('voting', 'POST', `/rounds/${round.roundId}/codes`, { body: { unitId, count: n } });
      const csv = typeof res.data === 'string' ? res.data : String(res.data);
      const filename = `voting-codes-${unitId}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.csv`;
      const lines = csv.split('\n').filter((l) => l.trim() !== '').length - 1;
      setGenerated({ unitId, count: lines, csv, filename });
      downloadText(filename, csv, 'text/csv');
      onGenerated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const countLocal = local ? { count: [local] } : undefined;
  const unitName = (id: string) => round.config.units.find((u) => u.id === id)?.name ?? id;
  return (
    <section aria-labelledby="codes-heading">
      <h2 id="codes-heading">{t('admin.voters.codesHeading')}</h2>
      <p>{t('admin.voters.codesIntro')}</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="codes-unit">{t('admin.voters.codesUnit')}</label>
          <select
            id="codes-unit"
            value={unitId}
            onChange={(e) => setUnitId(e.target.value)}
            {...fieldA11y(error, 'unitId', 'codes-unit-error')}
          >
            {round.config.units.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
          <FieldError id="codes-unit-error" error={error} field="unitId" />
        </div>
        <div className="field">
          <label htmlFor="codes-count">{t('admin.voters.codesCount')}</label>
          <p className="hint" id="codes-count-hint">
            {t('admin.voters.codesCountHint', { max: MAX_CODES })}
          </p>
          <input
            id="codes-count"
            className="input-short"
            inputMode="numeric"
            value={count}
            onChange={(e) => setCount(e.target.value)}
            {...fieldA11y(error, 'count', 'codes-count-error', countLocal, 'codes-count-hint')}
            autoComplete="off"
          />
          <FieldError id="codes-count-error" error={error} field="count" local={countLocal} />
        </div>
        {error !== undefined && !(error instanceof ApiError && error.fieldErrors.length) && <ErrorMessage error={error} />}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {t('admin.voters.generate')}
          </button>
        </div>
      </form>
      <Status>
        {generated && (
          <>
            <p>
              <strong>{t('admin.voters.generated', { count: generated.count, unit: unitName(generated.unitId) })}</strong>
            </p>
            <p>{t('admin.voters.onlyCopy', { filename: generated.filename })}</p>
          </>
        )}
      </Status>
      {generated && (
        <p>
          <button type="button" className="button-secondary" onClick={() => downloadText(generated.filename, generated.csv, 'text/csv')}>
            {t('admin.voters.downloadAgain')}
          </button>
        </p>
      )}
    </section>
  );
}

function Summary({ round, state }: { round: Round; state: AsyncState<VotersSummary> }) {
  const { t } = useTranslation();
  const f = useFormat();
  const unitName = (id: string) => round.config.units.find((u) => u.id === id)?.name ?? id;
  const notKnown = state.error instanceof ApiError && state.error.status === 404 && !state.data;
  return (
    <section aria-labelledby="registered-heading">
      <h2 id="registered-heading">{t('admin.voters.registeredHeading')}</h2>
      {notKnown ? (
        <div className="alert alert-info">
          <p>{t('admin.voters.notYetKnown')}</p>
          <button type="button" className="button-secondary" onClick={state.reload}>
            {t('common.retry')}
          </button>
        </div>
      ) : (
        <Async state={state}>
          {(s) =>
            s.groups.length === 0 ? (
              <p>{t('admin.voters.none')}</p>
            ) : (
              <TableWrap label={t('admin.voters.registeredHeading')}>
                <table className="admin-table">
                  <caption className="visually-hidden">{t('admin.voters.registeredHeading')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('admin.voters.unit')}</th>
                      <th scope="col">{t('admin.voters.source')}</th>
                      <th scope="col" className="num">
                        {t('admin.voters.voters')}
                      </th>
                      {s.mode === 'codes' && (
                        <th scope="col" className="num">
                          {t('admin.voters.signedIn')}
                        </th>
                      )}
                    </tr>
                  </thead>
                  <tbody>
                    {s.groups.map((g, i) => (
                      <tr key={i}>
                        <td>{unitName(g.unitId)}</td>
                        <td>{t(`admin.voters.sources.${g.source}`, { defaultValue: g.source })}</td>
                        <td className="num">{f.number(g.voters)}</td>
                        {s.mode === 'codes' && <td className="num">{f.number(g.codesSignedIn)}</td>}
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row" colSpan={2}>
                        {t('admin.voters.total')}
                      </th>
                      <td className="num">{f.number(s.groups.reduce((n, g) => n + g.voters, 0))}</td>
                      {s.mode === 'codes' && <td className="num">{f.number(s.groups.reduce((n, g) => n + g.codesSignedIn, 0))}</td>}
                    </tr>
                  </tfoot>
                </table>
              </TableWrap>
            )
          }
        </Async>
      )}
    </section>
  );
}
