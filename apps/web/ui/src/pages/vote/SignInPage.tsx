import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import type { Page, Round } from '../../api/types';
import type { Role } from '../../session/session';
import { useSession } from '../../session/session';
import { authConfig, userManager, type AuthConfig } from '../../session/oidc';
import { Async, ErrorMessage, useAsync } from '../../ui/async';
import { Field, FieldError, fieldMessages } from '../../ui/fields';
import { PageTitle } from '../../ui/PageTitle';
import { roundIdIn, safeNext } from './data';
import { Refusal } from './Refusal';
import type { CodeSignIn, IssuedToken } from './types';
import './vote.css';

const ROLES: readonly Role[] = ['resident', 'staff', 'admin', 'auditor'];
/** The SignInDto and DevTokenRequestDto rules, with the APIs' messages. */
const CODE_PATTERN = /^[0-9A-Za-z\s-]+$/;
const CODE_MESSAGE = 'code must be letters, digits and dashes as printed';
const CODE_LENGTH_MESSAGE = 'code must be shorter than or equal to 40 characters';
const CODE_EMPTY_MESSAGE = 'code must be longer than or equal to 1 characters';
const SUB_PATTERN = /^[A-Za-z0-9._:@-]{1,200}$/;
const SUB_MESSAGE = 'sub must be 1-200 letters, digits or . _ : @ -';
const ROLES_MESSAGE = 'roles must contain at least 1 elements';
const QUICK: readonly { sub: string; roles: Role[] }[] = [
  { sub: 'resident-1', roles: ['resident'] },
  { sub: 'resident-2', roles: ['resident'] },
  { sub: 'resident-3', roles: ['resident'] },
  { sub: 'dev-staff', roles: ['staff'] },
  { sub: 'dev-admin', roles: ['admin'] },
  { sub: 'dev-auditor', roles: ['auditor'] },
];

/** aria-invalid and aria-describedby (hint, plus the error when there is one) for a field. */
function described(error: unknown, field: string, local: Record<string, string[]>, hintId: string, errorId: string) {
  const invalid = fieldMessages(error, field, local).length > 0;
  return { 'aria-invalid': invalid || undefined, 'aria-describedby': invalid ? `${hintId} ${errorId}` : hintId } as const;
}

export default function SignInPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const { session, signOut } = useSession();
  return (
    <>
      <PageTitle>{t('vote.signIn.title')}</PageTitle>
      {session && (
        <div className="alert alert-info">
          <p>{t('vote.signIn.already', { sub: session.sub, roles: session.roles.join(', ') })}</p>
          <p className="actions">
            {next && (
              <Link className="button button-secondary" to={next}>
                {t('vote.signIn.continue')}
              </Link>
            )}
            <button type="button" className="button-secondary" onClick={() => signOut({ everywhere: true })}>
              {t('common.nav.signOut')}
            </button>
          </p>
        </div>
      )}
      <p>{t('vote.signIn.intro')}</p>
      <div className="signin-ways">
        <OidcSignIn next={next} />
        <CodeSignInForm next={next} />
        <DevSignInForm next={next} />
      </div>
    </>
  );
}

/** The production sign-in: off to the OpenID Connect provider (code + PKCE), back at /signin/callback. */
function OidcSignIn({ next }: { next: string | undefined }) {
  const { t } = useTranslation();
  const [config, setConfig] = useState<AuthConfig['oidc']>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    void authConfig().then((c) => live && setConfig(c.oidc));
    return () => {
      live = false;
    };
  }, []);
  if (!config) return null;
  const go = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const manager = await userManager();
      await manager!.signinRedirect({ state: { next: next ?? '/' } });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="oidc-heading" className="card signin-way">
      <h2 id="oidc-heading">{t('vote.signIn.oidc.heading')}</h2>
      <p>{t('vote.signIn.oidc.intro')}</p>
      {error !== undefined && <ErrorMessage error={error} />}
      <button type="button" disabled={busy} onClick={() => void go()}>
        {busy ? t('vote.signIn.busy') : t('vote.signIn.oidc.submit', { name: config.displayName ?? t('vote.signIn.oidc.defaultName') })}
      </button>
    </section>
  );
}

