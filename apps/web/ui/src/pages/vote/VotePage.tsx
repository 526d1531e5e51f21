import { createContext, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client';
import type { Proposal, Round } from '../../api/types';
import { Async, ErrorMessage, Loading, useAsync } from '../../ui/async';
import { Field } from '../../ui/fields';
import { useFormat } from '../../ui/format';
import { PageTitle } from '../../ui/PageTitle';
import { useSession, type Session } from '../../session/session';
import {
  apiProblems,
  checkBallot,
  EMPTY_SELECTION,
  fromBallot,
  pointsUsed,
  rankPointsAt,
  toBallot,
  totalCost,
  unitRules,
  type BallotProblem,
  type Selection,
  type UnitBallotRules,
} from './ballot';
import { BallotMeters, CheckboxBallot, ChooseOneBallot, PointsBallot, type EditorProps } from './BallotEditors';
import { ballotProjects, loadAccepted, loadMine, loadRound } from './data';
import { RankedBallot } from './RankedBallot';
import { ReceiptView } from './ReceiptView';
import type { ReceiptFacts } from './receipt';
import { Refusal, refusalCode } from './Refusal';
import type { BallotVersion, CastReceipt, MyBallots } from './types';
import './vote.css';

/** Told when a voting-code ballot is recorded: the page keeps the receipt and signs the code voter out. */
const CodeVotedContext = createContext<((facts: ReceiptFacts) => void) | undefined>(undefined);

export default function VotePage() {
  const { t } = useTranslation();
  const { roundId = '' } = useParams();
  const { session, hasRole, signOut } = useSession();
  const round = useAsync((signal) => loadRound(roundId, signal), [roundId]);
  const title = round.data ? t('vote.page.title', { round: round.data.config.name }) : t('vote.page.titleShort');
  const signInLink = `/signin?next=${encodeURIComponent(`/rounds/${roundId}/vote`)}`;
  const [codeReceipt, setCodeReceipt] = useState<ReceiptFacts>();

  if (codeReceipt) {
    // A voting code is spent once its ballot is in: the session ends at once, the receipt stays on the page.
    return (
      <>
        <PageTitle>{title}</PageTitle>
        <section aria-labelledby="step-heading" className="vote-step">
          <div className="alert alert-ok" role="status">
            <h2 id="step-heading">{t('vote.done.heading')}</h2>
            <p>{t('vote.done.codeSignedOut')}</p>
          </div>
          <h3>{t('vote.done.receipt')}</h3>
          <p className="hint">{t('vote.done.receiptHint')}</p>
          <ReceiptView facts={codeReceipt} />
        </section>
      </>
    );
  }

  if (!session || !hasRole('resident')) {
    return (
      <>
        <PageTitle>{title}</PageTitle>
        <div className="alert alert-info">
          <p>{session ? t('vote.page.needResident', { sub: session.sub }) : t('vote.page.needSignIn')}</p>
          <p>
            <Link to={signInLink}>{t('vote.page.signInToVote')}</Link>
          </p>
        </div>
        <p>
          <Link to={`/rounds/${roundId}`}>{t('vote.page.backToRound')}</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <PageTitle>{title}</PageTitle>
      <CodeVotedContext.Provider
        value={(facts) => {
          setCodeReceipt(facts);
          signOut();
        }}
      >
        <Async state={round}>{(r) => <VoteRound round={r} session={session} />}</Async>
      </CodeVotedContext.Provider>
    </>
  );
}

/** The units this caller may vote in: a voting code's unit; else their district and every category. */
function unitOptions(round: Round, session: Session, mine: MyBallots | undefined): string[] {
  if (session.votingCode) return [session.votingCode.unitId];
  if (!mine) return [];
  return round.config.units.filter((u) => u.id === mine.registeredUnit || u.kind === 'category').map((u) => u.id);
}

function VoteRound({ round, session }: { round: Round; session: Session }) {
  const { t } = useTranslation();
  const f = useFormat();
  const roundId = round.roundId;
  const [params, setParams] = useSearchParams();
  const codeElsewhere = session.votingCode && session.votingCode.roundId !== roundId;
  const mine = useAsync((signal) => (codeElsewhere ? Promise.resolve(undefined) : loadMine(roundId, signal)), [roundId, session.token, codeElsewhere]);

  if (codeElsewhere) {
    return (
      <div className="alert alert-warn" role="alert">
        <p>{t('vote.page.codeForOtherRound')}</p>
        <p>
          <Link to={`/rounds/${session.votingCode!.roundId}/vote`}>{t('vote.page.goToCodeRound')}</Link>
        </p>
      </div>
    );
  }
  if (mine.error && mine.data === undefined) {
    const code = refusalCode(mine.error);
    return (
      <>
        <Refusal error={mine.error} onRetry={code ? undefined : mine.reload} />
        {code === 'not-registered' && <p>{t('vote.page.notRegisteredHelp')}</p>}
        <p>
          <Link to={`/rounds/${roundId}`}>{t('vote.page.backToRound')}</Link>
        </p>
      </>
    );
  }
  if (mine.data === undefined) return <Loading />;
  const my = mine.data;

  const options = unitOptions(round, session, my);
  const asked = params.get('unit');
  const unitId = asked && options.includes(asked) ? asked : (options.find((u) => u === (session.votingCode?.unitId ?? my.registeredUnit)) ?? options[0]);
  const unit = round.config.units.find((u) => u.id === unitId);
  const current = my.current.find((b) => b.unitId === unitId);

  const intro = (
    <p className="lead">
      {t(`common.ballotType.${round.config.ballot.type}`)}
      {round.config.schedule.votingClosesAt && <> · {t('vote.page.closesAt', { when: f.dateTime(round.config.schedule.votingClosesAt) })}</>}
    </p>
  );

  if (round.phase !== 'voting') {
    return (
      <>
        {intro}
        <div className="alert alert-warn" role="status">
          <p>{t('vote.page.notOpen', { phase: t(`common.phase.${round.phase}`) })}</p>
        </div>
        <p className="actions">
          {my.history.length > 0 && (
            <Link className="button button-secondary" to={`/rounds/${roundId}/ballot`}>
              {t('vote.page.myBallot')}
            </Link>
          )}
          {(round.phase === 'closed' || round.phase === 'published') && (
            <Link className="button button-secondary" to={`/rounds/${roundId}/results`}>
              {t('vote.page.results')}
            </Link>
          )}
          <Link className="button button-secondary" to={`/rounds/${roundId}`}>
            {t('vote.page.backToRound')}
          </Link>
        </p>
      </>
    );
  }
  if (!unit) return <ErrorMessage error={new Error(t('vote.page.noUnit'))} />;

  return (
    <>
      {intro}
      {options.length > 1 ? (
        <Field label={t('vote.page.unitLabel')} htmlFor="unit" hint={t('vote.page.unitHint')} hintId="unit-hint">
          <select
            id="unit"
            aria-describedby="unit-hint"
            value={unitId}
            onChange={(e) => {
              const next = new URLSearchParams(params);
              next.set('unit', e.target.value);
              setParams(next, { replace: true });
            }}
          >
            {options.map((id) => {
              const u = round.config.units.find((x) => x.id === id)!;
              const voted = my.current.some((b) => b.unitId === id);
              return (
                <option key={id} value={id}>
                  {t('vote.page.unitOption', { name: u.name, kind: t(`common.unitKind.${u.kind}`) })}
                  {voted ? ` — ${t('vote.page.unitVoted')}` : ''}
                </option>
              );
            })}
          </select>
        </Field>
      ) : (
        <p>
          <strong>{t('vote.page.unitLabel')}:</strong> {unit.name} ({t(`common.unitKind.${unit.kind}`)})
        </p>
      )}
      <UnitBallot key={unitId} round={round} unitId={unitId!} current={current} onCast={mine.reload} />
    </>
  );
}

type Step = 'edit' | 'review' | 'done';

function UnitBallot({ round, unitId, current, onCast }: { round: Round; unitId: string; current: BallotVersion | undefined; onCast: () => void }) {
  const { t } = useTranslation();
  const proposals = useAsync((signal) => loadAccepted(round.roundId, unitId, signal), [round.roundId, unitId]);
  const rules = useMemo(() => unitRules(round.config, unitId), [round.config, unitId]);
  return (
    <Async state={proposals}>
      {(list) =>
        list.length === 0 ? (
          <p className="alert alert-info">{t('vote.page.noProposals')}</p>
        ) : (
          <BallotFlow round={round} unitId={unitId} rules={rules} proposals={list} current={current} onCast={onCast} />
        )
      }
    </Async>
  );
}

function BallotFlow({
  round,
  unitId,
  rules,
  proposals,
  current,
  onCast,
}: {
  round: Round;
  unitId: string;
  rules: UnitBallotRules;
  proposals: readonly Proposal[];
  current: BallotVersion | undefined;
  onCast: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const roundId = round.roundId;
  const currency = round.config.currency;
  const unit = round.config.units.find((u) => u.id === unitId)!;
  const projects = useMemo(() => ballotProjects(proposals), [proposals]);
  const [selection, setSelection] = useState<Selection>(() => (current ? fromBallot(current) : EMPTY_SELECTION));
  const [step, setStep] = useState<Step>('edit');
  const [shownProblems, setShownProblems] = useState<BallotProblem[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<unknown>();
  const [receipt, setReceipt] = useState<(CastReceipt & { castAt: string }) | undefined>();
  const codeVoted = useContext(CodeVotedContext);
  const codeSession = useSession().session?.votingCode !== undefined;
  const [revising, setRevising] = useState<BallotVersion | undefined>(current);
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const problemsRef = useRef<HTMLDivElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    stepHeading.current?.focus();
  }, [step]);

  const problems = checkBallot(rules, selection, projects);
  const byId = new Map(proposals.map((p) => [p.proposalId, p]));
  const titleOf = (id: string) => byId.get(id)?.title ?? id;
  const problemText = useProblemText(currency, titleOf);

  const change = (next: Selection) => {
    setSelection(next);
    if (shownProblems.length) setShownProblems(checkBallot(rules, next, projects));
  };

  const toReview = () => {
    const found = checkBallot(rules, selection, projects);
    setShownProblems(found);
    if (found.length === 0 && apiProblems(rules, selection, projects).length === 0) {
      setSubmitError(undefined);
      setStep('review');
    } else {
      setTimeout(() => problemsRef.current?.focus(), 0);
    }
  };

  const submit = async () => {
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      const body = { unitId, ...toBallot(rules, selection, projects) };
      const r = await api.voting.post<CastReceipt>(`/rounds/${roundId}/ballots`, body);
      const castAt = new Date().toISOString();
      if (codeSession && codeVoted) {
        codeVoted({ roundId, roundName: round.config.name, unitId, unitName: unit.name, ballotVersion: r.ballotVersion, castAt, eventId: r.eventId, leafHash: r.leafHash, channel: r.channel });
        return;
      }
      setReceipt({ ...r, castAt });
      setStep('done');
      onCast();
    } catch (error) {
      setSubmitError(error);
    } finally {
      setSubmitting(false);
    }
  };

  const editorProps: EditorProps = { roundId, currency, rules, proposals, projects, selection, onChange: change };
  const chosen = rules.type === 'cumulative' ? toBallot(rules, selection, projects).choices : selection.choices;

  if (step === 'done' && receipt) {
    return (
      <section aria-labelledby="step-heading" className="vote-step">
        <div className="alert alert-ok" role="status">
          <h2 id="step-heading" ref={stepHeading} tabIndex={-1}>
            {revising ? t('vote.done.headingRevised', { version: receipt.ballotVersion }) : t('vote.done.heading')}
          </h2>
          <p>{t('vote.done.body')}</p>
        </div>
        <h3>{t('vote.done.receipt')}</h3>
        <p className="hint">{t('vote.done.receiptHint')}</p>
        <ReceiptView
          facts={{
            roundId,
            roundName: round.config.name,
            unitId,
            unitName: unit.name,
            ballotVersion: receipt.ballotVersion,
            castAt: receipt.castAt,
            eventId: receipt.eventId,
            leafHash: receipt.leafHash,
            channel: receipt.channel,
          }}
        />
        <div className="actions">
          <button
            type="button"
            className="button-secondary"
            onClick={() => {
              setRevising({ ...receipt, choices: selection.choices, unitId });
              setStep('edit');
            }}
          >
            {t('vote.done.revise')}
          </button>
          <Link className="button button-secondary" to={`/rounds/${roundId}/ballot`}>
            {t('vote.page.myBallot')}
          </Link>
        </div>
      </section>
    );
  }

  if (step === 'review') {
    const body = toBallot(rules, selection, projects);
    return (
      <section aria-labelledby="step-heading" className="vote-step">
        <h2 id="step-heading" ref={stepHeading} tabIndex={-1}>
          {t('vote.review.heading')}
        </h2>
        <p>{t('vote.review.intro', { unit: unit.name })}</p>
        {revising && <p className="alert alert-info">{t('vote.review.revises', { version: revising.ballotVersion })}</p>}
        {body.choices.length === 0 ? (
          <p className="alert alert-warn">{t('vote.review.empty')}</p>
        ) : (
          <ReviewList rules={rules} body={body} proposals={proposals} currency={currency} />
        )}
        <dl className="facts">
          <dt>{t('vote.review.count')}</dt>
          <dd>{body.choices.length}</dd>
          {rules.type === 'knapsack' && (
            <>
              <dt>{t('vote.review.totalCost')}</dt>
              <dd>{t('vote.review.ofLimit', { total: f.money(totalCost(selection, projects), currency), limit: f.money(rules.maxSumCost ?? 0, currency) })}</dd>
            </>
          )}
          {rules.type === 'cumulative' && (
            <>
              <dt>{t('vote.review.totalPoints')}</dt>
              <dd>{t('vote.review.ofPoints', { used: pointsUsed(selection), total: rules.totalPoints ?? 0 })}</dd>
            </>
          )}
        </dl>
        {submitError !== undefined && <SubmitError error={submitError} titleOf={titleOf} body={body} />}
        <div className="actions">
          <button type="button" onClick={submit} disabled={submitting} aria-describedby="submit-hint">
            {submitting ? t('vote.review.submitting') : revising ? t('vote.review.submitRevision') : t('vote.review.submit')}
          </button>
          <button type="button" className="button-secondary" onClick={() => setStep('edit')} disabled={submitting}>
            {t('vote.review.change')}
          </button>
        </div>
        <p className="hint" id="submit-hint">
          {t('vote.review.submitHint')}
        </p>
        <p className="visually-hidden" aria-live="polite">
          {submitting ? t('vote.review.submitting') : ''}
        </p>
      </section>
    );
  }

  return (
    <section aria-labelledby="step-heading" className="vote-step">
      <h2 id="step-heading" ref={stepHeading} tabIndex={-1}>
        {t('vote.edit.heading')}
      </h2>
      {revising && (
        <div className="alert alert-info">
          <p>{t('vote.edit.alreadyVoted', { version: revising.ballotVersion, when: f.dateTime(revising.castAt) })}</p>
          <p>{t('vote.edit.revisionHint')}</p>
        </div>
      )}
      <RulesHint rules={rules} currency={currency} count={proposals.length} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          toReview();
        }}
        className="ballot-form"
        noValidate
      >
        {rules.type === 'knapsack' || rules.type === 'approval' ? (
          <CheckboxBallot {...editorProps} />
        ) : rules.type === 'cumulative' ? (
          <PointsBallot {...editorProps} />
        ) : rules.type === 'ranked' ? (
          <RankedBallot {...editorProps} />
        ) : (
          <ChooseOneBallot {...editorProps} />
        )}
        <div ref={problemsRef} tabIndex={-1} className="problems-anchor">
          {shownProblems.length > 0 && (
            <div className="alert alert-error" role="alert">
              <p>{t('vote.edit.problems')}</p>
              <ul>
                {shownProblems.map((p, i) => (
                  <li key={i}>{problemText(p)}</li>
                ))}
              </ul>
            </div>
          )}
        </div>
        <div className="sticky-summary ballot-summary">
          <BallotMeters currency={currency} rules={rules} projects={projects} selection={selection} count={proposals.length} />
          <div className="actions">
            <button type="submit" aria-describedby={problems.length ? 'ballot-state' : undefined}>
              {t('vote.edit.review')}
            </button>
            <span id="ballot-state" className="hint">
              {chosen.length === 0 ? t('vote.edit.nothingYet') : problems.length ? problemText(problems[0]!) : t('vote.edit.ready')}
            </span>
          </div>
        </div>
      </form>
    </section>
  );
}

