import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import type { ProposalDetail, Round } from '../../api/types';
import { ErrorMessage, useAsync } from '../../ui/async';
import { fieldA11y, FieldError, fieldMessages } from '../../ui/fields';
import { minorDigitsOf, parseMajor, useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { useSession } from '../../session/session';
import type { ProposalNotice } from './ProposalPage';
import { Breadcrumb, majorText, PageAsync, scheduledAt, signInHref } from './shared';
import { DESCRIPTION_MAX, proposalProblems, type ProposalProblem } from './validation';

const FIELDS = ['unitId', 'title', 'description', 'estimatedCost', 'location'] as const;
type FieldName = (typeof FIELDS)[number];

interface Loaded {
  readonly round: Round;
  readonly proposal?: ProposalDetail;
  readonly etag?: string;
}

/**
 * Propose a project (`…/proposals/new`) or edit one's own (`…/:proposalId/edit`, with If-Match). Checks the
 * API's rules before sending, in the API's words, and shows the API's own field errors next to the fields.
 */
export default function ProposalFormPage() {
  const { roundId, proposalId } = useParams();
  const state = useAsync<Loaded>(async (signal) => {
    const roundRequest = api.proposals.get<Round>(`/rounds/${roundId}`, { signal });
    if (!proposalId) return { round: await roundRequest };
    const [round, proposal] = await Promise.all([
      roundRequest,
      api.proposals.request<ProposalDetail>('GET', `/rounds/${roundId}/proposals/${proposalId}`, { signal }),
    ]);
    return { round, proposal: proposal.data, etag: proposal.etag };
  }, [roundId, proposalId]);
  return <PageAsync state={state}>{(loaded) => <FormGate {...loaded} />}</PageAsync>;
}

/** Who may use the form now; otherwise why not, and what to do about it. */
function FormGate({ round, proposal, etag }: Loaded) {
  const { t } = useTranslation();
  const format = useFormat();
  const { session, hasRole } = useSession();
  const location = useLocation();
  const base = `/rounds/${round.roundId}`;
  const title = proposal ? t('resident.form.editTitle') : t('resident.form.newTitle');
  const crumbs = [
    { label: round.config.name, to: base },
    { label: t('resident.proposalsOf'), to: `${base}/proposals` },
    ...(proposal ? [{ label: proposal.title, to: `${base}/proposals/${proposal.proposalId}` }] : []),
    { label: title },
  ];
  const back = proposal ? (
    <Link to={`${base}/proposals/${proposal.proposalId}`}>{t('resident.form.backToProposal')}</Link>
  ) : (
    <Link to={base}>{t('resident.form.backToRound')}</Link>
  );

  let blocked: React.ReactNode;
  if (!session) {
    blocked = (
      <>
        <p>{t('resident.form.signIn')}</p>
        <p>
          <Link className="button" to={signInHref(location.pathname)}>
            {t('resident.form.signInLink')}
          </Link>
        </p>
      </>
    );
  } else if (!hasRole('resident')) {
    blocked = <p>{t('resident.form.notResident', { roles: session.roles.join(', ') || '—' })}</p>;
  } else if (round.phase !== 'submission') {
    const opens = round.phase === 'draft' ? scheduledAt(round, 'submission') : undefined;
    blocked = (
      <>
        <p>{t('resident.form.closed', { phase: t(`common.phase.${round.phase}`) })}</p>
        {opens && <p>{t('resident.form.opensAt', { date: format.dateTime(opens) })}</p>}
      </>
    );
  } else if (proposal && !proposal.mine) {
    blocked = <p>{t('resident.form.notAuthor')}</p>;
  } else if (proposal && proposal.status !== 'submitted') {
    blocked = <p>{t('resident.form.notEditable', { status: t(`common.proposalStatus.${proposal.status}`) })}</p>;
  }

  return (
    <>
      <Breadcrumb items={crumbs} />
      <PageTitle>{title}</PageTitle>
      {blocked ? (
        <>
          <div className="alert alert-warn">{blocked}</div>
          <p>{back}</p>
        </>
      ) : (
        <ProposalForm round={round} proposal={proposal} etag={etag} />
      )}
    </>
  );
}

function ProposalForm({ round, proposal, etag }: Loaded) {
  const { t } = useTranslation();
  const format = useFormat();
  const navigate = useNavigate();
  const currency = round.config.currency;
  const digits = minorDigitsOf(currency);
  const example = majorText(1234_50 * 10 ** Math.max(0, digits - 2), digits, format.locale);
  const [unitId, setUnitId] = useState(proposal?.unitId ?? (round.config.units.length === 1 ? round.config.units[0]!.id : ''));
  const [title, setTitle] = useState(proposal?.title ?? '');
  const [description, setDescription] = useState(proposal?.description ?? '');
  const [cost, setCost] = useState(proposal ? majorText(proposal.estimatedCost, digits, format.locale) : '');
  const [where, setWhere] = useState(proposal?.location ?? '');
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const [showSummary, setShowSummary] = useState(0);
  useEffect(() => {
    if (showSummary) summaryRef.current?.focus();
  }, [showSummary]);

  const unit = round.config.units.find((u) => u.id === unitId);
  const message = (p: ProposalProblem): string => {
    switch (p.kind) {
      case 'estimatedCost':
        return t('resident.form.errors.estimatedCost', { currency, digits, example });
      case 'overBudget':
        return t('resident.form.errors.overBudget', { cost: format.money(p.cost, currency), unit: p.unit.name, budget: format.money(p.unit.budget, currency) });
      default:
        return t(`resident.form.errors.${p.kind}`);
    }
  };

  // A refusal (409) that names a field (unknown-unit, over-budget) is shown next to that field too.
  const refusalField = error instanceof ApiError && error.status === 409 ? (error.body as { field?: unknown }).field : undefined;
  const messages: Record<string, string[]> = { ...local };
  if (typeof refusalField === 'string' && error instanceof Error) messages[refusalField] = [...(messages[refusalField] ?? []), error.message];
  const summary = FIELDS.map((f) => ({ field: f, messages: fieldMessages(error, f, messages) })).filter((s) => s.messages.length > 0);
  const otherServerErrors = error instanceof ApiError ? error.fieldErrors.filter((e) => !(FIELDS as readonly string[]).includes(e.field.split('.')[0]!)) : [];
  const labelOf = (field: FieldName) =>
    ({
      unitId: t('resident.form.unit'),
      title: t('resident.form.title'),
      description: t('resident.form.description'),
      estimatedCost: t('resident.form.estimatedCost', { currency }),
      location: t('resident.form.location'),
    })[field];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const estimatedCost = cost.trim() ? parseMajor(cost, currency) : undefined;
    const problems = proposalProblems({ unitId, title, description, estimatedCost, location: where }, round.config.units);
    const found: Record<string, string[]> = {};
    for (const p of problems) found[p.field] = [...(found[p.field] ?? []), message(p)];
    setLocal(found);
    setError(undefined);
    if (problems.length) {
      setShowSummary((n) => n + 1);
      return;
    }
    setBusy(true);
    try {
      const body = { unitId, title, description, estimatedCost };
      if (proposal) {
        await api.proposals.patch(`/rounds/${round.roundId}/proposals/${proposal.proposalId}`, { ...body, location: where }, { ifMatch: etag });
        navigate(`/rounds/${round.roundId}/proposals/${proposal.proposalId}`, { state: { notice: 'saved' } satisfies ProposalNotice });
      } else {
        const created = await api.proposals.post<{ proposalId: string }>(`/rounds/${round.roundId}/proposals`, where ? { ...body, location: where } : body);
        navigate(`/rounds/${round.roundId}/proposals/${created.proposalId}`, { state: { notice: 'submitted' } satisfies ProposalNotice });
      }
    } catch (err) {
      setError(err);
      setShowSummary((n) => n + 1);
    } finally {
      setBusy(false);
    }
  };

  const a11y = (field: FieldName, hintId?: string) => {
    const base = fieldA11y(error, field, `${field}-error`, messages);
    const describedBy = [base['aria-describedby'], hintId].filter(Boolean).join(' ') || undefined;
    return { 'aria-invalid': base['aria-invalid'], 'aria-describedby': describedBy };
  };

  return (
    <form className="res-form" onSubmit={submit} noValidate>
      <p>{t('resident.form.intro', { name: round.config.name })}</p>
      {(summary.length > 0 || otherServerErrors.length > 0) && (
        <div className="alert alert-error res-summary" role="alert" tabIndex={-1} ref={summaryRef} aria-labelledby="summary-title">
          <p id="summary-title">
            <strong>{t('resident.form.summary')}</strong>
          </p>
          <ul>
            {summary.map((s) => (
              <li key={s.field}>
                <a
                  href={`#${s.field}`}
                  onClick={(e) => {
                    e.preventDefault();
                    document.getElementById(s.field)?.focus();
                  }}
                >
                  {labelOf(s.field)}
                </a>
                : {s.messages.join(' ')}
              </li>
            ))}
            {otherServerErrors.map((s) => (
              <li key={s.field}>
                <code>{s.field}</code>: {s.messages.join(' ')}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && !(error instanceof ApiError && error.status === 400 && error.fieldErrors.length > 0) && typeof refusalField !== 'string' ? (
        <div ref={summary.length ? undefined : summaryRef} tabIndex={-1}>
          <ErrorMessage error={error} />
        </div>
      ) : null}

      <div className="field">
        <label htmlFor="unitId">{labelOf('unitId')}</label>
        <select id="unitId" value={unitId} onChange={(e) => setUnitId(e.target.value)} {...a11y('unitId')}>
          <option value="">{t('resident.form.chooseUnit')}</option>
          {round.config.units.map((u) => (
            <option key={u.id} value={u.id}>
              {t('resident.form.unitOption', { name: u.name, kind: t(`common.unitKind.${u.kind}`) })}
            </option>
          ))}
        </select>
        <FieldError id="unitId-error" error={error} field="unitId" local={messages} />
      </div>

      <div className="field">
        <label htmlFor="title">{labelOf('title')}</label>
        <p className="hint" id="title-hint">
          {t('resident.form.titleHint')}
        </p>
        <input id="title" value={title} onChange={(e) => setTitle(e.target.value)} autoComplete="off" {...a11y('title', 'title-hint')} />
        <FieldError id="title-error" error={error} field="title" local={messages} />
      </div>

      <div className="field">
        <label htmlFor="description">{labelOf('description')}</label>
        <p className="hint" id="description-hint">
          {t('resident.form.descriptionHint')}
        </p>
        <textarea id="description" value={description} onChange={(e) => setDescription(e.target.value)} rows={8} {...a11y('description', 'description-hint')} />
        <p className="hint" aria-live="off">
          {t('resident.form.charCount', { count: description.length, max: format.number(DESCRIPTION_MAX) })}
        </p>
        <FieldError id="description-error" error={error} field="description" local={messages} />
      </div>

      <div className="field">
        <label htmlFor="estimatedCost">{labelOf('estimatedCost')}</label>
        <p className="hint" id="estimatedCost-hint">
          {t('resident.form.estimatedCostHint', { currency, example })}
          {unit && <> {t('resident.form.budgetHint', { unit: unit.name, budget: format.money(unit.budget, currency) })}</>}
        </p>
        <input
          id="estimatedCost"
          className="res-input-short"
          inputMode="decimal"
          autoComplete="off"
          value={cost}
          onChange={(e) => setCost(e.target.value)}
          {...a11y('estimatedCost', 'estimatedCost-hint')}
        />
        <FieldError id="estimatedCost-error" error={error} field="estimatedCost" local={messages} />
      </div>

      <div className="field">
        <label htmlFor="location">{labelOf('location')}</label>
        <p className="hint" id="location-hint">
          {t('resident.form.locationHint')}
        </p>
        <input id="location" value={where} onChange={(e) => setWhere(e.target.value)} autoComplete="off" {...a11y('location', 'location-hint')} />
        <FieldError id="location-error" error={error} field="location" local={messages} />
      </div>

      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? t('resident.form.saving') : proposal ? t('resident.form.save') : t('resident.form.submit')}
        </button>
        <Link className="button button-secondary" to={proposal ? `/rounds/${round.roundId}/proposals/${proposal.proposalId}` : `/rounds/${round.roundId}`}>
          {t('common.cancel')}
        </Link>
      </div>
    </form>
  );
}
