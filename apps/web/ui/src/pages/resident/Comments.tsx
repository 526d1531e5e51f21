import { COMMENT_PHASES, MAX_COMMENT_LENGTH } from '@plaza/contracts';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { Round } from '../../api/types';
import { useSession } from '../../session/session';
import { ErrorMessage, useAsync } from '../../ui/async';
import { fieldA11y, FieldError } from '../../ui/fields';
import { useFormat } from '../../ui/format';

/** A comment as GET …/comments answers it. */
export interface CommentItem {
  readonly commentId: string;
  readonly proposalId: string;
  readonly replyTo: string | null;
  readonly authorPseudonym: string;
  readonly staff: boolean;
  readonly proposalAuthor: boolean;
  readonly mine: boolean;
  readonly status: 'visible' | 'hidden' | 'deleted' | 'erased';
  readonly body: string | null;
  readonly moderation: string | null;
  readonly hiddenReason: string | null;
  readonly postedAt: string;
  readonly editedAt: string | null;
  readonly editableUntil: string;
}

interface CommentThread extends CommentItem {
  readonly replies: CommentItem[];
}

const PAGE = 20;

/** The conversation on a proposal: threads, answers, edit/delete your own, report, and (staff) hide with a public reason. */
export function Comments({ round, proposalId }: { round: Round; proposalId: string }) {
  const { t } = useTranslation();
  const { session, hasRole } = useSession();
  const [order, setOrder] = useState<'newest' | 'oldest'>('newest');
  const [limit, setLimit] = useState(PAGE);
  const [notice, setNotice] = useState('');
  const path = `/rounds/${round.roundId}/proposals/${proposalId}/comments`;
  const list = useAsync((signal) => api.proposals.get<{ total: number; items: CommentThread[] }>(path, { query: { order, limit }, signal }), [path, order, limit]);
  const open = COMMENT_PHASES.includes(round.phase) && round.config.comments?.enabled !== false;
  const canWrite = open && hasRole('resident', 'staff');
  const done = (message: string) => {
    setNotice(message);
    list.reload();
  };
  const context = { path, canWrite, canReport: !!session && hasRole('resident'), isStaff: hasRole('staff'), done };

  return (
    <section aria-labelledby="comments-heading" className="res-comments">
      <h2 id="comments-heading">{t('resident.comments.title', { count: list.data?.total ?? 0 })}</h2>
      <p role="status" aria-live="polite" className="res-comment-notice">
        {notice}
      </p>
      {!open && <p className="muted">{round.config.comments?.enabled === false ? t('resident.comments.off') : t('resident.comments.closed')}</p>}
      {open && !session && <p className="muted">{t('resident.comments.signIn')}</p>}
      {canWrite && <CommentForm path={path} id="new-comment" label={t('resident.comments.yours')} submit={t('resident.comments.post')} onDone={() => done(t('resident.comments.posted'))} />}
      <div className="field res-comment-order">
        <label htmlFor="comment-order">{t('resident.comments.order')}</label>
        <select id="comment-order" value={order} onChange={(e) => setOrder(e.target.value as 'newest' | 'oldest')}>
          <option value="newest">{t('resident.comments.newest')}</option>
          <option value="oldest">{t('resident.comments.oldest')}</option>
        </select>
      </div>
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.data && list.data.items.length === 0 && <p className="muted">{t('resident.comments.none')}</p>}
      {list.data && list.data.items.length > 0 && (
        <ol className="res-thread-list">
          {list.data.items.map((thread) => (
            <li key={thread.commentId}>
              <Comment comment={thread} {...context} />
              {thread.replies.length > 0 && (
                <ol className="res-replies" aria-label={t('resident.comments.repliesTo')}>
                  {thread.replies.map((reply) => (
                    <li key={reply.commentId}>
                      <Comment comment={reply} {...context} />
                    </li>
                  ))}
                </ol>
              )}
            </li>
          ))}
        </ol>
      )}
      {list.data && list.data.total > list.data.items.length && (
        <button type="button" className="button-secondary" onClick={() => setLimit((l) => Math.min(l + PAGE, 200))}>
          {t('resident.comments.more')}
        </button>
      )}
    </section>
  );
}

interface CommentContext {
  readonly path: string;
  readonly canWrite: boolean;
  readonly canReport: boolean;
  readonly isStaff: boolean;
  done(message: string): void;
}

