import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Proposal } from '../../api/types';
import { Meter } from '../../ui/Meter';
import { useFormat } from '../../ui/format';
import { maxPointsFor, pickBlock, pointsLeft, pointsUsed, setPoints, toggle, totalCost, type BallotProject, type PickBlock, type Selection, type UnitBallotRules } from './ballot';

export interface EditorProps {
  readonly roundId: string;
  readonly currency: string;
  readonly rules: UnitBallotRules;
  readonly proposals: readonly Proposal[];
  readonly projects: readonly BallotProject[];
  readonly selection: Selection;
  readonly onChange: (selection: Selection) => void;
}

/** Cost and a link to the proposal's page (title is the control's label, drawn by the caller). */
export function ProposalMeta({ roundId, proposal, currency }: { roundId: string; proposal: Proposal; currency: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <span className="ballot-meta">
      <span className="ballot-cost">
        <span className="visually-hidden">{t('vote.ballot.cost')}: </span>
        {f.money(proposal.cost ?? proposal.estimatedCost, currency)}
      </span>
      <Link
        to={`/rounds/${roundId}/proposals/${proposal.proposalId}`}
        className="ballot-details"
        aria-label={t('vote.named', { action: t('vote.ballot.details'), title: proposal.title })}
      >
        {t('vote.ballot.details')}
      </Link>
    </span>
  );
}

/** Why a project cannot be picked, in words. */
export function useBlockText() {
  const { t } = useTranslation();
  const f = useFormat();
  return (block: PickBlock, currency: string) =>
    block.reason === 'budget'
      ? t('vote.ballot.blockedBudget', { over: f.money(block.over, currency), left: f.money(block.left, currency) })
      : block.reason === 'maxPicks'
        ? t('vote.ballot.blockedMaxPicks', { count: block.max })
        : t('vote.ballot.blockedUnknown');
}

