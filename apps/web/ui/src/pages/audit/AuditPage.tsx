import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import type { Page, Round } from '../../api/types';
import { CopyButton } from '../../ui/actions';
import { Async, useAsync } from '../../ui/async';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import type { CheckpointPage, CheckpointView, LedgerEntry, LedgerPage, PublicKeyView } from './types';
import './audit.css';
import { TableWrap } from '../../ui/TableWrap';

const PAGE = 25;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default function AuditPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageTitle>{t('audit.title')}</PageTitle>
      <p>{t('audit.intro')}</p>
      <nav aria-label={t('audit.sectionsLabel')} className="audit-sections">
        <ul>
          <li>
            <a href="#ledger-h">{t('audit.ledger.heading')}</a>
          </li>
          <li>
            <a href="#checkpoints-h">{t('audit.checkpoints.heading')}</a>
          </li>
          <li>
            <a href="#key-h">{t('audit.key.heading')}</a>
          </li>
        </ul>
      </nav>
      <LedgerBrowser />
      <Checkpoints />
      <PublicKey />
    </>
  );
}

/** The ledger page by page (`?from=&roundId=` in the address, so a page can be linked), one entry expandable. */
function LedgerBrowser() {
  const { t } = useTranslation();
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const from = Math.max(0, Number.parseInt(params.get('from') ?? '0', 10) || 0);
  const roundParam = params.get('roundId') ?? '';
  const roundId = UUID.test(roundParam) ? roundParam : '';
  // Where earlier pages started, for "previous" when a round filter makes the indexes sparse.
  const [history, setHistory] = useState<number[]>([]);
  const [open, setOpen] = useState<number | undefined>();
  const [jump, setJump] = useState('');
  const rounds = useAsync((signal) => api.proposals.get<Page<Round>>('/rounds', { signal, query: { limit: 200 } }), []);
  const page = useAsync(
    (signal) => api.audit.get<LedgerPage>('/ledger', { signal, anonymous: true, query: { from, limit: PAGE, roundId: roundId || undefined } }),
    [from, roundId],
  );
  const go = (next: { from?: number; roundId?: string }, push = true) => {
    if (push) setHistory((h) => [...h, from]);
    setOpen(undefined);
    setParams(
      (p) => {
        const q = new URLSearchParams(p);
        q.set('from', String(next.from ?? 0));
        const r = next.roundId ?? roundId;
        if (r) q.set('roundId', r);
        else q.delete('roundId');
        return q;
      },
      { replace: false },
    );
  };
  // Without a filter the indexes are dense: the previous page is simply PAGE earlier. With one, go back to
  // where the earlier page started (or to the start when the page was opened from a link).
  const previous = () => {
    const back = roundId ? (history.at(-1) ?? 0) : Math.max(0, from - PAGE);
    setHistory((h) => h.slice(0, -1));
    go({ from: back }, false);
  };
  const onJump = (e: FormEvent) => {
    e.preventDefault();
    const n = Number.parseInt(jump, 10);
    if (Number.isFinite(n) && n >= 0) go({ from: n });
  };
  const roundName = (id: string) => rounds.data?.items.find((r) => r.roundId === id)?.config.name;
  const filterId = useId();
  const jumpId = useId();
  return (
    <section aria-labelledby="ledger-h">
      <h2 id="ledger-h">{t('audit.ledger.heading')}</h2>
      <p>{t('audit.ledger.intro')}</p>
      <div className="ledger-controls">
        <div className="field">
          <label htmlFor={filterId}>{t('audit.ledger.filter')}</label>
          <select
            id={filterId}
            value={roundId}
            onChange={(e) => {
              setHistory([]);
              go({ from: 0, roundId: e.target.value }, false);
            }}
          >
            <option value="">{t('audit.ledger.allRounds')}</option>
            {roundId && !rounds.data?.items.some((r) => r.roundId === roundId) && <option value={roundId}>{roundId}</option>}
            {rounds.data?.items.map((r) => (
              <option key={r.roundId} value={r.roundId}>
                {r.config.name}
              </option>
            ))}
          </select>
        </div>
        <form className="ledger-jump" onSubmit={onJump}>
          <div className="field">
            <label htmlFor={jumpId}>{t('audit.ledger.jump')}</label>
            <input id={jumpId} type="number" inputMode="numeric" min={0} value={jump} onChange={(e) => setJump(e.target.value)} />
          </div>
          <button type="submit" className="button-secondary">
            {t('audit.ledger.go')}
          </button>
        </form>
      </div>
      <Async state={page}>
        {(data) => (
          <>
            <p aria-live="polite" role="status">
              {data.entries.length === 0
                ? t('audit.ledger.empty', { size: f.number(data.size) })
                : t('audit.ledger.showing', {
                    first: f.number(data.entries[0].index),
                    last: f.number(data.entries[data.entries.length - 1].index),
                    size: f.number(data.size),
                  })}
            </p>
            {data.entries.length > 0 && (
              <TableWrap label={t('audit.ledger.caption')}>
                <table className="ledger-table">
                  <caption className="visually-hidden">{t('audit.ledger.caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col" className="num">
                        {t('audit.ledger.index')}
                      </th>
                      <th scope="col">{t('audit.ledger.type')}</th>
                      <th scope="col">{t('audit.ledger.round')}</th>
                      <th scope="col">{t('audit.ledger.producer')}</th>
                      <th scope="col">{t('audit.ledger.leafHash')}</th>
                      <th scope="col">
                        <span className="visually-hidden">{t('audit.ledger.details')}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.entries.map((e) => (
                      <EntryRows key={e.index} entry={e} roundName={roundName(e.roundId)} open={open === e.index} onToggle={() => setOpen(open === e.index ? undefined : e.index)} />
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
            <div className="actions">
              <button type="button" className="button-secondary" onClick={previous} disabled={from === 0}>
                {t('audit.ledger.previous')}
              </button>
              <button type="button" className="button-secondary" onClick={() => data.next !== null && go({ from: data.next })} disabled={data.next === null}>
                {t('audit.ledger.next')}
              </button>
            </div>
          </>
        )}
      </Async>
    </section>
  );
}

function EntryRows({ entry, roundName, open, onToggle }: { entry: LedgerEntry; roundName?: string; open: boolean; onToggle: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const detailId = `entry-${entry.index}`;
  const nil = /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(entry.roundId);
  let pretty = entry.canonical;
  try {
    pretty = JSON.stringify(JSON.parse(entry.canonical), null, 2);
  } catch {
    // Shown as stored.
  }
  return (
    <>
      <tr>
        <td className="num">{entry.index}</td>
        <td>
          <code>{entry.type}</code>
        </td>
        <td>
          {nil ? (
            <span className="muted">{t('audit.ledger.noRound')}</span>
          ) : (
            <Link to={`/rounds/${entry.roundId}/audit`} title={entry.roundId}>
              {roundName ?? `${entry.roundId.slice(0, 8)}…`}
            </Link>
          )}
        </td>
        <td>{entry.producer}</td>
        <td>
          <code className="hash" title={entry.leafHash}>
            {entry.leafHash.slice(0, 16)}…
          </code>
        </td>
        <td>
          <button type="button" className="button-link" aria-expanded={open} aria-controls={open ? detailId : undefined} onClick={onToggle}>
            {open ? t('audit.ledger.hide', { index: entry.index }) : t('audit.ledger.show', { index: entry.index })}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="entry-detail">
          <td colSpan={6} id={detailId}>
            <dl className="facts">
              <dt>{t('audit.ledger.eventId')}</dt>
              <dd>
                <code>{entry.eventId}</code>
              </dd>
              <dt>{t('audit.ledger.leafHash')}</dt>
              <dd>
                <code>{entry.leafHash}</code>
              </dd>
              <dt>{t('audit.ledger.appendedAt')}</dt>
              <dd>{f.dateTime(entry.appendedAt)}</dd>
            </dl>
            <p className="hint">{t('audit.ledger.canonicalHint')}</p>
            <pre className="canonical" tabIndex={0} aria-label={t('audit.ledger.canonical', { index: entry.index })}>
              {entry.canonical}
            </pre>
            <details>
              <summary>{t('audit.ledger.pretty')}</summary>
              <pre className="canonical" tabIndex={0} aria-label={t('audit.ledger.pretty')}>
                {pretty}
              </pre>
            </details>
            <div className="actions">
              <CopyButton text={entry.canonical} label={t('audit.ledger.copyCanonical')} />
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

/** Signed checkpoints in size order (the latest on top), each with its signed note. */
function Checkpoints() {
  const { t } = useTranslation();
  const [pages, setPages] = useState<CheckpointView[][]>([]);
  const [after, setAfter] = useState(-1);
  const latest = useAsync((signal) => api.audit.get<CheckpointView>('/ledger/checkpoints/latest', { signal, anonymous: true }), []);
  const list = useAsync(
    async (signal) => {
      const page = await api.audit.get<CheckpointPage>('/ledger/checkpoints', { signal, anonymous: true, query: { after, limit: 20 } });
      setPages((p) => (after === -1 ? [page.checkpoints as CheckpointView[]] : [...p, page.checkpoints as CheckpointView[]]));
      return page;
    },
    [after],
  );
  const shown = pages.flat();
  return (
    <section aria-labelledby="checkpoints-h">
      <h2 id="checkpoints-h">{t('audit.checkpoints.heading')}</h2>
      <p>{t('audit.checkpoints.intro')}</p>
      <h3>{t('audit.checkpoints.latest')}</h3>
      <Async state={latest}>{(cp) => <CheckpointCard checkpoint={cp} open />}</Async>
      <h3>{t('audit.checkpoints.all')}</h3>
      {shown.length > 0 && (
        <ol className="checkpoint-list">
          {shown.map((cp) => (
            <li key={cp.size}>
              <CheckpointCard checkpoint={cp} />
            </li>
          ))}
        </ol>
      )}
      <Async state={list}>
        {(page) =>
          page.next !== null ? (
            <div className="actions">
              <button type="button" className="button-secondary" onClick={() => setAfter(page.next!)}>
                {t('audit.checkpoints.more')}
              </button>
            </div>
          ) : shown.length === 0 ? (
            <p>{t('audit.checkpoints.none')}</p>
          ) : null
        }
      </Async>
    </section>
  );
}

function CheckpointCard({ checkpoint, open = false }: { checkpoint: CheckpointView; open?: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <div className="card checkpoint">
      <dl className="facts">
        <dt>{t('audit.checkpoints.size')}</dt>
        <dd>{t('audit.checkpoints.entries', { count: checkpoint.size, n: f.number(checkpoint.size) })}</dd>
        <dt>{t('audit.checkpoints.time')}</dt>
        <dd>
          <time dateTime={checkpoint.time}>{f.dateTime(checkpoint.time)}</time>
        </dd>
        <dt>{t('audit.checkpoints.root')}</dt>
        <dd>
          <code>{checkpoint.rootHash}</code>
        </dd>
        <dt>{t('audit.checkpoints.keyId')}</dt>
        <dd>
          <code>{checkpoint.keyId}</code>
        </dd>
      </dl>
      <details open={open}>
        <summary>{t('audit.checkpoints.note', { size: f.number(checkpoint.size) })}</summary>
        <pre className="note" tabIndex={0} aria-label={t('audit.checkpoints.noteLabel', { size: checkpoint.size })}>
          {checkpoint.note}
        </pre>
        <CopyButton text={checkpoint.note} label={t('audit.checkpoints.copyNote')} />
      </details>
    </div>
  );
}

function PublicKey() {
  const { t } = useTranslation();
  const key = useAsync((signal) => api.audit.get<PublicKeyView>('/ledger/public-key', { signal, anonymous: true }), []);
  return (
    <section aria-labelledby="key-h">
      <h2 id="key-h">{t('audit.key.heading')}</h2>
      <p>{t('audit.key.intro')}</p>
      <Async state={key}>
        {(k) => (
          <>
            <dl className="facts">
              <dt>{t('audit.key.name')}</dt>
              <dd>
                <code>{k.keyName}</code>
              </dd>
              <dt>{t('audit.key.id')}</dt>
              <dd>
                <code>{k.keyId}</code>
              </dd>
              <dt>{t('audit.key.verifierKey')}</dt>
              <dd>
                <code className="verifier-key">{k.verifierKey}</code>
              </dd>
            </dl>
            <div className="actions">
              <CopyButton text={k.verifierKey} label={t('audit.key.copy')} />
            </div>
            <p className="hint">{t('audit.key.usage')}</p>
            <pre className="note">{`npx plaza verify bundle/ --key '${k.verifierKey}'`}</pre>
            <details>
              <summary>{t('audit.key.pem')}</summary>
              <pre className="note" tabIndex={0} aria-label={t('audit.key.pem')}>
                {k.pem}
              </pre>
              <CopyButton text={k.pem} label={t('audit.key.copyPem')} />
            </details>
          </>
        )}
      </Async>
    </section>
  );
}
