import { useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type UniqueIdentifier,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { Proposal } from '../../api/types';
import { move, pickBlock, rankPointsAt, remove, toggle } from './ballot';
import { ProposalMeta, useBlockText, type EditorProps } from './BallotEditors';

type Focus = { id: string; control: 'up' | 'down' | 'handle' | 'add' | 'remove' };

/**
 * ranked: the resident builds an ordered list from the proposals. Reordering works by drag (pointer), by
 * keyboard on the handle (Space, arrows, Space: dnd-kit's keyboard sensor, with spoken announcements) and
 * with the visible Move up / Move down buttons; focus stays on the control that moved.
 */
export function RankedBallot({ roundId, currency, rules, proposals, projects, selection, onChange }: EditorProps) {
  const { t } = useTranslation();
  const blockText = useBlockText();
  const byId = new Map(proposals.map((p) => [p.proposalId, p]));
  const ranking = selection.choices.filter((id) => byId.has(id));
  const unranked = proposals.filter((p) => !selection.choices.includes(p.proposalId));
  const [status, setStatus] = useState('');
  const focusAfter = useRef<Focus | undefined>(undefined);
  const controls = useRef(new Map<string, HTMLElement | null>());
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  useLayoutEffect(() => {
    const want = focusAfter.current;
    if (!want) return;
    focusAfter.current = undefined;
    const order: Focus['control'][] =
      want.control === 'up' ? ['up', 'down', 'handle'] : want.control === 'down' ? ['down', 'up', 'handle'] : [want.control, 'handle', 'add', 'remove'];
    for (const control of order) {
      const el = controls.current.get(`${control}:${want.id}`);
      if (el && el.getAttribute('aria-disabled') !== 'true') {
        el.focus();
        return;
      }
    }
    document.getElementById('ranking-heading')?.focus();
  });

  const titleOf = (id: UniqueIdentifier) => byId.get(String(id))?.title ?? String(id);
  const placeOf = (id: UniqueIdentifier) => ranking.indexOf(String(id)) + 1;
  // Right after pick-up dnd-kit reports the item over itself; saying so would drown "Picked up …".
  const justPickedUp = useRef(false);
  const announcements: Announcements = {
    onDragStart: ({ active }) => {
      justPickedUp.current = true;
      return t('vote.ranked.pickedUp', { title: titleOf(active.id), place: placeOf(active.id), total: ranking.length });
    },
    onDragOver: ({ active, over }) => {
      const first = justPickedUp.current;
      justPickedUp.current = false;
      if (first && over?.id === active.id) return undefined;
      return over
        ? t('vote.ranked.over', { title: titleOf(active.id), place: placeOf(over.id), total: ranking.length })
        : t('vote.ranked.outside', { title: titleOf(active.id) });
    },
    onDragEnd: ({ active, over }) =>
      over ? t('vote.ranked.dropped', { title: titleOf(active.id), place: placeOf(over.id), total: ranking.length }) : t('vote.ranked.cancelled', { title: titleOf(active.id) }),
    onDragCancel: ({ active }) => t('vote.ranked.cancelled', { title: titleOf(active.id) }),
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const from = selection.choices.indexOf(String(active.id));
    const to = selection.choices.indexOf(String(over.id));
    onChange(move(selection, from, to));
  };

  const moveBy = (id: string, delta: -1 | 1) => {
    const from = selection.choices.indexOf(id);
    const to = from + delta;
    if (to < 0 || to >= selection.choices.length) return;
    focusAfter.current = { id, control: delta < 0 ? 'up' : 'down' };
    setStatus(t('vote.ranked.moved', { title: titleOf(id), place: to + 1, total: ranking.length }));
    onChange(move(selection, from, to));
  };

  const add = (p: Proposal) => {
    const next = toggle(rules, selection, projects, p.proposalId);
    if (next === selection) return;
    setStatus(t('vote.ranked.added', { title: p.title, place: next.choices.length, total: next.choices.length }));
    // Focus goes to the next proposal still to rank, or to the one just ranked.
    const after = unranked[unranked.indexOf(p) + 1] ?? unranked[unranked.indexOf(p) - 1];
    focusAfter.current = after ? { id: after.proposalId, control: 'add' } : { id: p.proposalId, control: 'handle' };
    onChange(next);
  };

  const drop = (id: string) => {
    const at = ranking.indexOf(id);
    setStatus(t('vote.ranked.removed', { title: titleOf(id) }));
    const neighbour = ranking[at + 1] ?? ranking[at - 1];
    focusAfter.current = neighbour ? { id: neighbour, control: 'remove' } : { id, control: 'add' };
    onChange(remove(selection, id));
  };

  const ref = (key: string) => (el: HTMLElement | null) => {
    controls.current.set(key, el);
  };
  const full = rules.maxPicks !== undefined && ranking.length >= rules.maxPicks;

  return (
    <div className="ballot ranked">
      <h3 id="ranking-heading" tabIndex={-1}>
        {t('vote.ranked.heading')}
      </h3>
      <p className="hint" id="ranking-hint">
        {t('vote.ranked.hint')}
      </p>
      {ranking.length === 0 ? (
        <p className="muted">{t('vote.ranked.empty')}</p>
      ) : (
        <DndContext
          sensors={sensors}
          collisionDetection={closestCenter}
          onDragEnd={onDragEnd}
          accessibility={{ announcements, screenReaderInstructions: { draggable: t('vote.ranked.instructions') } }}
        >
          <SortableContext items={ranking} strategy={verticalListSortingStrategy}>
            <ol className="ranking" aria-labelledby="ranking-heading" aria-describedby="ranking-hint">
              {ranking.map((id, i) => (
                <RankItem
                  key={id}
                  proposal={byId.get(id)!}
                  place={i + 1}
                  count={ranking.length}
                  points={rankPointsAt(rules, i, ranking.length)}
                  roundId={roundId}
                  currency={currency}
                  controlRef={ref}
                  onUp={() => moveBy(id, -1)}
                  onDown={() => moveBy(id, 1)}
                  onRemove={() => drop(id)}
                />
              ))}
            </ol>
          </SortableContext>
        </DndContext>
      )}
      <p className="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      <h3>{t('vote.ranked.toRank')}</h3>
      {unranked.length === 0 ? (
        <p className="muted">{t('vote.ranked.allRanked')}</p>
      ) : (
        <ul className="ballot-list">
          {unranked.map((p) => {
            const block = pickBlock(rules, selection, projects, p.proposalId);
            return (
              <li key={p.proposalId} className="ballot-item add-item">
                <div className="ballot-body">
                  <span className="ballot-title">{p.title}</span>
                  <ProposalMeta roundId={roundId} proposal={p} currency={currency} />
                  {block && full && (
                    <p className="hint ballot-why" id={`why-${p.proposalId}`}>
                      {blockText(block, currency)}
                    </p>
                  )}
                </div>
                <button
                  type="button"
                  className="button-secondary"
                  ref={ref(`add:${p.proposalId}`)}
                  aria-disabled={block ? true : undefined}
                  aria-describedby={block ? `why-${p.proposalId}` : undefined}
                  aria-label={t('vote.named', { action: t('vote.ranked.add'), title: p.title })}
                  onClick={() => (block ? setStatus(blockText(block, currency)) : add(p))}
                >
                  {t('vote.ranked.add')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function RankItem({
  proposal,
  place,
  count,
  points,
  roundId,
  currency,
  controlRef,
  onUp,
  onDown,
  onRemove,
}: {
  proposal: Proposal;
  place: number;
  count: number;
  points: number;
  roundId: string;
  currency: string;
  controlRef: (key: string) => (el: HTMLElement | null) => void;
  onUp: () => void;
  onDown: () => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const id = proposal.proposalId;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id });
  const first = place === 1;
  const last = place === count;
  return (
    <li
      ref={setNodeRef}
      className={`rank-item${isDragging ? ' is-dragging' : ''}`}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      data-testid="rank-item"
    >
      <button
        type="button"
        className="rank-handle button-secondary"
        ref={(el) => {
          setActivatorNodeRef(el);
          controlRef(`handle:${id}`)(el);
        }}
        {...attributes}
        {...listeners}
        aria-label={t('vote.ranked.handle', { title: proposal.title, place, total: count })}
      >
        <span aria-hidden="true">⠿</span>
      </button>
      <span className="rank-place" aria-hidden="true">
        {place}
      </span>
      <div className="ballot-body">
        <span className="ballot-title">
          <span className="visually-hidden">{t('vote.ranked.place', { place })}: </span>
          {proposal.title}
        </span>
        <ProposalMeta roundId={roundId} proposal={proposal} currency={currency} />
        <span className="hint">{t('vote.ranked.points', { count: points })}</span>
      </div>
      <div className="rank-actions">
        <button type="button" className="button-secondary" ref={controlRef(`up:${id}`)}
          aria-label={t('vote.named', { action: t('vote.ranked.up'), title: proposal.title })}
          aria-disabled={first || undefined} onClick={() => !first && onUp()}
        >
          {t('vote.ranked.up')}
        </button>
        <button type="button" className="button-secondary" ref={controlRef(`down:${id}`)}
          aria-label={t('vote.named', { action: t('vote.ranked.down'), title: proposal.title })}
          aria-disabled={last || undefined} onClick={() => !last && onDown()}
        >
          {t('vote.ranked.down')}
        </button>
        <button type="button" className="button-secondary" ref={controlRef(`remove:${id}`)}
          aria-label={t('vote.named', { action: t('vote.ranked.remove'), title: proposal.title })}
          onClick={onRemove}
        >
          {t('vote.ranked.remove')}
        </button>
      </div>
    </li>
  );
}
