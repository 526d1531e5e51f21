import type { ReactNode } from 'react';
import { Link, NavLink, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import type { Phase, Round } from '../../api/types';
import { useSession, type Role } from '../../session/session';
import { useAsync, useErrorText } from '../../ui/async';
import { minorDigitsOf } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import './admin.css';

/** The page's content only for the given roles; anyone else gets a clear "requires role" page with a sign-in link. */
export function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const { t } = useTranslation();
  const { session, hasRole } = useSession();
  const location = useLocation();
  if (hasRole(...roles)) return <>{children}</>;
  const next = encodeURIComponent(location.pathname + location.search);
  return (
    <>
      <PageTitle>{t('admin.requiresRole.title')}</PageTitle>
      <div className="alert alert-warn" role="alert">
        <p>{t('admin.requiresRole.body', { roles: roles.map((r) => t(`admin.roles.${r}`)).join(t('admin.requiresRole.or')) })}</p>
        {session && <p>{t('admin.requiresRole.signedInAs', { sub: session.sub, roles: session.roles.map((r) => t(`admin.roles.${r}`)).join(', ') || '—' })}</p>}
      </div>
      <p>
        <Link to={`/signin?next=${next}`} className="button">
          {session ? t('admin.requiresRole.switch') : t('admin.requiresRole.signIn')}
        </Link>
      </p>
    </>
  );
}

export interface LoadedRound {
  readonly round: Round;
  /** For If-Match on the next command. */
  readonly etag: string;
}

/** GET /rounds/:id with its ETag. */
export function useRound(roundId: string | undefined) {
  return useAsync<LoadedRound>(async (signal) => {
    const res = await api.proposals.request<Round>('GET', `/rounds/${roundId}`, { signal });
    return { round: res.data, etag: res.etag ?? `"${res.data.version}"` };
  }, [roundId]);
}

export function PhaseBadge({ phase }: { phase: Phase }) {
  const { t } = useTranslation();
  const tone = phase === 'voting' ? ' badge-ok' : '';
  return <span className={`badge phase-badge${tone}`}>{t(`common.phase.${phase}`)}</span>;
}

/** The round's admin sections, as a secondary navigation on every round page. */
export function RoundNav({ roundId }: { roundId: string }) {
  const { t } = useTranslation();
  const { hasRole } = useSession();
  const links: { to: string; label: string; show: boolean; end?: boolean }[] = [
    { to: `/admin/rounds/${roundId}`, label: t('admin.nav.overview'), show: true, end: true },
    { to: `/admin/rounds/${roundId}/edit`, label: t('admin.nav.edit'), show: hasRole('admin') },
    { to: `/admin/rounds/${roundId}/review`, label: t('admin.nav.review'), show: hasRole('admin', 'staff') },
    { to: `/admin/rounds/${roundId}/voters`, label: t('admin.nav.voters'), show: hasRole('admin') },
    { to: `/admin/rounds/${roundId}/paper`, label: t('admin.nav.paper'), show: hasRole('admin', 'staff', 'auditor') },
    { to: `/rounds/${roundId}/results`, label: t('admin.nav.results'), show: true },
    { to: `/rounds/${roundId}/audit`, label: t('admin.nav.audit'), show: true },
  ];
  return (
    <nav aria-label={t('admin.nav.label')} className="admin-nav">
      <p className="admin-nav-back">
        <Link to="/admin">{t('admin.nav.allRounds')}</Link>
      </p>
      <ul>
        {links
          .filter((l) => l.show)
          .map((l) => (
            <li key={l.to}>
              <NavLink to={l.to} end={l.end}>
                {l.label}
              </NavLink>
            </li>
          ))}
      </ul>
    </nav>
  );
}

/**
 * Field messages of a failed command, by exact field path: a 400's `errors[]`, a 409 refusal's `field`
 * (locked, schedule-in-past…), and each "field: message" part of a 409 invalid-config (the API joins every
 * problem of roundConfigProblems with "; ").
 */
