import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../api/client';
import type { Round } from '../../api/types';
import { CopyButton } from '../../ui/actions';
import { Async, useAsync } from '../../ui/async';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { verifyInWorker, type BrowserVerifyReport, type VerifyProgress, type VerifyRequest } from '../../verify';
import type { PublicKeyView, WitnessesView } from './types';
import './audit.css';
import { TableWrap } from '../../ui/TableWrap';

interface ManifestView {
  readonly roundId: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly ledgerSize: number;
  readonly roundEntries: number;
  readonly checkpoints: number;
  readonly latestCheckpoint: { readonly size: number; readonly rootHash: string; readonly time: string };
  readonly files: readonly { readonly name: string; readonly bytes: number; readonly sha256: string }[];
}

/** Share of the whole verification each phase stands for, in the order the verifier goes through them. */
const PHASE_SPAN: Record<VerifyProgress['phase'], [number, number]> = {
  download: [0, 35],
  checkpoints: [35, 45],
  ledger: [45, 70],
  hashing: [70, 90],
  recount: [90, 99],
  done: [100, 100],
};

function overall(p: VerifyProgress): number {
  const [from, to] = PHASE_SPAN[p.phase];
  const part = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  return Math.round(from + (to - from) * part);
}

type Run =
  | { kind: 'idle' }
  | { kind: 'running'; source: 'server' | 'disk'; percent: number; phase: VerifyProgress['phase'] }
  | { kind: 'done'; source: 'server' | 'disk'; report: BrowserVerifyReport; pinned?: PublicKeyView }
  | { kind: 'error'; source: 'server' | 'disk'; code: string; message: string };

export default function RoundAuditPage() {
  const { roundId = '' } = useParams();
  const { t } = useTranslation();
  const round = useAsync((signal) => api.proposals.get<Round>(`/rounds/${roundId}`, { signal }), [roundId]);
  const name = round.data?.config.name;
  return (
    <>
      <PageTitle title={name ? t('audit.round.titleOf', { name }) : t('audit.round.title')}>
        {t('audit.round.title')}
        {name ? (
          <>
            : <span className="audit-round-name">{name}</span>
          </>
        ) : null}
      </PageTitle>
      <p className="audit-links">
        <Link to={`/rounds/${roundId}/results`}>{t('audit.round.resultsLink')}</Link>
        <Link to={`/audit?roundId=${roundId}`}>{t('audit.round.ledgerLink')}</Link>
      </p>
      <p>{t('audit.round.intro')}</p>
      <Verification roundId={roundId} />
      <BundleFiles roundId={roundId} />
    </>
  );
}