type Panel = 'reply' | 'edit' | 'delete' | 'report' | 'hide' | undefined;

function Comment({ comment: c, path, canWrite, canReport, isStaff, done }: { comment: CommentItem } & CommentContext) {
  const { t } = useTranslation();
  const format = useFormat();
  const [panel, setPanel] = useState<Panel>();
  const visible = c.status === 'visible';
  const editable = c.mine && visible && canWrite && Date.now() < Date.parse(c.editableUntil);
  const own = `${path}/${c.commentId}`;
  const toggle = (p: Panel) => setPanel((current) => (current === p ? undefined : p));
  const author = c.mine ? t('resident.comments.you') : t('resident.comments.resident', { id: c.authorPseudonym.slice(0, 6) });

  return (
    <article className="res-comment" aria-labelledby={`c-${c.commentId}`}>
      <p className="res-comment-meta" id={`c-${c.commentId}`}>
        <strong>{author}</strong>
        {c.staff && <span className="badge">{t('resident.comments.staff')}</span>}
        {c.proposalAuthor && <span className="badge">{t('resident.comments.proposalAuthor')}</span>}{' '}
        <time dateTime={c.postedAt}>{format.dateTime(c.postedAt)}</time>
        {c.editedAt && <span className="muted"> · {t('resident.comments.edited')}</span>}
      </p>
      {visible && <p className="res-text">{c.body}</p>}
      {c.status === 'hidden' && <p className="muted res-moderated">{t('resident.comments.hiddenBy', { reason: c.hiddenReason })}</p>}
      {c.status === 'deleted' && <p className="muted">{t('resident.comments.deleted')}</p>}
      {c.status === 'erased' && <p className="muted">{c.hiddenReason ? t('resident.comments.hiddenBy', { reason: c.hiddenReason }) : t('resident.comments.erased')}</p>}
      {visible && (
        <div className="actions res-comment-actions">
          {canWrite && (
            <button type="button" className="button-link" aria-expanded={panel === 'reply'} onClick={() => toggle('reply')}>
              {t('resident.comments.reply')}
            </button>
          )}
          {editable && (
            <button type="button" className="button-link" aria-expanded={panel === 'edit'} onClick={() => toggle('edit')}>
              {t('resident.comments.edit')}
            </button>
          )}
          {c.mine && (
            <button type="button" className="button-link" aria-expanded={panel === 'delete'} onClick={() => toggle('delete')}>
              {t('resident.comments.delete')}
            </button>
          )}
          {canReport && !c.mine && (
            <button type="button" className="button-link" aria-expanded={panel === 'report'} onClick={() => toggle('report')}>
              {t('resident.comments.report')}
            </button>
          )}
          {isStaff && (
            <button type="button" className="button-link" aria-expanded={panel === 'hide'} onClick={() => toggle('hide')}>
              {t('resident.comments.hide')}
            </button>
          )}
        </div>
      )}
      {panel === 'reply' && (
        <CommentForm
          path={path}
          id={`reply-${c.commentId}`}
          label={t('resident.comments.replyLabel')}
          submit={t('resident.comments.sendReply')}
          replyTo={c.replyTo ?? c.commentId}
          onDone={() => {
            setPanel(undefined);
            done(t('resident.comments.posted'));
          }}
          onCancel={() => setPanel(undefined)}
        />
      )}
      {panel === 'edit' && (
        <CommentForm
          path={own}
          method="PATCH"
          id={`edit-${c.commentId}`}
          label={t('resident.comments.editLabel')}
          submit={t('resident.comments.save')}
          initial={c.body ?? ''}
          onDone={() => {
            setPanel(undefined);
            done(t('resident.comments.saved'));
          }}
          onCancel={() => setPanel(undefined)}
        />
      )}
      {panel === 'delete' && (
        <Confirm
          label={t('resident.comments.deleteConfirm')}
          action={() => api.proposals.request('DELETE', own)}
          onDone={() => done(t('resident.comments.deletedNotice'))}
          onCancel={() => setPanel(undefined)}
        />
      )}
      {panel === 'report' && (
        <ReasonForm
          id={`report-${c.commentId}`}
          label={t('resident.comments.reportReason')}
          submit={t('resident.comments.sendReport')}
          max={2000}
          send={(reason) => api.proposals.post(`${own}/reports`, { reason })}
          onDone={() => {
            setPanel(undefined);
            done(t('resident.comments.reported'));
          }}
          onCancel={() => setPanel(undefined)}
        />
      )}
      {panel === 'hide' && (
        <ReasonForm
          id={`hide-${c.commentId}`}
          label={t('resident.comments.hideReason')}
          hint={t('resident.comments.hideHint')}
          submit={t('resident.comments.hideConfirm')}
          max={500}
          send={(reason) => api.proposals.post(`${own}/hide`, { reason })}
          onDone={() => done(t('resident.comments.hidden'))}
          onCancel={() => setPanel(undefined)}
        />
      )}
    </article>
  );
}

