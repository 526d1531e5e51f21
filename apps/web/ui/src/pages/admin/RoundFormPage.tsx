import { useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import type { BallotType, EligibilityMode, OutcomeRuleName, Page, PaperPolicy, Phase, Proposal, Round, RoundConfig } from '../../api/types';
import { PHASES } from '../../api/types';
import { Async, useAsync } from '../../ui/async';
import { minorDigitsOf, parseMajor, useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import {
  BALLOT_TYPES,
  DEFAULT_TIE_BREAK,
  ELIGIBILITY_MODES,
  isGreedy,
  OUTCOME_RULE_NAMES,
  PAPER_POLICIES,
  ROUND_CONFIG_KEYS,
  SCHEDULED_PHASES,
  TIE_BREAK_CRITERIA,
  UNIT_KINDS,
  usesPicks,
  type RoundConfigKey,
  type ScheduleKey,
  type TieBreakCriterion,
} from './config';
import { a11y, canonical, majorText, ErrorSummary, fieldErrorMap, fromLocalInput, Messages, RequireRole, RoundNav, toLocalInput, useRound, type LoadedRound } from './shared';
import type { RoundCommandResult } from './types';

/** Create a round (`/admin/rounds/new`) or change its settings (`/admin/rounds/:roundId/edit`). */
export default function RoundFormPage() {
  return (
    <RequireRole roles={['admin']}>
      <RoundFormRoute />
    </RequireRole>
  );
}

function RoundFormRoute() {
  const { roundId } = useParams();
  if (!roundId) return <RoundForm key="new" />;
  return <EditRound roundId={roundId} />;
}

function EditRound({ roundId }: { roundId: string }) {
  const { t } = useTranslation();
  const round = useRound(roundId);
  const proposals = useAsync(
    (signal) => api.proposals.get<Page<Proposal>>(`/rounds/${roundId}/proposals`, { query: { limit: 200 }, signal }),
    [roundId],
  );
  return (
    <Async state={round}>
      {(loaded) =>
        loaded.round.phase === 'published' ? (
          <>
            <RoundNav roundId={roundId} />
            <PageTitle>{t('admin.form.editTitle', { name: loaded.round.config.name })}</PageTitle>
            <p className="alert alert-info">{t('admin.form.published')}</p>
          </>
        ) : (
          <RoundForm key={loaded.round.version} loaded={loaded} proposals={proposals.data?.items ?? []} onStale={round.reload} />
        )
      }
    </Async>
  );
}

interface UnitRow {
  readonly key: number;
  readonly id: string;
  readonly name: string;
  readonly kind: 'district' | 'category';
  readonly budget: string;
}

interface FormState {
  readonly name: string;
  readonly description: string;
  readonly currency: string;
  readonly units: readonly UnitRow[];
  readonly schedule: Readonly<Record<ScheduleKey, string>>;
  readonly ballot: {
    readonly type: BallotType;
    readonly minPicks: string;
    readonly maxPicks: string;
    readonly maxSumCost: string;
    readonly totalPoints: string;
    readonly maxPointsPerProject: string;
    readonly rankPoints: string;
  };
  readonly outcome: {
    readonly rule: OutcomeRuleName;
    readonly threshold: string;
    readonly reserveFraction: string;
    readonly reportTies: boolean;
    readonly exclusiveGroups: readonly (readonly string[])[];
    /** Empty: the default order (DEFAULT_TIE_BREAK), which the round then does not state. */
    readonly tieBreak: readonly TieBreakCriterion[];
    readonly lotterySeed: string;
  };
  readonly eligibility: { readonly mode: EligibilityMode; readonly minAge: string; readonly paperPolicy: PaperPolicy };
}

let nextKey = 1;

/** "150000.50" in the currency's decimals (150000 for JPY). */
const amountExample = (currency: string) => {
  const digits = minorDigitsOf(currency);
  return digits === 0 ? '150000' : `150000.${'50'.padEnd(digits, '0').slice(0, digits)}`;
};

const str = (n: number | undefined) => (n === undefined ? '' : String(n));

function emptyForm(): FormState {
  return {
    name: '',
    description: '',
    currency: 'PLN',
    units: [{ key: nextKey++, id: '', name: '', kind: 'district', budget: '' }],
    schedule: { submissionOpensAt: '', supportOpensAt: '', reviewStartsAt: '', votingOpensAt: '', votingClosesAt: '', resultsPublishedAt: '' },
    ballot: { type: 'approval', minPicks: '1', maxPicks: '', maxSumCost: '', totalPoints: '', maxPointsPerProject: '', rankPoints: '' },
    outcome: { rule: 'greedy', threshold: '', reserveFraction: '', reportTies: false, exclusiveGroups: [], tieBreak: [], lotterySeed: '' },
    eligibility: { mode: 'roll', minAge: '', paperPolicy: 'refuse-if-voted-online' },
  };
}

function formFromConfig(c: RoundConfig): FormState {
  const b = c.ballot;
  return {
    name: c.name,
    description: c.description ?? '',
    currency: c.currency,
    units: c.units.map((u) => ({ key: nextKey++, id: u.id, name: u.name, kind: u.kind, budget: majorText(u.budget, c.currency) })),
    schedule: {
      submissionOpensAt: toLocalInput(c.schedule.submissionOpensAt),
      supportOpensAt: toLocalInput(c.schedule.supportOpensAt),
      reviewStartsAt: toLocalInput(c.schedule.reviewStartsAt),
      votingOpensAt: toLocalInput(c.schedule.votingOpensAt),
      votingClosesAt: toLocalInput(c.schedule.votingClosesAt),
      resultsPublishedAt: toLocalInput(c.schedule.resultsPublishedAt),
    },
    ballot: {
      type: b.type,
      minPicks: str(b.minPicks),
      maxPicks: str(b.maxPicks),
      maxSumCost: majorText(b.maxSumCost, c.currency),
      totalPoints: str(b.totalPoints),
      maxPointsPerProject: str(b.maxPointsPerProject),
      rankPoints: b.rankPoints?.join(', ') ?? '',
    },
    outcome: {
      rule: c.outcome.rule,
      threshold: str(c.outcome.threshold),
      reserveFraction: c.outcome.reserveFraction ?? '',
      reportTies: c.outcome.reportTies ?? false,
      exclusiveGroups: c.outcome.exclusiveGroups ?? [],
      tieBreak: c.outcome.tieBreak ?? [],
      lotterySeed: c.outcome.lotterySeed ?? '',
    },
    eligibility: { mode: c.eligibility.mode, minAge: str(c.eligibility.minAge), paperPolicy: c.eligibility.paperPolicy },
  };
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

/**
 * The form as a RoundConfig, and the fields that could not be read (amounts and whole numbers as typed).
 * Every other rule is the API's: its 400 and 409 messages come back to the field they concern.
 */
function buildConfig(form: FormState, t: Translate, original?: Round): { config: RoundConfig; local: Record<string, string[]> } {
  const local: Record<string, string[]> = {};
  const currency = form.currency.trim();
  const money = (field: string, text: string, required: boolean): number | undefined => {
    if (text.trim() === '') {
      if (required) local[field] = [t('admin.form.amountRequired', { currency: currency || '—' })];
      return undefined;
    }
    const minor = parseMajor(text, currency);
    if (minor === undefined) local[field] = [t('admin.form.amountInvalid', { currency: currency || '—', example: amountExample(currency) })];
    return minor;
  };
  const int = (field: string, text: string): number | undefined => {
    const s = text.trim();
    if (s === '') return undefined;
    if (!/^\d+$/.test(s)) {
      local[field] = [t('admin.form.integerInvalid')];
      return undefined;
    }
    return Number(s);
  };
  const b = form.ballot;
  const picks = usesPicks(b.type);
  let rankPoints: number[] | undefined;
  if (b.type === 'ranked' && b.rankPoints.trim() !== '') {
    const parts = b.rankPoints.split(/[\s,;]+/).filter(Boolean);
    if (parts.every((p) => /^\d+$/.test(p))) rankPoints = parts.map(Number);
    else local['ballot.rankPoints'] = [t('admin.form.rankPointsInvalid')];
  }
  const ballot = {
    type: b.type,
    ...(picks ? { minPicks: int('ballot.minPicks', b.minPicks), maxPicks: int('ballot.maxPicks', b.maxPicks) } : {}),
    ...(b.type === 'knapsack' ? { maxSumCost: money('ballot.maxSumCost', b.maxSumCost, false) } : {}),
    ...(b.type === 'cumulative'
      ? { totalPoints: int('ballot.totalPoints', b.totalPoints), maxPointsPerProject: int('ballot.maxPointsPerProject', b.maxPointsPerProject) }
      : {}),
    ...(rankPoints ? { rankPoints } : {}),
  };
  const o = form.outcome;
  const greedy = isGreedy(o.rule);
  const outcome = {
    rule: o.rule,
    ...(o.rule === 'greedy-threshold' ? { threshold: int('outcome.threshold', o.threshold) } : {}),
    ...(greedy && o.reserveFraction.trim() !== '' ? { reserveFraction: o.reserveFraction.trim() } : {}),
    ...(greedy && o.exclusiveGroups.length > 0 ? { exclusiveGroups: o.exclusiveGroups.map((g) => [...g]) } : {}),
    ...(o.reportTies ? { reportTies: true } : {}),
    ...(o.tieBreak.length > 0 ? { tieBreak: [...o.tieBreak] } : {}),
    // The seed goes with the lottery only; a lottery without one comes back from the API as a field error.
    ...(o.tieBreak.includes('lottery') && o.lotterySeed.trim() !== '' ? { lotterySeed: o.lotterySeed.trim() } : {}),
  };
  const e = form.eligibility;
  const eligibility = {
    mode: e.mode,
    ...(e.mode === 'roll' ? { minAge: int('eligibility.minAge', e.minAge) } : {}),
    paperPolicy: e.paperPolicy,
  };
  const schedule: Record<string, string | undefined> = {};
  for (const { key } of SCHEDULED_PHASES) {
    const value = form.schedule[key];
    // An entry left as it was keeps the API's own string (a re-serialised time would count as a change).
    const initial = original ? toLocalInput(original.config.schedule[key]) : '';
    const at = original && value === initial ? original.config.schedule[key] : fromLocalInput(value);
    if (value !== '' && at === undefined) local[`schedule.${key}`] = [t('admin.form.dateInvalid')];
    schedule[key] = at;
  }
  const description = form.description.trim();
  const config = {
    name: form.name.trim(),
    // Cleared: sent as "" so a description the round had is removed; never set: left out.
    ...(description !== '' || original?.config.description !== undefined ? { description } : {}),
    currency,
    units: form.units.map((u, i) => ({
      id: u.id.trim(),
      name: u.name.trim(),
      kind: u.kind,
      budget: money(`units.${i}.budget`, u.budget, true),
    })),
    schedule,
    ballot,
    outcome,
    eligibility,
  };
  // JSON drops the undefined entries; the API sees only what was given.
  return { config: JSON.parse(JSON.stringify(config)) as RoundConfig, local };
}

const phaseIndex = (p: Phase) => PHASES.indexOf(p);

function RoundForm({ loaded, proposals = [], onStale }: { loaded?: LoadedRound; proposals?: readonly Proposal[]; onStale?: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const original = loaded?.round;
  const [form, setForm] = useState<FormState>(() => (original ? formFromConfig(original.config) : emptyForm()));
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const [info, setInfo] = useState<string>();
  const summaryRef = useRef<HTMLDivElement>(null);
  const errors = useMemo(() => {
    const merged: Record<string, string[]> = { ...local };
    for (const [field, messages] of Object.entries(fieldErrorMap(error))) merged[field] = [...(merged[field] ?? []), ...messages];
    return merged;
  }, [local, error]);

  const editable = (key: RoundConfigKey) => !original || original.editable.includes(key);
  const lockReason = (key: RoundConfigKey) => (editable(key) ? undefined : t(`admin.locks.${key}`, { phase: original ? t(`common.phase.${original.phase}`) : '' }));
  const scheduleLock = (key: ScheduleKey, phase: Phase): string | undefined => {
    if (!original) return undefined;
    if (!editable('schedule')) return t('admin.locks.schedule');
    if (phaseIndex(original.phase) >= phaseIndex(phase))
      return t('admin.locks.scheduleEntry', { phase: t(`common.phase.${phase}`), at: f.dateTime(original.phaseStartedAt[phase]) });
    return undefined;
  };

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((s) => ({ ...s, [key]: value }));
  const setBallot = (patch: Partial<FormState['ballot']>) => setForm((s) => ({ ...s, ballot: { ...s.ballot, ...patch } }));
  const setOutcome = (patch: Partial<FormState['outcome']>) => setForm((s) => ({ ...s, outcome: { ...s.outcome, ...patch } }));
  const setEligibility = (patch: Partial<FormState['eligibility']>) => setForm((s) => ({ ...s, eligibility: { ...s.eligibility, ...patch } }));
  const setUnit = (i: number, patch: Partial<UnitRow>) => setForm((s) => ({ ...s, units: s.units.map((u, k) => (k === i ? { ...u, ...patch } : u)) }));

  const focusSummary = () => setTimeout(() => summaryRef.current?.focus(), 0);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setInfo(undefined);
    const built = buildConfig(form, t, original);
    setLocal(built.local);
    if (Object.keys(built.local).length > 0) {
      setError(undefined);
      focusSummary();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      if (!original) {
        const created = await api.proposals.post<RoundCommandResult>('/rounds', built.config);
        navigate(`/admin/rounds/${created.roundId}`, { state: { notice: 'created' } });
        return;
      }
      const changes: Partial<Record<RoundConfigKey, unknown>> = {};
      for (const key of ROUND_CONFIG_KEYS) {
        if (editable(key) && canonical(built.config[key]) !== canonical(original.config[key])) changes[key] = built.config[key];
      }
      if (Object.keys(changes).length === 0) {
        setInfo(t('admin.form.nothingChanged'));
        setBusy(false);
        return;
      }
      await api.proposals.patch<RoundCommandResult>(`/rounds/${original.roundId}`, changes, { ifMatch: loaded!.etag });
      navigate(`/admin/rounds/${original.roundId}`, { state: { notice: 'saved', changed: Object.keys(changes) } });
    } catch (err) {
      setError(err);
      setBusy(false);
      focusSummary();
    }
  }

  const currency = form.currency.trim();
  const preview = (text: string) => {
    const minor = text.trim() ? parseMajor(text, currency) : undefined;
    return minor !== undefined && /^[A-Z]{3}$/.test(currency) ? f.money(minor, currency) : undefined;
  };
  const label = (field: string): string | undefined => summaryLabel(field, t, currency || '—');
  const stale = error instanceof ApiError && error.status === 409 && !error.code;
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const b = form.ballot;
  const o = form.outcome;
  const groupCandidates = proposals.filter((p) => p.status === 'submitted' || p.status === 'accepted');

  return (
    <>
      {original && <RoundNav roundId={original.roundId} />}
      <PageTitle>{original ? t('admin.form.editTitle', { name: original.config.name }) : t('admin.form.newTitle')}</PageTitle>
      <p>{original ? t('admin.form.editIntro', { phase: t(`common.phase.${original.phase}`) }) : t('admin.form.newIntro')}</p>
      <form onSubmit={submit} noValidate className="round-form" aria-busy={busy}>
        <div ref={summaryRef} tabIndex={-1} className="summary-anchor">
          <ErrorSummary error={error} errors={errors} labels={label} />
          {stale && onStale && (
            <p>
              <button type="button" className="button-secondary" onClick={onStale}>
                {t('admin.form.reload')}
              </button>
            </p>
          )}
        </div>

        <fieldset>
          <legend>{t('admin.form.basics')}</legend>
          <div className="field">
            <label htmlFor="f-name">{t('admin.form.name')}</label>
            <input
              {...a11y(errors, 'name', lockReason('name') ? 'name-lock' : undefined)}
              value={form.name}
              onChange={(e) => set('name', e.target.value)}
              disabled={!editable('name')}
              maxLength={200}
              autoComplete="off"
            />
            <LockReason id="name-lock" reason={lockReason('name')} />
            <Messages errors={errors} field="name" />
          </div>
          <div className="field">
            <label htmlFor="f-description">{t('admin.form.description')}</label>
            <p className="hint" id="description-hint">
              {t('admin.form.descriptionHint')}
            </p>
            <textarea
              {...a11y(errors, 'description', lockReason('description') ? 'description-hint description-lock' : 'description-hint')}
              value={form.description}
              onChange={(e) => set('description', e.target.value)}
              disabled={!editable('description')}
              maxLength={10000}
              rows={4}
            />
            <LockReason id="description-lock" reason={lockReason('description')} />
            <Messages errors={errors} field="description" />
          </div>
          <div className="field">
            <label htmlFor="f-currency">{t('admin.form.currency')}</label>
            <p className="hint" id="currency-hint">
              {t('admin.form.currencyHint')}
            </p>
            <input
              {...a11y(errors, 'currency', lockReason('currency') ? 'currency-hint currency-lock' : 'currency-hint')}
              className="input-short"
              value={form.currency}
              onChange={(e) => set('currency', e.target.value.toUpperCase())}
              disabled={!editable('currency')}
              maxLength={3}
              autoCapitalize="characters"
              autoComplete="off"
              spellCheck={false}
            />
            <LockReason id="currency-lock" reason={lockReason('currency')} />
            <Messages errors={errors} field="currency" />
          </div>
        </fieldset>

        <fieldset disabled={!editable('units')} aria-describedby={lockReason('units') ? 'units-lock' : undefined}>
          <legend>{t('admin.form.units')}</legend>
          <p className="hint">{t('admin.form.unitsHint')}</p>
          <LockReason id="units-lock" reason={lockReason('units')} />
          <Messages errors={errors} field="units" />
          <ol className="unit-rows">
            {form.units.map((u, i) => {
              const n = i + 1;
              const budgetPreview = preview(u.budget);
              return (
                <li key={u.key} className="unit-row">
                  <fieldset>
                    <legend>{t('admin.form.unitN', { n })}</legend>
                    <Messages errors={errors} field={`units.${i}`} />
                    <div className="unit-grid">
                      <div className="field">
                        <label htmlFor={`f-units-${i}-id`}>{t('admin.form.unitId')}</label>
                        <input
                          {...a11y(errors, `units.${i}.id`, `unit-${i}-id-hint`)}
                          value={u.id}
                          onChange={(e) => setUnit(i, { id: e.target.value })}
                          autoComplete="off"
                          autoCapitalize="none"
                          spellCheck={false}
                        />
                        <p className="hint" id={`unit-${i}-id-hint`}>
                          {t('admin.form.unitIdHint')}
                        </p>
                        <Messages errors={errors} field={`units.${i}.id`} />
                      </div>
                      <div className="field">
                        <label htmlFor={`f-units-${i}-name`}>{t('admin.form.unitName')}</label>
                        <input {...a11y(errors, `units.${i}.name`)} value={u.name} onChange={(e) => setUnit(i, { name: e.target.value })} autoComplete="off" />
                        <Messages errors={errors} field={`units.${i}.name`} />
                      </div>
                      <div className="field">
                        <label htmlFor={`f-units-${i}-kind`}>{t('admin.form.unitKind')}</label>
                        <select {...a11y(errors, `units.${i}.kind`)} value={u.kind} onChange={(e) => setUnit(i, { kind: e.target.value as UnitRow['kind'] })}>
                          {UNIT_KINDS.map((k) => (
                            <option key={k} value={k}>
                              {t(`common.unitKind.${k}`)}
                            </option>
                          ))}
                        </select>
                        <Messages errors={errors} field={`units.${i}.kind`} />
                      </div>
                      <div className="field">
                        <label htmlFor={`f-units-${i}-budget`}>{t('admin.form.unitBudget', { currency: currency || '—' })}</label>
                        <input
                          {...a11y(errors, `units.${i}.budget`, `unit-${i}-budget-hint`)}
                          value={u.budget}
                          onChange={(e) => setUnit(i, { budget: e.target.value })}
                          inputMode="decimal"
                          autoComplete="off"
                        />
                        <p className="hint" id={`unit-${i}-budget-hint`}>
                          {budgetPreview ? t('admin.form.amountPreview', { amount: budgetPreview }) : t('admin.form.amountHint')}
                        </p>
                        <Messages errors={errors} field={`units.${i}.budget`} />
                      </div>
                    </div>
                    {form.units.length > 1 && (
                      <button
                        type="button"
                        className="button-secondary"
                        onClick={() => setForm((s) => ({ ...s, units: s.units.filter((_, k) => k !== i) }))}
                      >
                        {t('admin.form.removeUnit', { n })}
                      </button>
                    )}
                  </fieldset>
                </li>
              );
            })}
          </ol>
          <button
            type="button"
            className="button-secondary"
            onClick={() => setForm((s) => ({ ...s, units: [...s.units, { key: nextKey++, id: '', name: '', kind: 'district', budget: '' }] }))}
          >
            {t('admin.form.addUnit')}
          </button>
        </fieldset>

        <fieldset>
          <legend>{t('admin.form.schedule')}</legend>
          <p className="hint">{t('admin.form.scheduleHint', { timeZone })}</p>
          <Messages errors={errors} field="schedule" />
          {SCHEDULED_PHASES.map(({ key, phase }) => {
            const reason = scheduleLock(key, phase);
            const utc = fromLocalInput(form.schedule[key]);
            return (
              <div className="field" key={key}>
                <label htmlFor={`f-schedule-${key}`}>{t(`admin.form.scheduleEntry.${key}`)}</label>
                <div className="inline-control">
                  <input
                    type="datetime-local"
                    {...a11y(errors, `schedule.${key}`, `schedule-${key}-hint`)}
                    value={form.schedule[key]}
                    onChange={(e) => set('schedule', { ...form.schedule, [key]: e.target.value })}
                    disabled={!!reason}
                  />
                  {!reason && form.schedule[key] && (
                    <button
                      type="button"
                      className="button-link"
                      onClick={() => set('schedule', { ...form.schedule, [key]: '' })}
                      aria-label={t('admin.form.clearTimeOf', { what: t(`admin.form.scheduleEntry.${key}`) })}
                    >
                      {t('admin.form.clearTime')}
                    </button>
                  )}
                </div>
                <p className="hint" id={`schedule-${key}-hint`}>
                  {reason ? <span className="lock-reason">{reason}</span> : utc ? t('admin.form.savedAsUtc', { utc }) : t('admin.form.byHand')}
                </p>
                <Messages errors={errors} field={`schedule.${key}`} />
              </div>
            );
          })}
        </fieldset>

        <fieldset disabled={!editable('ballot')} aria-describedby={lockReason('ballot') ? 'ballot-lock' : undefined}>
          <legend>{t('admin.form.ballot')}</legend>
          <LockReason id="ballot-lock" reason={lockReason('ballot')} />
          <Messages errors={errors} field="ballot" />
          <div className="field">
            <label htmlFor="f-ballot-type">{t('admin.form.ballotType')}</label>
            <select {...a11y(errors, 'ballot.type', 'ballot-type-hint')} value={b.type} onChange={(e) => setBallot({ type: e.target.value as BallotType })}>
              {BALLOT_TYPES.map((type) => (
                <option key={type} value={type}>
                  {t(`common.ballotType.${type}`)}
                </option>
              ))}
            </select>
            <p className="hint" id="ballot-type-hint">
              {t(`admin.ballotHelp.${b.type}`)}
            </p>
            <Messages errors={errors} field="ballot.type" />
          </div>
          {usesPicks(b.type) && (
            <div className="pair">
              <NumberField field="ballot.minPicks" label={t(b.type === 'ranked' ? 'admin.form.minRanked' : 'admin.form.minPicks')} value={b.minPicks} onChange={(v) => setBallot({ minPicks: v })} errors={errors} hint={t('admin.form.optional')} />
              <NumberField field="ballot.maxPicks" label={t(b.type === 'ranked' ? 'admin.form.maxRanked' : 'admin.form.maxPicks')} value={b.maxPicks} onChange={(v) => setBallot({ maxPicks: v })} errors={errors} hint={t(b.type === 'ranked' ? 'admin.form.maxRankedHint' : 'admin.form.optional')} />
            </div>
          )}
          {b.type === 'knapsack' && (
            <div className="field">
              <label htmlFor="f-ballot-maxSumCost">{t('admin.form.maxSumCost', { currency: currency || '—' })}</label>
              <input {...a11y(errors, 'ballot.maxSumCost', 'max-sum-hint')} value={b.maxSumCost} onChange={(e) => setBallot({ maxSumCost: e.target.value })} inputMode="decimal" autoComplete="off" />
              <p className="hint" id="max-sum-hint">
                {preview(b.maxSumCost) ? t('admin.form.amountPreview', { amount: preview(b.maxSumCost) }) : t('admin.form.maxSumCostHint')}
              </p>
              <Messages errors={errors} field="ballot.maxSumCost" />
            </div>
          )}
          {b.type === 'cumulative' && (
            <div className="pair">
              <NumberField field="ballot.totalPoints" label={t('admin.form.totalPoints')} value={b.totalPoints} onChange={(v) => setBallot({ totalPoints: v })} errors={errors} hint={t('admin.form.totalPointsHint')} />
              <NumberField field="ballot.maxPointsPerProject" label={t('admin.form.maxPointsPerProject')} value={b.maxPointsPerProject} onChange={(v) => setBallot({ maxPointsPerProject: v })} errors={errors} hint={t('admin.form.optional')} />
            </div>
          )}
          {b.type === 'ranked' && (
            <div className="field">
              <label htmlFor="f-ballot-rankPoints">{t('admin.form.rankPoints')}</label>
              <input {...a11y(errors, 'ballot.rankPoints', 'rank-points-hint')} value={b.rankPoints} onChange={(e) => setBallot({ rankPoints: e.target.value })} inputMode="numeric" autoComplete="off" />
              <p className="hint" id="rank-points-hint">
                {t('admin.form.rankPointsHint')}
              </p>
              <Messages errors={errors} field="ballot.rankPoints" />
            </div>
          )}
        </fieldset>

        <fieldset disabled={!editable('outcome')} aria-describedby={lockReason('outcome') ? 'outcome-lock' : undefined}>
          <legend>{t('admin.form.outcome')}</legend>
          <LockReason id="outcome-lock" reason={lockReason('outcome')} />
          <Messages errors={errors} field="outcome" />
          <div className="field">
            <label htmlFor="f-outcome-rule">{t('admin.form.rule')}</label>
            <select {...a11y(errors, 'outcome.rule', 'rule-hint')} value={o.rule} onChange={(e) => setOutcome({ rule: e.target.value as OutcomeRuleName })}>
              {OUTCOME_RULE_NAMES.map((rule) => (
                <option key={rule} value={rule}>
                  {t(`admin.rules.${rule}.name`)}
                </option>
              ))}
            </select>
            <p className="hint" id="rule-hint">
              {t(`admin.rules.${o.rule}.help`)}
            </p>
            <Messages errors={errors} field="outcome.rule" />
          </div>
          {o.rule === 'greedy-threshold' && (
            <NumberField field="outcome.threshold" label={t('admin.form.threshold')} value={o.threshold} onChange={(v) => setOutcome({ threshold: v })} errors={errors} hint={t('admin.form.thresholdHint')} />
          )}
          {isGreedy(o.rule) && (
            <div className="field">
              <label htmlFor="f-outcome-reserveFraction">{t('admin.form.reserveFraction')}</label>
              <input
                {...a11y(errors, 'outcome.reserveFraction', 'reserve-hint')}
                className="input-short"
                value={o.reserveFraction}
                onChange={(e) => setOutcome({ reserveFraction: e.target.value })}
                inputMode="decimal"
                autoComplete="off"
              />
              <p className="hint" id="reserve-hint">
                {t('admin.form.reserveFractionHint')}
              </p>
              <Messages errors={errors} field="outcome.reserveFraction" />
            </div>
          )}
          {isGreedy(o.rule) && (
            <fieldset className="plain-fieldset" id="f-outcome-exclusiveGroups" tabIndex={-1}>
              <legend>{t('admin.form.exclusiveGroups')}</legend>
              <p className="hint">{original ? t('admin.form.exclusiveGroupsHint') : t('admin.form.exclusiveGroupsLater')}</p>
              <Messages errors={errors} field="outcome.exclusiveGroups" />
              {original &&
                o.exclusiveGroups.map((group, g) => (
                  <fieldset key={g} className="group-editor">
                    <legend>{t('admin.form.groupN', { n: g + 1 })}</legend>
                    <Messages errors={errors} field={`outcome.exclusiveGroups.${g}`} />
                    {groupCandidates.length === 0 && <p className="muted">{t('admin.form.noProposals')}</p>}
                    <ul className="check-list">
                      {groupCandidates.map((p) => (
                        <li key={p.proposalId}>
                          <label>
                            <input
                              type="checkbox"
                              checked={group.includes(p.proposalId)}
                              onChange={(e) =>
                                setOutcome({
                                  exclusiveGroups: o.exclusiveGroups.map((x, k) =>
                                    k !== g ? x : e.target.checked ? [...x, p.proposalId] : x.filter((id) => id !== p.proposalId),
                                  ),
                                })
                              }
                            />{' '}
                            {p.title} <span className="muted">({p.unitId})</span>
                          </label>
                        </li>
                      ))}
                    </ul>
                    <button type="button" className="button-secondary" onClick={() => setOutcome({ exclusiveGroups: o.exclusiveGroups.filter((_, k) => k !== g) })}>
                      {t('admin.form.removeGroup', { n: g + 1 })}
                    </button>
                  </fieldset>
                ))}
              {original && groupCandidates.length >= 2 && (
                <p>
                  <button type="button" className="button-secondary" onClick={() => setOutcome({ exclusiveGroups: [...o.exclusiveGroups, []] })}>
                    {t('admin.form.addGroup')}
                  </button>
                </p>
              )}
            </fieldset>
          )}
          <div className="field checkbox-field">
            <label>
              <input type="checkbox" id="f-outcome-reportTies" checked={o.reportTies} onChange={(e) => setOutcome({ reportTies: e.target.checked })} aria-describedby="ties-hint" />{' '}
              {t('admin.form.reportTies')}
            </label>
            <p className="hint" id="ties-hint">
              {t('admin.form.reportTiesHint')}
            </p>
            <Messages errors={errors} field="outcome.reportTies" />
          </div>
          <TieBreakEditor outcome={o} onChange={setOutcome} errors={errors} />
        </fieldset>

        <fieldset disabled={!editable('eligibility')} aria-describedby={lockReason('eligibility') ? 'eligibility-lock' : undefined}>
          <legend>{t('admin.form.eligibility')}</legend>
          <LockReason id="eligibility-lock" reason={lockReason('eligibility')} />
          <Messages errors={errors} field="eligibility" />
          <fieldset className="radio-group" id="f-eligibility-mode" tabIndex={-1} aria-describedby={errors['eligibility.mode'] ? 'f-eligibility-mode-error' : undefined}>
            <legend>{t('admin.form.mode')}</legend>
            {ELIGIBILITY_MODES.map((mode) => (
              <div key={mode} className="radio">
                <input type="radio" id={`mode-${mode}`} name="mode" value={mode} checked={form.eligibility.mode === mode} onChange={() => setEligibility({ mode })} aria-describedby={`mode-${mode}-hint`} />
                <label htmlFor={`mode-${mode}`}>{t(`admin.modes.${mode}.name`)}</label>
                <p className="hint" id={`mode-${mode}-hint`}>
                  {t(`admin.modes.${mode}.help`)}
                </p>
              </div>
            ))}
            <Messages errors={errors} field="eligibility.mode" />
          </fieldset>
          {form.eligibility.mode === 'roll' && (
            <NumberField field="eligibility.minAge" label={t('admin.form.minAge')} value={form.eligibility.minAge} onChange={(v) => setEligibility({ minAge: v })} errors={errors} hint={t('admin.form.minAgeHint')} />
          )}
          <fieldset className="radio-group" id="f-eligibility-paperPolicy" tabIndex={-1}>
            <legend>{t('admin.form.paperPolicy')}</legend>
            {PAPER_POLICIES.map((policy) => (
              <div key={policy} className="radio">
                <input
                  type="radio"
                  id={`policy-${policy}`}
                  name="paperPolicy"
                  value={policy}
                  checked={form.eligibility.paperPolicy === policy}
                  onChange={() => setEligibility({ paperPolicy: policy })}
                  aria-describedby={`policy-${policy}-hint`}
                />
                <label htmlFor={`policy-${policy}`}>{t(`admin.policies.${policy}.name`)}</label>
                <p className="hint" id={`policy-${policy}-hint`}>
                  {t(`admin.policies.${policy}.help`)}
                </p>
              </div>
            ))}
            <Messages errors={errors} field="eligibility.paperPolicy" />
          </fieldset>
        </fieldset>

        <div role="status" aria-live="polite">
          {info && <p className="alert alert-info">{info}</p>}
        </div>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {original ? t('admin.form.save') : t('admin.form.create')}
          </button>
          <Link to={original ? `/admin/rounds/${original.roundId}` : '/admin'} className="button button-secondary">
            {t('common.cancel')}
          </Link>
        </div>
      </form>
    </>
  );
}

/**
 * The ordered list of tie-breaking criteria (libs/tally applies them in turn; ballot order always ends the list) and
 * the public lottery's seed, fixed here so it is in the ledger before voting opens.
 */
function TieBreakEditor({
  outcome,
  onChange,
  errors,
}: {
  outcome: FormState['outcome'];
  onChange: (patch: Partial<FormState['outcome']>) => void;
  errors: Record<string, string[]>;
}) {
  const { t } = useTranslation();
  const list = outcome.tieBreak;
  const name = (c: TieBreakCriterion) => t(`admin.tieBreak.${c}.name`);
  const left = TIE_BREAK_CRITERIA.filter((c) => !list.includes(c));
  const [adding, setAdding] = useState<TieBreakCriterion | ''>('');
  const choice: TieBreakCriterion | undefined = adding !== '' && left.includes(adding) ? adding : left[0];
  const move = (k: number, by: number) => {
    const next = [...list];
    [next[k], next[k + by]] = [next[k + by], next[k]];
    onChange({ tieBreak: next });
  };
  const drawSeed = () => {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    onChange({ lotterySeed: [...bytes].map((x) => x.toString(16).padStart(2, '0')).join('') });
  };
  return (
    <fieldset className="plain-fieldset" id="f-outcome-tieBreak" tabIndex={-1} aria-describedby="tie-break-hint">
      <legend>{t('admin.form.tieBreak')}</legend>
      <p className="hint" id="tie-break-hint">
        {list.length === 0 ? t('admin.form.tieBreakDefault', { order: DEFAULT_TIE_BREAK.map(name).join(', ') }) : t('admin.form.tieBreakHint')}
      </p>
      <Messages errors={errors} field="outcome.tieBreak" />
      {list.length > 0 && (
        <ol className="tie-break-list" aria-label={t('admin.form.tieBreakOrder')}>
          {list.map((c, k) => (
            <li key={c} className="tie-break-item">
              <span>
                <strong>{name(c)}</strong> <span className="muted">— {t(`admin.tieBreak.${c}.help`)}</span>
              </span>{' '}
              <button type="button" className="button-link" disabled={k === 0} onClick={() => move(k, -1)} aria-label={t('admin.form.tieBreakUp', { name: name(c) })}>
                {t('admin.form.up')}
              </button>{' '}
              <button type="button" className="button-link" disabled={k === list.length - 1} onClick={() => move(k, 1)} aria-label={t('admin.form.tieBreakDown', { name: name(c) })}>
                {t('admin.form.down')}
              </button>{' '}
              <button type="button" className="button-link" onClick={() => onChange({ tieBreak: list.filter((x) => x !== c) })} aria-label={t('admin.form.tieBreakRemove', { name: name(c) })}>
                {t('admin.form.remove')}
              </button>
            </li>
          ))}
        </ol>
      )}
      {choice !== undefined && (
        <div className="field inline-control">
          <label htmlFor="f-tie-break-add">{t('admin.form.tieBreakAdd')}</label>
          <select id="f-tie-break-add" value={choice} onChange={(e) => setAdding(e.target.value as TieBreakCriterion)}>
            {left.map((c) => (
              <option key={c} value={c}>
                {name(c)}
              </option>
            ))}
          </select>
          <button type="button" className="button-secondary" onClick={() => onChange({ tieBreak: [...list, choice] })}>
            {t('admin.form.tieBreakAddButton')}
          </button>
        </div>
      )}
      {list.includes('lottery') && (
        <div className="field">
          <label htmlFor="f-outcome-lotterySeed">{t('admin.form.lotterySeed')}</label>
          <div className="inline-control">
            <input
              {...a11y(errors, 'outcome.lotterySeed', 'lottery-seed-hint')}
              value={outcome.lotterySeed}
              onChange={(e) => onChange({ lotterySeed: e.target.value })}
              maxLength={200}
              autoComplete="off"
              spellCheck={false}
            />
            <button type="button" className="button-secondary" onClick={drawSeed}>
              {t('admin.form.lotterySeedDraw')}
            </button>
          </div>
          <p className="hint" id="lottery-seed-hint">
            {t('admin.form.lotterySeedHint')}
          </p>
          <Messages errors={errors} field="outcome.lotterySeed" />
        </div>
      )}
    </fieldset>
  );
}

function LockReason({ id, reason }: { id: string; reason: string | undefined }) {
  const { t } = useTranslation();
  if (!reason) return null;
  return (
    <p className="lock-reason" id={id}>
      <span className="lock-label">{t('admin.form.locked')}</span> {reason}
    </p>
  );
}

function NumberField({
  field,
  label,
  value,
  onChange,
  errors,
  hint,
}: {
  field: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors: Record<string, string[]>;
  hint?: string;
}) {
  const hintId = hint ? `${field.replace(/\./g, '-')}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={`f-${field.replace(/\./g, '-')}`}>{label}</label>
      <input {...a11y(errors, field, hintId)} className="input-short" value={value} onChange={(e) => onChange(e.target.value)} inputMode="numeric" autoComplete="off" />
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      <Messages errors={errors} field={field} />
    </div>
  );
}

/** A field path of the API as words for the error summary: `units.0.budget` → "Unit 1: budget". */
function summaryLabel(field: string, t: Translate, currency: string): string | undefined {
  const parts = field.split('.');
  const labels: Record<string, string> = {
    name: t('admin.form.name'),
    description: t('admin.form.description'),
    currency: t('admin.form.currency'),
    units: t('admin.form.units'),
    schedule: t('admin.form.schedule'),
    ballot: t('admin.form.ballot'),
    outcome: t('admin.form.outcome'),
    eligibility: t('admin.form.eligibility'),
    'ballot.type': t('admin.form.ballotType'),
    'ballot.minPicks': t('admin.form.minPicks'),
    'ballot.maxPicks': t('admin.form.maxPicks'),
    'ballot.maxSumCost': t('admin.form.maxSumCost', { currency }),
    'ballot.totalPoints': t('admin.form.totalPoints'),
    'ballot.maxPointsPerProject': t('admin.form.maxPointsPerProject'),
    'ballot.rankPoints': t('admin.form.rankPoints'),
    'outcome.rule': t('admin.form.rule'),
    'outcome.threshold': t('admin.form.threshold'),
    'outcome.reserveFraction': t('admin.form.reserveFraction'),
    'outcome.exclusiveGroups': t('admin.form.exclusiveGroups'),
    'outcome.reportTies': t('admin.form.reportTies'),
    'outcome.tieBreak': t('admin.form.tieBreak'),
    'outcome.lotterySeed': t('admin.form.lotterySeed'),
    'eligibility.mode': t('admin.form.mode'),
    'eligibility.minAge': t('admin.form.minAge'),
    'eligibility.paperPolicy': t('admin.form.paperPolicy'),
  };
  if (labels[field]) return labels[field];
  if (parts[0] === 'units' && parts[1] !== undefined) {
    const unit = t('admin.form.unitN', { n: Number(parts[1]) + 1 });
    const sub: Record<string, string> = { id: t('admin.form.unitId'), name: t('admin.form.unitName'), kind: t('admin.form.unitKind'), budget: t('admin.form.unitBudget', { currency }) };
    return parts[2] ? `${unit}: ${sub[parts[2]] ?? parts[2]}` : unit;
  }
  if (parts[0] === 'schedule' && parts[1]) return `${t('admin.form.schedule')}: ${t(`admin.form.scheduleEntry.${parts[1]}`)}`;
  if (parts[0] === 'outcome' && parts[1] === 'exclusiveGroups' && parts[2] !== undefined) return t('admin.form.groupN', { n: Number(parts[2]) + 1 });
  return undefined;
}