/** /signin/callback: the provider sends the browser back with a code; the client swaps it (with the PKCE verifier) for tokens. */
export function SignInCallbackPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { signIn } = useSession();
  const [failure, setFailure] = useState<string>();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void (async () => {
      try {
        const [manager, config] = await Promise.all([userManager(), authConfig()]);
        if (!manager || !config.oidc) throw new Error('no identity provider is configured');
        const user = await manager.signinRedirectCallback();
        signIn(user.access_token, 'oidc', config.oidc.rolesClaim);
        const wanted = (user.state as { next?: string } | undefined)?.next;
        navigate(safeNext(wanted ?? null) ?? '/', { replace: true });
      } catch (error) {
        setFailure((error as Error).message);
      }
    })();
  }, [navigate, signIn]);
  return (
    <>
      <PageTitle>{t('vote.signIn.title')}</PageTitle>
      {failure ? (
        <div className="alert alert-error" role="alert">
          <p>{t('vote.signIn.oidc.failed', { message: failure })}</p>
          <p>
            <Link to="/signin">{t('vote.signIn.oidc.again')}</Link>
          </p>
        </div>
      ) : (
        <p role="status">{t('vote.signIn.oidc.callback')}</p>
      )}
    </>
  );
}

/** /signin/signed-out: where the provider sends the browser after ending its session. */
export function SignedOutPage() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  useEffect(() => {
    // Whatever is left (the provider's sign-out state, a session from another tab): forget it.
    if (session) signOut();
    for (const key of Object.keys(sessionStorage)) if (key.startsWith('plaza.oidc.')) sessionStorage.removeItem(key);
  }, [session, signOut]);
  return (
    <>
      <PageTitle>{t('vote.signIn.oidc.signedOut')}</PageTitle>
      <p>{t('vote.signIn.oidc.signedOutBody')}</p>
      <p>
        <Link to="/signin">{t('vote.signIn.title')}</Link>
      </p>
    </>
  );
}

