import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { ErrorMessage } from '../../ui/async';

/** Refusal codes of the voting service (apps/voting README) the vote pages explain in the resident's words. */
export const REFUSAL_CODES = [
  'not-registered',
  'other-unit',
  'other-round',
  'invalid-code',
  'voting-not-open',
  'voted-online',
  'voted-on-paper',
  'code-used',
  'wrong-eligibility-mode',
  'round-closed',
  'too-many-attempts',
] as const;
type RefusalCode = (typeof REFUSAL_CODES)[number];

export function refusalCode(error: unknown): RefusalCode | undefined {
  return error instanceof ApiError && (REFUSAL_CODES as readonly string[]).includes(error.code ?? '') ? (error.code as RefusalCode) : undefined;
}

/**
 * An API refusal (403/409/429 with a code) explained, with the service's own message underneath; any other
 * error falls back to the shared error box.
 */
export function Refusal({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const code = refusalCode(error);
  if (!code || !(error instanceof ApiError)) return <ErrorMessage error={error} onRetry={onRetry} />;
  return (
    <div className="alert alert-error" role="alert">
      <p>
        <strong>{t(`vote.refusal.${code}`)}</strong>
      </p>
      <p className="muted">{t('vote.refusal.serviceSaid', { message: error.message })}</p>
    </div>
  );
}
