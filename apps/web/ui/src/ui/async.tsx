import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, NetworkError } from '../api/client';

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Runs a loader when its dependencies change; keeps the last data while reloading; ignores stale answers. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loadRef.current(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, loading: false }),
      (error: unknown) => !controller.signal.aborted && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps decide when to reload
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** A translated, human sentence for any error a page can meet. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation();
  return (error: unknown) => {
    if (error instanceof NetworkError) return t('common.errors.network');
    if (error instanceof ApiError) {
      if (error.status === 400 && error.fieldErrors.length) return t('common.errors.validation');
      if (error.status === 400) return error.message;
      if (error.status === 401) return t('common.errors.unauthorized');
      if (error.status === 403) return `${t('common.errors.forbidden')} (${error.message})`;
      if (error.status === 404) return t('common.errors.notFound');
      if (error.status === 409 && /version/i.test(error.message) && !error.code) return t('common.errors.stale');
      if (error.status === 409) return t('common.errors.conflict', { message: error.message });
      return t('common.errors.server', { status: error.status });
    }
    return error instanceof Error ? error.message : String(error);
  };
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status" aria-live="polite">
      {t('common.loading')}
    </p>
  );
}

/** An error box (role=alert) with an optional retry. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const text = useErrorText();
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p>{text(error)}</p>
      {error instanceof ApiError && error.fieldErrors.length > 0 && (
        <ul>
          {error.fieldErrors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code>: {e.messages.join('; ')}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

/** Loading / error / content in one place. */
export function Async<T>({ state, children }: { state: AsyncState<T>; children: (data: T) => React.ReactNode }) {
  if (state.data !== undefined) {
    return (
      <>
        {state.error ? <ErrorMessage error={state.error} onRetry={state.reload} /> : null}
        {children(state.data)}
      </>
    );
  }
  if (state.error) return <ErrorMessage error={state.error} onRetry={state.reload} />;
  return <Loading />;
}