function CommentForm(props: {
  path: string;
  id: string;
  label: string;
  submit: string;
  method?: 'POST' | 'PATCH';
  replyTo?: string;
  initial?: string;
  onDone(): void;
  onCancel?(): void;
}) {
  const { t } = useTranslation();
  return (
    <TextForm
      id={props.id}
      field="body"
      multiline
      label={props.label}
      submit={props.submit}
      max={MAX_COMMENT_LENGTH}
      empty={t('resident.comments.empty')}
      initial={props.initial}
      send={(body) =>
        props.method === 'PATCH' ? api.proposals.patch(props.path, { body }) : api.proposals.post(props.path, { body, ...(props.replyTo ? { replyTo: props.replyTo } : {}) })
      }
      onDone={props.onDone}
      onCancel={props.onCancel}
    />
  );
}

function ReasonForm(props: { id: string; label: string; hint?: string; submit: string; max: number; send(reason: string): Promise<unknown>; onDone(): void; onCancel(): void }) {
  const { t } = useTranslation();
  return <TextForm {...props} field="reason" empty={t('resident.comments.reasonEmpty')} />;
}

/** One text field sent to the server: checked here first (empty, too long), then the server's field errors shown on it. */
function TextForm(props: {
  id: string;
  field: 'body' | 'reason';
  multiline?: boolean;
  label: string;
  hint?: string;
  submit: string;
  max: number;
  empty: string;
  initial?: string;
  send(text: string): Promise<unknown>;
  onDone(): void;
  onCancel?(): void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(props.initial ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  const send = async (e: FormEvent) => {
    e.preventDefault();
    const problems: Record<string, string[]> = !text.trim()
      ? { [props.field]: [props.empty] }
      : text.length > props.max
        ? { [props.field]: [t('resident.comments.tooLong', { max: props.max })] }
        : {};
    setLocal(problems);
    setError(undefined);
    if (Object.keys(problems).length) {
      document.getElementById(props.id)?.focus();
      return;
    }
    setBusy(true);
    try {
      await props.send(text);
      setText('');
      props.onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const a11y = fieldA11y(error, props.field, `${props.id}-error`, local, hintId);
  return (
    <form className="res-comment-form" onSubmit={send} noValidate>
      <div className="field">
        <label htmlFor={props.id}>{props.label}</label>
        {props.hint && (
          <p className="hint" id={hintId}>
            {props.hint}
          </p>
        )}
        {props.multiline ? (
          <textarea id={props.id} value={text} rows={3} onChange={(e) => setText(e.target.value)} {...a11y} />
        ) : (
          <input id={props.id} type="text" value={text} onChange={(e) => setText(e.target.value)} {...a11y} />
        )}
        <FieldError id={`${props.id}-error`} error={error} field={props.field} local={local} />
      </div>
      {error && !Object.keys(local).length ? <ErrorMessage error={error} /> : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {props.submit}
        </button>
        {props.onCancel && (
          <button type="button" className="button-secondary" onClick={props.onCancel} disabled={busy}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

function Confirm({ label, action, onDone, onCancel }: { label: string; action(): Promise<unknown>; onDone(): void; onCancel(): void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <div className="res-confirm" role="group" aria-label={label}>
      <p>{label}</p>
      {error ? <ErrorMessage error={error} /> : null}
      <div className="actions">
        <button
          type="button"
          className="button-danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await action();
              onDone();
            } catch (err) {
              setError(err);
              setBusy(false);
            }
          }}
        >
          {t('resident.comments.deleteYes')}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
