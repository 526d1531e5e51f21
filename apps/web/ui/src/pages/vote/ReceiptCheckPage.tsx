import { useCallback, useEffect, useRef, useState, type ChangeEvent, type ClipboardEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import { ErrorMessage } from '../../ui/async';
import { Field, FieldError, fieldMessages } from '../../ui/fields';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { parseReceipt, receiptProblems, type ReceiptKey } from './receipt';
import type { ReceiptCheck } from './types';
import './vote.css';

/** Automatic re-checks while a fresh ballot waits for the ledger or its next signed checkpoint. */
const RECHECK_MS = 3000;
const RECHECKS = 20;

/**
 * Anyone can check a receipt: is this ballot (event id + leaf hash) in the latest signed checkpoint of the
 * public ledger? Typed, pasted, read from the downloaded file, or passed in the address by "Check in the ledger".
 */
export default function ReceiptCheckPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const [eventId, setEventId] = useState(params.get('eventId') ?? '');
  const [leafHash, setLeafHash] = useState(params.get('leafHash') ?? '');
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [fileNote, setFileNote] = useState<string>();
  const [result, setResult] = useState<ReceiptCheck>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [autoChecking, setAutoChecking] = useState(false);
  const tries = useRef(0);
  const resultRef = useRef<HTMLDivElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const check = useCallback(
    async (receipt: ReceiptKey, { again = false }: { again?: boolean } = {}) => {
      clearTimeout(timer.current);
      const key = { eventId: receipt.eventId.trim(), leafHash: receipt.leafHash.trim() };
      const problems = receiptProblems(key);
      setLocal(problems);
      if (Object.keys(problems).length) {
        setResult(undefined);
        setError(undefined);
        document.getElementById(problems.eventId ? 'receipt-event' : 'receipt-hash')?.focus();
        return;
      }
      setBusy(true);
      setError(undefined);
      if (!again) tries.current = 0;
      let waiting = false;
      try {
        const answer = await api.audit.post<ReceiptCheck>('/receipts/check', key, { anonymous: true });
        setResult(answer);
        waiting = !answer.included && (answer.pending === true || answer.index === undefined) && tries.current < RECHECKS;
        if (waiting) {
          tries.current += 1;
          timer.current = setTimeout(() => void check(key, { again: true }), RECHECK_MS);
        }
      } catch (err) {
        setResult(undefined);
        setError(err);
      } finally {
        setAutoChecking(waiting);
        setBusy(false);
      }
      if (!again) setTimeout(() => resultRef.current?.focus(), 0);
    },
    [],
  );

  useEffect(() => () => clearTimeout(timer.current), []);

  // Arriving with a receipt in the address ("Check in the ledger") checks it at once.
  const initial = useRef({ eventId: params.get('eventId'), leafHash: params.get('leafHash') });
  useEffect(() => {
    const { eventId: e, leafHash: h } = initial.current;
    if (e && h) void check({ eventId: e, leafHash: h });
  }, [check]);

  const run = (receipt: ReceiptKey) => {
    setParams(new URLSearchParams({ eventId: receipt.eventId.trim(), leafHash: receipt.leafHash.trim() }), { replace: true });
    void check(receipt);
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    const found = parseReceipt(text);
    if (!found) {
      setFileNote(t('vote.check.fileUnreadable', { name: file.name }));
      return;
    }
    setFileNote(t('vote.check.fileRead', { name: file.name }));
    setEventId(found.eventId);
    setLeafHash(found.leafHash);
    run(found);
  };

  /** Pasting a whole copied receipt into either field fills both. */
  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const text = e.clipboardData.getData('text');
    const found = parseReceipt(text);
    if (found && text.trim() !== found.eventId && text.trim() !== found.leafHash) {
      e.preventDefault();
      setEventId(found.eventId);
      setLeafHash(found.leafHash);
    }
  };

  const eventInvalid = fieldMessages(error, 'eventId', local).length > 0;
  const hashInvalid = fieldMessages(error, 'leafHash', local).length > 0;
  return (
    <>
      <PageTitle>{t('vote.check.title')}</PageTitle>
      <p>{t('vote.check.intro')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run({ eventId, leafHash });
        }}
        noValidate
        className="receipt-form"
      >
        <Field label={t('vote.check.eventId')} htmlFor="receipt-event" hint={t('vote.check.eventIdHint')} hintId="receipt-event-hint">
          <input
            id="receipt-event"
            value={eventId}
            onChange={(e) => setEventId(e.target.value)}
            onPaste={onPaste}
            spellCheck={false}
            autoComplete="off"
            className="mono"
            aria-invalid={eventInvalid || undefined}
            aria-describedby={eventInvalid ? 'receipt-event-hint receipt-event-error' : 'receipt-event-hint'}
          />
          <FieldError id="receipt-event-error" error={error} field="eventId" local={local} />
        </Field>
        <Field label={t('vote.check.leafHash')} htmlFor="receipt-hash" hint={t('vote.check.leafHashHint')} hintId="receipt-hash-hint">
          <input
            id="receipt-hash"
            value={leafHash}
            onChange={(e) => setLeafHash(e.target.value)}
            onPaste={onPaste}
            spellCheck={false}
            autoComplete="off"
            className="mono"
            aria-invalid={hashInvalid || undefined}
            aria-describedby={hashInvalid ? 'receipt-hash-hint receipt-hash-error' : 'receipt-hash-hint'}
          />
          <FieldError id="receipt-hash-error" error={error} field="leafHash" local={local} />
        </Field>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? t('vote.check.checking') : t('vote.check.submit')}
          </button>
        </div>
        <Field label={t('vote.check.file')} htmlFor="receipt-file" hint={t('vote.check.fileHint')} hintId="receipt-file-hint">
          <input id="receipt-file" type="file" accept=".json,.txt,application/json,text/plain" onChange={onFile} aria-describedby="receipt-file-hint" />
        </Field>
        <p className="muted" role="status" aria-live="polite">
          {fileNote ?? ''}
        </p>
      </form>
      <div ref={resultRef} tabIndex={-1} className="check-result">
        {error !== undefined && !(error instanceof ApiError && error.status === 400 && error.fieldErrors.length) && <ErrorMessage error={error} />}
        {result && <CheckResult result={result} rechecking={autoChecking} onAgain={() => run({ eventId, leafHash })} />}
      </div>
    </>
  );
}