/** The rules of this ballot in one or two sentences. */
function RulesHint({ rules, currency, count }: { rules: UnitBallotRules; currency: string; count: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const lines: string[] = [];
  if (rules.type === 'knapsack') lines.push(t('vote.rules.knapsack', { limit: f.money(rules.maxSumCost ?? 0, currency) }));
  if (rules.type === 'cumulative') {
    lines.push(t('vote.rules.cumulative', { count: rules.totalPoints ?? 0 }));
    if (rules.maxPointsPerProject !== undefined) lines.push(t('vote.rules.cumulativeCap', { count: rules.maxPointsPerProject }));
  }
  if (rules.type === 'ranked') lines.push(t('vote.rules.ranked', { count: rules.maxPicks ?? count }));
  if (rules.type === 'choose-one') lines.push(t('vote.rules.chooseOne'));
  if (rules.type === 'approval' || rules.type === 'knapsack' || rules.type === 'ranked') {
    if (rules.minPicks > 0 && rules.maxPicks !== undefined) lines.push(t('vote.rules.picksBetween', { min: rules.minPicks, max: rules.maxPicks }));
    else if (rules.maxPicks !== undefined) lines.push(t('vote.rules.picksMax', { count: rules.maxPicks }));
    else if (rules.minPicks > 0) lines.push(t('vote.rules.picksMin', { count: rules.minPicks }));
  }
  return (
    <div className="rules-hint">
      {lines.map((l) => (
        <p key={l}>{l}</p>
      ))}
    </div>
  );
}

function useProblemText(currency: string, titleOf: (id: string) => string) {
  const { t } = useTranslation();
  const f = useFormat();
  return (p: BallotProblem): string => {
    switch (p.code) {
      case 'minPicks':
        return t('vote.problem.minPicks', { count: p.min, got: p.count });
      case 'maxPicks':
        return t('vote.problem.maxPicks', { count: p.max, got: p.count });
      case 'chooseOne':
        return t('vote.problem.chooseOne');
      case 'budget':
        return t('vote.problem.budget', { total: f.money(p.total, currency), limit: f.money(p.limit, currency) });
      case 'pointsCap':
        return t('vote.problem.pointsCap', { count: p.max, title: titleOf(p.id) });
      case 'pointsTotal':
        return t('vote.problem.pointsTotal', { count: p.max, got: p.total });
      case 'duplicate':
        return t('vote.problem.duplicate', { title: titleOf(p.id) });
      case 'unknown':
        return t('vote.problem.unknown', { title: titleOf(p.id) });
    }
  };
}

function ReviewList({ rules, body, proposals, currency }: { rules: UnitBallotRules; body: { choices: string[]; points?: number[] }; proposals: readonly Proposal[]; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const byId = new Map(proposals.map((p) => [p.proposalId, p]));
  const items = body.choices.map((id, i) => {
    const p = byId.get(id);
    return (
      <li key={id}>
        <span className="ballot-title">{p?.title ?? id}</span>
        <span className="ballot-meta">
          {p && <span className="ballot-cost">{f.money(p.cost ?? p.estimatedCost, currency)}</span>}
          {rules.type === 'cumulative' && <span className="badge">{t('vote.review.points', { count: body.points?.[i] ?? 0 })}</span>}
          {rules.type === 'ranked' && <span className="badge">{t('vote.ranked.points', { count: rankPointsAt(rules, i, body.choices.length) })}</span>}
        </span>
      </li>
    );
  });
  return rules.type === 'ranked' ? (
    <ol className="review-list" data-testid="review-list">
      {items}
    </ol>
  ) : (
    <ul className="review-list" data-testid="review-list">
      {items}
    </ul>
  );
}

/** The API's refusal of the ballot: rule problems field by field (400), eligibility (403) or process (409). */
function SubmitError({ error, titleOf, body }: { error: unknown; titleOf: (id: string) => string; body: { choices: string[] } }) {
  const { t } = useTranslation();
  if (error instanceof ApiError && error.status === 400 && error.fieldErrors.length) {
    const fieldName = (field: string) => {
      const m = /^points\.(\d+)$/.exec(field);
      if (m) return t('vote.submitError.pointsFor', { title: titleOf(body.choices[Number(m[1])] ?? '') });
      return t(`vote.submitError.field.${field === 'choices' || field === 'points' || field === 'unitId' ? field : 'other'}`, { field });
    };
    return (
      <div className="alert alert-error" role="alert">
        <p>{t('vote.submitError.rules')}</p>
        <ul>
          {error.fieldErrors.map((e, i) => (
            <li key={`${e.field}-${i}`}>
              <strong>{fieldName(e.field)}:</strong> {e.messages.join('; ')}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return <Refusal error={error} />;
}