/** approval and knapsack: one checkbox per proposal; what would break the rules is disabled with the reason. */
export function CheckboxBallot({ roundId, currency, rules, proposals, projects, selection, onChange }: EditorProps) {
  const { t } = useTranslation();
  const blockText = useBlockText();
  return (
    <fieldset className="ballot">
      <legend>{t(rules.type === 'knapsack' ? 'vote.ballot.legendKnapsack' : 'vote.ballot.legendApproval')}</legend>
      <ul className="ballot-list">
        {proposals.map((p) => {
          const id = p.proposalId;
          const checked = selection.choices.includes(id);
          const block = checked ? undefined : pickBlock(rules, selection, projects, id);
          return (
            <li key={id} className={`ballot-item${checked ? ' is-chosen' : ''}${block ? ' is-blocked' : ''}`}>
              <input
                type="checkbox"
                id={`choice-${id}`}
                checked={checked}
                disabled={!!block}
                aria-describedby={block ? `why-${id}` : undefined}
                onChange={() => onChange(toggle(rules, selection, projects, id))}
              />
              <div className="ballot-body">
                <label htmlFor={`choice-${id}`}>{p.title}</label>
                <ProposalMeta roundId={roundId} proposal={p} currency={currency} />
                {block && (
                  <p id={`why-${id}`} className="hint ballot-why">
                    {blockText(block, currency)}
                  </p>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

/** choose-one: a radio group. */
export function ChooseOneBallot({ roundId, currency, rules, proposals, projects, selection, onChange }: EditorProps) {
  const { t } = useTranslation();
  return (
    <fieldset className="ballot">
      <legend>{t('vote.ballot.legendChooseOne')}</legend>
      <ul className="ballot-list">
        {proposals.map((p) => {
          const id = p.proposalId;
          const checked = selection.choices[0] === id;
          return (
            <li key={id} className={`ballot-item${checked ? ' is-chosen' : ''}`}>
              <input
                type="radio"
                name="choose-one"
                id={`choice-${id}`}
                checked={checked}
                onChange={() => onChange(toggle(rules, { choices: [], points: {} }, projects, id))}
              />
              <div className="ballot-body">
                <label htmlFor={`choice-${id}`}>{p.title}</label>
                <ProposalMeta roundId={roundId} proposal={p} currency={currency} />
              </div>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

/** cumulative: a number field with − and + per proposal; never more than the per-project cap or the points left. */
export function PointsBallot({ roundId, currency, rules, proposals, selection, onChange }: EditorProps) {
  const { t } = useTranslation();
  const [note, setNote] = useState<{ id: string; text: string } | undefined>();
  const put = (p: Proposal, value: number) => {
    const r = setPoints(rules, selection, p.proposalId, value);
    setNote(r.clamped ? { id: p.proposalId, text: t('vote.points.clamped', { count: maxPointsFor(rules, selection, p.proposalId), title: p.title }) } : undefined);
    onChange(r.selection);
  };
  return (
    <fieldset className="ballot">
      <legend>{t('vote.ballot.legendCumulative', { count: rules.totalPoints ?? 0 })}</legend>
      {rules.maxPointsPerProject !== undefined && <p className="hint">{t('vote.points.capHint', { count: rules.maxPointsPerProject })}</p>}
      <ul className="ballot-list">
        {proposals.map((p) => {
          const id = p.proposalId;
          const value = selection.points[id] ?? 0;
          const max = maxPointsFor(rules, selection, id);
          const atMax = value >= max;
          return (
            <li key={id} className={`ballot-item points-item${value > 0 ? ' is-chosen' : ''}`}>
              <div className="ballot-body">
                <label htmlFor={`points-${id}`}>{p.title}</label>
                <ProposalMeta roundId={roundId} proposal={p} currency={currency} />
                <p className="hint" id={`points-hint-${id}`}>
                  {max === 0 ? t('vote.points.noneLeft') : t('vote.points.mayGive', { count: max })}
                </p>
              </div>
              <div className="stepper">
                <button
                  type="button"
                  className="button-secondary stepper-button"
                  aria-label={t('vote.points.less', { title: p.title })}
                  aria-disabled={value <= 0 || undefined}
                  onClick={() => value > 0 && put(p, value - 1)}
                >
                  −
                </button>
                <input
                  id={`points-${id}`}
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={max}
                  step={1}
                  value={String(value)}
                  aria-describedby={`points-hint-${id}${note?.id === id ? ` points-note-${id}` : ''}`}
                  onChange={(e) => put(p, e.target.value === '' ? 0 : Number(e.target.value))}
                  onFocus={(e) => e.target.select()}
                />
                <button
                  type="button"
                  className="button-secondary stepper-button"
                  aria-label={t('vote.points.more', { title: p.title })}
                  aria-disabled={atMax || undefined}
                  onClick={() => (atMax ? setNote({ id, text: t('vote.points.none', { title: p.title }) }) : put(p, value + 1))}
                >
                  +
                </button>
              </div>
              <p id={`points-note-${id}`} className="field-error points-note" aria-live="polite">
                {note?.id === id ? note.text : ''}
              </p>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

/** The live totals: budget, picks or points, each a meter with ARIA values. */
export function BallotMeters({ currency, rules, projects, selection, count }: Pick<EditorProps, 'currency' | 'rules' | 'projects' | 'selection'> & { count: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const picks = selection.choices.length;
  const meters = [];
  if (rules.type === 'knapsack' && rules.maxSumCost !== undefined) {
    const total = totalCost(selection, projects);
    meters.push(
      <Meter
        key="budget"
        id="budget-meter"
        label={t('vote.meter.budget')}
        value={total}
        max={rules.maxSumCost}
        over={total > rules.maxSumCost}
        valueText={t('vote.meter.budgetText', {
          total: f.money(total, currency),
          limit: f.money(rules.maxSumCost, currency),
          left: f.money(Math.max(0, rules.maxSumCost - total), currency),
        })}
      />,
    );
  }
  if (rules.type === 'cumulative') {
    const used = pointsUsed(selection);
    const total = rules.totalPoints ?? used;
    meters.push(
      <Meter
        key="points"
        id="points-meter"
        label={t('vote.meter.points')}
        value={used}
        max={total}
        over={used > total}
        valueText={t('vote.meter.pointsText', { used, total, left: pointsLeft(rules, selection) })}
      />,
    );
  }
  if (rules.type === 'approval' || rules.type === 'knapsack' || rules.type === 'ranked') {
    const max = rules.maxPicks ?? count;
    meters.push(
      <Meter
        key="picks"
        id="picks-meter"
        label={t(rules.type === 'ranked' ? 'vote.meter.ranked' : 'vote.meter.picks')}
        value={picks}
        max={max}
        over={picks > max}
        valueText={
          rules.maxPicks !== undefined
            ? t('vote.meter.picksLeftText', { left: Math.max(0, rules.maxPicks - picks), picks, max: rules.maxPicks })
            : t('vote.meter.picksText', { picks, max })
        }
      />,
    );
  }
  return <div className="ballot-meters">{meters}</div>;
}