function BundleFiles({ roundId }: { roundId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const manifest = useAsync((signal) => api.audit.get<ManifestView>(`/rounds/${roundId}/bundle`, { signal, anonymous: true }), [roundId]);
  const exportCmd = `npx plaza audit export ${roundId} --out bundle/`;
  return (
    <section aria-labelledby="bundle-h">
      <h2 id="bundle-h">{t('audit.bundle.heading')}</h2>
      <p>{t('audit.bundle.intro')}</p>
      {manifest.error instanceof ApiError && manifest.error.status === 404 ? (
        <p className="alert alert-info">{t('audit.bundle.none')}</p>
      ) : (
        <Async state={manifest}>
          {(m) => {
            const size = m.latestCheckpoint.size;
            const url = (file?: string) => api.audit.url(file ? `/rounds/${roundId}/bundle/${encodeURIComponent(file)}` : `/rounds/${roundId}/bundle`, { size });
            return (
              <>
                <dl className="facts">
                  <dt>{t('audit.bundle.checkpoint')}</dt>
                  <dd>
                    {t('audit.bundle.checkpointValue', { size: f.number(size), time: f.dateTime(m.latestCheckpoint.time) })}
                  </dd>
                  <dt>{t('audit.bundle.root')}</dt>
                  <dd>
                    <code>{m.latestCheckpoint.rootHash}</code>
                  </dd>
                  <dt>{t('audit.bundle.entries')}</dt>
                  <dd>{t('audit.bundle.entriesValue', { round: f.number(m.roundEntries), all: f.number(m.ledgerSize) })}</dd>
                </dl>
                <TableWrap label={t('audit.bundle.caption')}>
                  <table className="bundle-files">
                    <caption className="visually-hidden">{t('audit.bundle.caption')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('audit.bundle.file')}</th>
                        <th scope="col" className="num">
                          {t('audit.bundle.bytes')}
                        </th>
                        <th scope="col">SHA-256</th>
                      </tr>
                    </thead>
                    <tbody>
                      <tr>
                        <td>
                          <a href={url()} download="manifest.json">
                            manifest.json
                          </a>
                        </td>
                        <td className="num">—</td>
                        <td className="muted">{t('audit.bundle.manifestNote')}</td>
                      </tr>
                      {m.files.map((file) => (
                        <tr key={file.name}>
                          <td>
                            <a href={url(file.name)} download={file.name}>
                              {file.name}
                            </a>
                          </td>
                          <td className="num">{f.number(file.bytes)}</td>
                          <td>
                            <code className="hash">{file.sha256}</code>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
                <p className="hint">{t('audit.bundle.cli')}</p>
                <pre className="note">{`${exportCmd}\nnpx plaza verify bundle/ --key '${m.verifierKey}'`}</pre>
                <CopyButton text={`${exportCmd}\nnpx plaza verify bundle/ --key '${m.verifierKey}'`} label={t('audit.bundle.copyCli')} />
              </>
            );
          }}
        </Async>
      )}
    </section>
  );
}

function Verification({ roundId }: { roundId: string }) {
  const { t } = useTranslation();
  const [run, setRun] = useState<Run>({ kind: 'idle' });
  const [pin, setPin] = useState(true);
  const controller = useRef<AbortController | undefined>(undefined);
  const resultRef = useRef<HTMLDivElement>(null);
  const key = useAsync((signal) => api.audit.get<PublicKeyView>('/ledger/public-key', { signal, anonymous: true }), []);
  // The witnesses the operator configured, prefilled; the auditor may replace them with keys they trust.
  const configured = useAsync((signal) => api.audit.get<WitnessesView>('/ledger/witnesses', { signal, anonymous: true }), []);
  const [witnessText, setWitnessText] = useState<string | undefined>(undefined);
  const [quorum, setQuorum] = useState('');
  const witnessKeys = (witnessText ?? configured.data?.witnesses.map((w) => w.verifierKey).join('\n') ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const witnessesId = useId();
  const quorumId = useId();
  useEffect(() => () => controller.current?.abort(), []);
  useEffect(() => {
    if (run.kind === 'done' || run.kind === 'error') resultRef.current?.focus();
  }, [run.kind]);

  const start = async (source: 'server' | 'disk', bundle: VerifyRequest['bundle'], pinKey: boolean) => {
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    setRun({ kind: 'running', source, percent: 0, phase: 'download' });
    let pinned: PublicKeyView | undefined;
    try {
      // The key comes from this server's audit service: the one thing trusted. Everything else is recomputed.
      if (pinKey) pinned = key.data ?? (await api.audit.get<PublicKeyView>('/ledger/public-key', { anonymous: true, signal: c.signal }));
      let last = 0;
      const witnesses = witnessKeys.length > 0 ? { witnesses: witnessKeys, ...(/^[1-9][0-9]*$/.test(quorum) ? { quorum: Number(quorum) } : {}) } : {};
      const report = await verifyInWorker(
        { bundle, ...(pinned ? { trustedKey: pinned.firstVerifierKey ?? pinned.verifierKey } : {}), ...witnesses },
        {
          signal: c.signal,
          onProgress: (p) => {
            const percent = Math.max(last, overall(p));
            last = percent;
            setRun({ kind: 'running', source, percent, phase: p.phase });
          },
        },
      );
      if (!c.signal.aborted) setRun({ kind: 'done', source, report, pinned });
    } catch (error) {
      const e = error as { code?: string; message?: string; name?: string };
      const code = e.name === 'AbortError' ? 'aborted' : (e.code ?? 'unknown');
      if (c.signal.aborted && code === 'aborted') {
        setRun({ kind: 'error', source, code: 'aborted', message: '' });
        return;
      }
      setRun({ kind: 'error', source, code, message: e.message ?? String(error) });
    }
  };

  const running = run.kind === 'running';
  return (
    <section aria-labelledby="verify-h">
      <h2 id="verify-h">{t('audit.verify.heading')}</h2>
      <p>{t('audit.verify.intro')}</p>
      <div className="alert alert-info">
        <p>
          <strong>{t('audit.verify.trustHeading')}</strong> {t('audit.verify.trust')}
        </p>
        <Async state={key}>
          {(k) => (
            <p>
              {t('audit.verify.keyIs')} <code className="verifier-key">{k.firstVerifierKey ?? k.verifierKey}</code> ({t('audit.verify.keyId', { id: k.keyId })})
            </p>
          )}
        </Async>
      </div>
      <div className="field">
        <label htmlFor={witnessesId}>{t('audit.verify.witnesses.label')}</label>
        <p className="muted">{t('audit.verify.witnesses.help')}</p>
        <textarea
          id={witnessesId}
          rows={3}
          spellCheck={false}
          value={witnessText ?? configured.data?.witnesses.map((w) => w.verifierKey).join('\n') ?? ''}
          onChange={(e) => setWitnessText(e.target.value)}
          disabled={running}
        />
        <label htmlFor={quorumId}>{t('audit.verify.witnesses.quorum')}</label>
        <input id={quorumId} inputMode="numeric" value={quorum} placeholder={String(witnessKeys.length || '')} onChange={(e) => setQuorum(e.target.value)} disabled={running} />
      </div>
      <div className="actions">
        <button type="button" onClick={() => start('server', { kind: 'http', roundId }, true)} disabled={running}>
          {t('audit.verify.start')}
        </button>
        {running && (
          <button type="button" className="button-secondary" onClick={() => controller.current?.abort()}>
            {t('audit.verify.cancel')}
          </button>
        )}
      </div>
      <FromDisk disabled={running} pin={pin} onPin={setPin} onFiles={(files, label) => start('disk', { kind: 'files', files, label }, pin)} />
      <div aria-live="polite" className="verify-live">
        {running && <Progress percent={run.percent} phase={run.phase} source={run.source} />}
      </div>
      {(run.kind === 'done' || run.kind === 'error') && (
        <div ref={resultRef} tabIndex={-1} className="verify-result">
          {run.kind === 'error' ? (
            <div className="alert alert-error" role="alert">
              <p>
                <strong>{t(`audit.verify.source.${run.source}`)}</strong> {t(`audit.verify.error.${run.code}`, { defaultValue: t('audit.verify.error.unknown') })}
              </p>
              {run.message && (
                <p lang="en" className="muted">
                  {run.message}
                </p>
              )}
            </div>
          ) : (
            <ReportView report={run.report} source={run.source} pinned={run.pinned} />
          )}
        </div>
      )}
    </section>
  );
}

function FromDisk({ disabled, pin, onPin, onFiles }: { disabled: boolean; pin: boolean; onPin: (v: boolean) => void; onFiles: (files: Record<string, Uint8Array>, label: string) => void }) {
  const { t } = useTranslation();
  const filesId = useId();
  const folderId = useId();
  const pinId = useId();
  const [problem, setProblem] = useState<string | undefined>();
  const read = async (e: ChangeEvent<HTMLInputElement>) => {
    const list = [...(e.target.files ?? [])];
    e.target.value = '';
    if (list.length === 0) return;
    const files: Record<string, Uint8Array> = {};
    const dupes: string[] = [];
    for (const file of list) {
      if (files[file.name]) dupes.push(file.name);
      files[file.name] = new Uint8Array(await file.arrayBuffer());
    }
    if (dupes.length) {
      setProblem(t('audit.disk.duplicate', { names: dupes.join(', ') }));
      return;
    }
    setProblem(undefined);
    const folder = (list[0] as File & { webkitRelativePath?: string }).webkitRelativePath?.split('/')[0];
    onFiles(files, folder || t('audit.disk.label', { count: list.length }));
  };
  return (
    <fieldset className="from-disk">
      <legend>{t('audit.disk.heading')}</legend>
      <p className="hint">{t('audit.disk.intro')}</p>
      <div className="field">
        <label htmlFor={filesId}>{t('audit.disk.files')}</label>
        <input id={filesId} type="file" multiple onChange={read} disabled={disabled} aria-describedby={problem ? `${filesId}-err` : undefined} />
      </div>
      <div className="field">
        <label htmlFor={folderId}>{t('audit.disk.folder')}</label>
        <input
          id={folderId}
          type="file"
          multiple
          onChange={read}
          disabled={disabled}
          {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
        />
      </div>
      <div className="checkbox-row">
        <input id={pinId} type="checkbox" checked={pin} onChange={(e) => onPin(e.target.checked)} disabled={disabled} />
        <label htmlFor={pinId}>{t('audit.disk.pin')}</label>
      </div>
      {problem && (
        <p id={`${filesId}-err`} className="field-error" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}

function Progress({ percent, phase, source }: { percent: number; phase: VerifyProgress['phase']; source: 'server' | 'disk' }) {
  const { t } = useTranslation();
  const f = useFormat();
  const text = t('audit.verify.progress', { phase: t(`audit.verify.phase.${phase}`), percent: f.percent(percent / 100, 0) });
  return (
    <div className="verify-progress">
      <p id="verify-progress-label">
        {t(`audit.verify.source.${source}`)} {text}
      </p>
      <div
        className="meter-track"
        role="progressbar"
        aria-labelledby="verify-progress-label"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={text}
      >
        <div className="meter-fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

function ReportView({ report, source, pinned }: { report: BrowserVerifyReport; source: 'server' | 'disk'; pinned?: PublicKeyView }) {
  const { t } = useTranslation();
  const f = useFormat();
  const failure = report.failure;
  const passed = report.checks.filter((c) => c.ok).length;
  const title = (id: string) => report.proposalTitles[id] ?? id;
  const where = (x: { index?: number; eventId?: string; checkpoint?: { line: number; size?: number }; file?: string; unitId?: string }) =>
    [
      x.index !== undefined ? t('audit.verify.at.index', { index: x.index }) : undefined,
      x.eventId ? t('audit.verify.at.event', { id: x.eventId }) : undefined,
      x.checkpoint ? t('audit.verify.at.checkpoint', { line: x.checkpoint.line, size: x.checkpoint.size ?? '?' }) : undefined,
      x.file ? t('audit.verify.at.file', { file: x.file }) : undefined,
      x.unitId ? t('audit.verify.at.unit', { unit: x.unitId }) : undefined,
    ]
      .filter(Boolean)
      .join(', ');
  return (
    <>
      <div className={`alert ${report.ok ? 'alert-ok' : 'alert-error'} verify-summary`} role={report.ok ? 'status' : 'alert'}>
        <h3>{report.ok ? t('audit.verify.passed') : t('audit.verify.failed')}</h3>
        <p>
          {t(`audit.verify.source.${source}`)}{' '}
          {report.ok
            ? t('audit.verify.passedText', { count: report.checks.length, entries: f.number(report.counts.entries), checkpoints: f.number(report.counts.checkpointsVerified) })
            : t('audit.verify.failedText', { passed, count: report.checks.length })}
        </p>
        {failure && (
          <p className="first-failure">
            <strong>{t('audit.verify.firstFailure')}</strong> {t(`audit.check.${failure.check}.name`)}
            {where(failure) ? ` (${where(failure)})` : ''}.{' '}
            <span lang="en">{failure.message}</span>
          </p>
        )}
        <p>
          {report.keyPinned && pinned
            ? t('audit.verify.pinned', { id: pinned.keyId })
            : t('audit.verify.notPinned', { id: report.keyId ?? '?' })}
        </p>
      </div>
      {report.witnesses && (
        <section aria-labelledby="witnesses-h">
          <h3 id="witnesses-h">{t('audit.verify.witnesses.heading')}</h3>
          <p>
            {t('audit.verify.witnesses.summary', {
              cosigned: report.witnesses.cosigned,
              count: report.witnesses.witnesses.length,
              quorum: report.witnesses.quorum,
              size: report.witnesses.checkpoint?.size ?? '?',
            })}
          </p>
          <ul className="witness-list">
            {report.witnesses.witnesses.map((w) => (
              <li key={w.verifierKey}>
                <strong>{w.cosigned ? t('audit.verify.witnesses.cosigned') : t('audit.verify.witnesses.missing')}</strong> <code>{w.keyName}</code> ({t('audit.verify.keyId', { id: w.keyId })})
                {w.timestamp !== undefined ? ` ${f.dateTime(new Date(w.timestamp * 1000).toISOString())}` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
      <dl className="facts">
        {report.roundName && (
          <>
            <dt>{t('audit.verify.round')}</dt>
            <dd>{report.roundName}</dd>
          </>
        )}
        <dt>{t('audit.verify.entries')}</dt>
        <dd>{t('audit.bundle.entriesValue', { round: f.number(report.counts.roundEntries), all: f.number(report.counts.entries) })}</dd>
        <dt>{t('audit.verify.checkpoints')}</dt>
        <dd>{t('audit.verify.checkpointsValue', { verified: f.number(report.counts.checkpointsVerified), all: f.number(report.counts.checkpoints) })}</dd>
        <dt>{t('audit.verify.time')}</dt>
        <dd>{t('audit.verify.seconds', { s: f.number(report.elapsedMs / 1000, { maximumFractionDigits: 1 }) })}</dd>
      </dl>

      <h3 id="recount-h">{t('audit.verify.recountHeading')}</h3>
      {report.recount.length === 0 ? (
        <p>{t('audit.verify.noRecount')}</p>
      ) : (
        <TableWrap label={t('audit.verify.recountHeading')}>
          <table className="recount-table" aria-labelledby="recount-h">
            <thead>
              <tr>
                <th scope="col">{t('audit.verify.unit')}</th>
                <th scope="col">{t('audit.verify.declared')}</th>
                <th scope="col">{t('audit.verify.recomputed')}</th>
                <th scope="col">{t('audit.verify.match')}</th>
              </tr>
            </thead>
            <tbody>
              {report.recount.map((u) => (
                <tr key={u.declaredEventId}>
                  <th scope="row">{u.unitName ?? u.unitId}</th>
                  <td>
                    <ol className="compact">
                      {u.declared.selected.map((id) => (
                        <li key={id}>{title(id)}</li>
                      ))}
                    </ol>
                    <span className="muted">{t('audit.verify.spent', { money: report.currency ? f.money(u.declared.spent, report.currency) : f.number(u.declared.spent) })}</span>
                  </td>
                  <td>
                    <ol className="compact">
                      {u.recomputed.selected.map((id) => (
                        <li key={id}>{title(id)}</li>
                      ))}
                    </ol>
                    <span className="muted">
                      {t('audit.verify.spent', { money: report.currency ? f.money(u.recomputed.spent, report.currency) : f.number(u.recomputed.spent) })} ·{' '}
                      {t('audit.verify.ballots', { n: f.number(u.recomputed.ballotsCounted) })}
                    </span>
                  </td>
                  <td>
                    {u.verified ? (
                      <span className="badge badge-ok">{t('audit.verify.same')}</span>
                    ) : (
                      <>
                        <span className="badge badge-danger">{t('audit.verify.different')}</span>
                        <ul lang="en">
                          {u.differences.map((d, k) => (
                            <li key={k}>{d}</li>
                          ))}
                        </ul>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}

      <h3 id="checks-h">{t('audit.verify.checksHeading')}</h3>
      <ul className="check-list" aria-labelledby="checks-h">
        {report.checks.map((c) => (
          <li key={c.check} className={c.ok ? 'check-ok' : 'check-failed'}>
            <span className={`badge ${c.ok ? 'badge-ok' : 'badge-danger'}`}>{c.ok ? t('audit.verify.pass') : t('audit.verify.fail')}</span>{' '}
            <strong>{t(`audit.check.${c.check}.name`)}</strong> <span className="muted">{t(`audit.check.${c.check}.what`)}</span>
            {!c.ok && (
              <p className="check-failure">
                {where(c) && <span>{where(c)}: </span>}
                <span lang="en">{c.message}</span>
              </p>
            )}
          </li>
        ))}
      </ul>
      {report.failures.length > 1 && (
        <details>
          <summary>{t('audit.verify.allFailures', { count: report.failures.length })}</summary>
          <ul>
            {report.failures.map((x, k) => (
              <li key={k}>
                <strong>{t(`audit.check.${x.check}.name`)}</strong>
                {where(x) ? ` (${where(x)})` : ''}: <span lang="en">{x.message}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