function CodeSignInForm({ next }: { next: string | undefined }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { signIn } = useSession();
  const rounds = useAsync(
    (signal) => api.proposals.get<Page<Round>>('/rounds', { query: { phase: 'voting', limit: 200 }, signal, anonymous: true }),
    [],
  );
  const wanted = roundIdIn(next);
  const [roundId, setRoundId] = useState<string | undefined>();
  const [code, setCode] = useState('');
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent, chosen: string) => {
    e.preventDefault();
    const value = code.trim();
    const problems: Record<string, string[]> = {};
    if (!value) problems.code = [CODE_EMPTY_MESSAGE];
    else if (value.length > 40) problems.code = [CODE_LENGTH_MESSAGE];
    else if (!CODE_PATTERN.test(value)) problems.code = [CODE_MESSAGE];
    setLocal(problems);
    setError(undefined);
    if (Object.keys(problems).length) {
      document.getElementById('code')?.focus();
      return;
    }
    setBusy(true);
    try {
      const answer = await api.voting.post<CodeSignIn>(`/rounds/${chosen}/codes/sign-in`, { code: value }, { anonymous: true });
      signIn(answer.token);
      navigate(`/rounds/${answer.roundId}/vote`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="code-heading" className="card signin-way">
      <h2 id="code-heading">{t('vote.signIn.code.heading')}</h2>
      <p>{t('vote.signIn.code.intro')}</p>
      <Async state={rounds}>
        {(page) => {
          const open = page.items.filter((r) => r.config.eligibility.mode === 'codes');
          if (open.length === 0) return <p className="alert alert-info">{t('vote.signIn.code.noRounds')}</p>;
          const chosen = roundId && open.some((r) => r.roundId === roundId) ? roundId : (open.find((r) => r.roundId === wanted) ?? open[0]!).roundId;
          return (
            <form onSubmit={(e) => submit(e, chosen)} noValidate>
              <Field label={t('vote.signIn.code.round')} htmlFor="code-round">
                <select id="code-round" value={chosen} onChange={(e) => setRoundId(e.target.value)}>
                  {open.map((r) => (
                    <option key={r.roundId} value={r.roundId}>
                      {r.config.name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t('vote.signIn.code.label')} htmlFor="code" hint={t('vote.signIn.code.hint')} hintId="code-hint">
                <input
                  id="code"
                  name="code"
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  autoComplete="off"
                  autoCapitalize="characters"
                  spellCheck={false}
                  maxLength={60}
                  {...described(error, 'code', local, 'code-hint', 'code-error')}
                />
                <FieldError id="code-error" error={error} field="code" local={local} />
              </Field>
              {error !== undefined && !(error instanceof ApiError && error.status === 400) && <Refusal error={error} />}
              <button type="submit" disabled={busy}>
                {busy ? t('vote.signIn.busy') : t('vote.signIn.code.submit')}
              </button>
            </form>
          );
        }}
      </Async>
    </section>
  );
}

function DevSignInForm({ next }: { next: string | undefined }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { signIn } = useSession();
  const [sub, setSub] = useState('');
  const [roles, setRoles] = useState<Role[]>(['resident']);
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<unknown>();
  const [unavailable, setUnavailable] = useState(false);
  const [busy, setBusy] = useState(false);

  const go = async (who: { sub: string; roles: Role[] }) => {
    const problems: Record<string, string[]> = {};
    if (!SUB_PATTERN.test(who.sub)) problems.sub = [SUB_MESSAGE];
    if (who.roles.length === 0) problems.roles = [ROLES_MESSAGE];
    setLocal(problems);
    setError(undefined);
    if (Object.keys(problems).length) {
      document.getElementById(problems.sub ? 'dev-sub' : 'dev-role-resident')?.focus();
      return;
    }
    setBusy(true);
    try {
      const answer = await api.proposals.post<IssuedToken>('/auth/dev/token', { sub: who.sub, roles: who.roles }, { anonymous: true });
      signIn(answer.token);
      navigate(next ?? '/');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) setUnavailable(true);
      else setError(err);
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="dev-heading" className="card signin-way">
      <h2 id="dev-heading">{t('vote.signIn.dev.heading')}</h2>
      <div className="alert alert-warn">
        <p>{t('vote.signIn.dev.warning')}</p>
      </div>
      {unavailable ? (
        <div className="alert alert-error" role="alert">
          <p>{t('vote.signIn.dev.unavailable')}</p>
        </div>
      ) : (
        <>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void go({ sub: sub.trim(), roles });
            }}
            noValidate
          >
            <Field label={t('vote.signIn.dev.sub')} htmlFor="dev-sub" hint={t('vote.signIn.dev.subHint')} hintId="dev-sub-hint">
              <input
                id="dev-sub"
                value={sub}
                onChange={(e) => setSub(e.target.value)}
                autoComplete="username"
                spellCheck={false}
                {...described(error, 'sub', local, 'dev-sub-hint', 'dev-sub-error')}
              />
              <FieldError id="dev-sub-error" error={error} field="sub" local={local} />
            </Field>
            <fieldset aria-describedby={fieldMessages(error, 'roles', local).length ? 'dev-roles-error' : undefined}>
              <legend>{t('vote.signIn.dev.roles')}</legend>
              {ROLES.map((role) => (
                <div className="check" key={role}>
                  <input
                    type="checkbox"
                    id={`dev-role-${role}`}
                    checked={roles.includes(role)}
                    onChange={(e) => setRoles((rs) => (e.target.checked ? [...rs, role] : rs.filter((r) => r !== role)))}
                  />
                  <label htmlFor={`dev-role-${role}`}>{t(`vote.signIn.dev.role.${role}`)}</label>
                </div>
              ))}
              <FieldError id="dev-roles-error" error={error} field="roles" local={local} />
            </fieldset>
            {error !== undefined && <ErrorMessage error={error} />}
            <button type="submit" disabled={busy}>
              {busy ? t('vote.signIn.busy') : t('vote.signIn.dev.submit')}
            </button>
          </form>
          <h3>{t('vote.signIn.dev.quick')}</h3>
          <ul className="quick-signin">
            {QUICK.map((q) => (
              <li key={q.sub}>
                <button type="button" className="button-secondary" disabled={busy} onClick={() => void go(q)}>
                  {t('vote.signIn.dev.quickAs', { sub: q.sub, role: t(`vote.signIn.dev.role.${q.roles[0]}`) })}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