function CheckResult({ result, rechecking, onAgain }: { result: ReceiptCheck; rechecking: boolean; onAgain: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  if (result.included) {
    const c = result.checkpoint;
    return (
      <section aria-labelledby="result-heading">
        <div className="alert alert-ok" role="status">
          <h2 id="result-heading">{t('vote.check.included')}</h2>
          <p>{t('vote.check.includedBody', { index: result.index, size: result.size })}</p>
        </div>
        {result.superseded !== undefined && (
          <section aria-labelledby="fate-heading" className="fate">
            <h3 id="fate-heading">{t('vote.check.fate.heading')}</h3>
            <ul data-testid="ballot-fate">
              <li>{t('vote.check.fate.included')}</li>
              <li>{t(result.superseded ? 'vote.check.fate.superseded' : 'vote.check.fate.notSuperseded')}</li>
              <li>{t(result.counted === true ? 'vote.check.fate.counted' : result.counted === false ? 'vote.check.fate.notCounted' : 'vote.check.fate.countedPending')}</li>
            </ul>
          </section>
        )}
        <dl className="facts">
          <dt>{t('vote.check.index')}</dt>
          <dd data-testid="ledger-index">{result.index}</dd>
          <dt>{t('vote.check.entryType')}</dt>
          <dd>{result.entry.type}</dd>
          <dt>{t('vote.check.round')}</dt>
          <dd>
            <Link to={`/rounds/${result.entry.roundId}`}>
              <code>{result.entry.roundId}</code>
            </Link>
          </dd>
          <dt>{t('vote.check.appendedAt')}</dt>
          <dd>{f.dateTime(result.entry.appendedAt)}</dd>
          <dt>{t('vote.check.checkpointSize')}</dt>
          <dd>{result.size}</dd>
          <dt>{t('vote.check.checkpointTime')}</dt>
          <dd>{f.dateTime(c.time)}</dd>
          <dt>{t('vote.check.origin')}</dt>
          <dd>
            <code>{c.origin}</code>
          </dd>
          <dt>{t('vote.check.root')}</dt>
          <dd>
            <code>{c.rootHex}</code>
          </dd>
        </dl>
        <details className="proof">
          <summary>{t('vote.check.proof', { count: result.proof.length })}</summary>
          <p>{t('vote.check.proofHint')}</p>
          {result.proof.length === 0 ? (
            <p className="muted">{t('vote.check.proofEmpty')}</p>
          ) : (
            <ol className="hashes">
              {result.proof.map((h, i) => (
                <li key={`${i}-${h}`}>
                  <code>{h}</code>
                </li>
              ))}
            </ol>
          )}
          <h3>{t('vote.check.note')}</h3>
          <pre className="note">{c.note}</pre>
          <p>
            <Link to="/audit">{t('vote.check.moreAudit')}</Link>
          </p>
        </details>
      </section>
    );
  }
  const kind = result.pending ? 'pending' : result.index === undefined ? 'notFound' : 'mismatch';
  return (
    <section aria-labelledby="result-heading">
      <div className={`alert ${kind === 'mismatch' ? 'alert-error' : kind === 'pending' ? 'alert-info' : 'alert-warn'}`} role="status">
        <h2 id="result-heading">{t(`vote.check.${kind}`)}</h2>
        <p>{t(`vote.check.${kind}Body`, { index: result.index })}</p>
        <p className="muted">{t('vote.refusal.serviceSaid', { message: result.reason })}</p>
        {kind !== 'mismatch' && rechecking && <p>{t('vote.check.rechecking')}</p>}
      </div>
      <div className="actions">
        <button type="button" className="button-secondary" onClick={onAgain}>
          {t('vote.check.again')}
        </button>
      </div>
    </section>
  );
}