export function fieldErrorMap(error: unknown): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  const add = (field: string, message: string) => (map[field] ??= []).push(message);
  if (!(error instanceof ApiError)) return map;
  for (const e of error.fieldErrors) for (const m of e.messages) add(e.field, m);
  if (error.status === 409) {
    const field = (error.body as { field?: unknown } | null)?.field;
    if (error.code === 'invalid-config') {
      const parts = error.message.split('; ');
      const parsed = parts.map((p) => /^([a-zA-Z]+(?:\.[\w-]+)*): (.+)$/s.exec(p));
      if (parsed.every((m) => m !== null)) {
        for (const m of parsed) add(m![1]!, m![2]!);
        return map;
      }
    }
    if (typeof field === 'string') add(field, error.message);
  }
  return map;
}

/** `units.0.budget` → `f-units-0-budget`: the id of the input a field's message belongs to. */
export const fieldId = (field: string) => `f-${field.replace(/[^a-zA-Z0-9-]/g, '-')}`;
export const errorId = (field: string) => `${fieldId(field)}-error`;

/** aria-invalid / aria-describedby for an input, given the page's field → messages map. */
export function a11y(errors: Record<string, string[]>, field: string, hintId?: string) {
  const invalid = (errors[field]?.length ?? 0) > 0;
  const describedBy = [invalid ? errorId(field) : undefined, hintId].filter(Boolean).join(' ');
  return { id: fieldId(field), 'aria-invalid': invalid || undefined, 'aria-describedby': describedBy || undefined } as const;
}

/** The messages of one field, next to its input. */
export function Messages({ errors, field }: { errors: Record<string, string[]>; field: string }) {
  const messages = errors[field];
  if (!messages?.length) return null;
  return (
    <p id={errorId(field)} className="field-error">
      {messages.join(' ')}
    </p>
  );
}

/**
 * A failed command at the top of a form (role=alert): the translated sentence and every field message,
 * each a link that moves focus to its input.
 */
export function ErrorSummary({ error, errors, labels }: { error: unknown; errors: Record<string, string[]>; labels?: (field: string) => string | undefined }) {
  const { t } = useTranslation();
  const text = useErrorText();
  const fields = Object.keys(errors);
  if (!error && fields.length === 0) return null;
  const headline = error ? (error instanceof ApiError && error.status === 409 && fields.length ? t('admin.errors.refused') : text(error)) : t('common.errors.validation');
  return (
    <div className="alert alert-error" role="alert">
      <p>{headline}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((field) => (
            <li key={field}>
              <a
                href={`#${fieldId(field)}`}
                onClick={(e) => {
                  const target = document.getElementById(fieldId(field));
                  if (target) {
                    e.preventDefault();
                    target.focus();
                  }
                }}
              >
                {labels?.(field) ?? field}
              </a>
              : {errors[field]!.join(' ')}
            </li>
          ))}
        </ul>
      )}
      {error instanceof ApiError && error.status === 409 && fields.length === 0 && error.code && <p className="muted">{t('admin.errors.code', { code: error.code })}</p>}
    </div>
  );
}

/** A polite live region for "done" messages (stays in the DOM so screen readers announce changes). */
export function Status({ children }: { children?: ReactNode }) {
  return (
    <div role="status" aria-live="polite" className="admin-status">
      {children ? <div className="alert alert-ok">{children}</div> : null}
    </div>
  );
}

/** ISO timestamp → the value of an `<input type="datetime-local">` in the browser's time zone. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `<input type="datetime-local">` value (local time) → UTC ISO-8601 as the API's IsUtcTimestamp wants, e.g. 2027-03-01T08:00:00Z. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return undefined;
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/** JSON with sorted keys and no undefined: equal settings compare equal whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** Minor units → the amount as typed in currency units (150000.50), exact (no float). */
export function majorText(minor: number | undefined, currency: string): string {
  if (minor === undefined) return '';
  const digits = minorDigitsOf(currency);
  if (digits === 0) return String(minor);
  const s = String(minor).padStart(digits + 1, '0');
  const whole = s.slice(0, -digits);
  const fraction = s.slice(-digits);
  return /^0+$/.test(fraction) ? whole : `${whole}.${fraction}`;
}

