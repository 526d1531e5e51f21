import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

/**
 * Inline field errors from a 400 answer (or the page's own checks, which use the API's wording). Give the
 * input `{...fieldA11y(error, 'title', 'title-error')}` and put `<FieldError id="title-error" …/>` after it.
 */
export function fieldMessages(error: unknown, field: string, local?: Record<string, string[]>): string[] {
  const own = local?.[field] ?? [];
  const server = error instanceof ApiError ? error.messagesFor(field) : [];
  return [...own, ...server];
}

/** `hintId`: a hint the control is always described by (the error id follows it when there are messages). */
export function fieldA11y(error: unknown, field: string, errorId: string, local?: Record<string, string[]>, hintId?: string) {
  const invalid = fieldMessages(error, field, local).length > 0;
  const describedBy = [hintId, invalid ? errorId : undefined].filter(Boolean).join(' ');
  return { 'aria-invalid': invalid || undefined, 'aria-describedby': describedBy || undefined } as const;
}

export function FieldError({ id, error, field, local }: { id: string; error: unknown; field: string; local?: Record<string, string[]> }) {
  const messages = fieldMessages(error, field, local);
  if (!messages.length) return null;
  return (
    <p id={id} className="field-error">
      {messages.join(' ')}
    </p>
  );
}

/** A labelled form row: label, hint, control, error. */
export function Field({ label, htmlFor, hint, hintId, children }: { label: ReactNode; htmlFor: string; hint?: ReactNode; hintId?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={htmlFor}>{label}</label>
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {children}
    </div>
  );
}
