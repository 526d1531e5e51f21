import type { EventEnvelope, ProposalsEvent } from '@plaza/contracts';

/** What a resident is told about. The web app and the mails have a text for each. */
export const NOTIFICATION_KINDS = [
  'proposal-reviewed',
  'proposal-accepted',
  'proposal-rejected',
  'proposal-merged',
  'proposal-on-ballot',
  'round-phase-changed',
  'comment-reply',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface ProposalFacts {
  readonly proposalId: string;
  readonly roundId: string;
  /** The author's token subject, kept in the service (the events carry only a pseudonym); null when unknown. */
  readonly authorId: string | null;
  readonly title: string;
  readonly status: string;
}

/** What the notifications projection knows when an event arrives, read in the projection's transaction. */
export interface Directory {
  proposal(proposalId: string): Promise<ProposalFacts | null>;
  roundName(roundId: string): Promise<string | null>;
  /**
   * Residents following the round (proposalId null) or one proposal of it since `at` or before: the projection may
   * run behind, and a follow made after an event does not reach back to it.
   */
  followers(roundId: string, proposalId: string | null, at: string): Promise<string[]>;
  /** The round's proposals with the given status. */
  proposalsWithStatus(roundId: string, status: string): Promise<ProposalFacts[]>;
  /** The resident who wrote a comment (the comments context's own table), null when unknown or erased. */
  commentAuthor(commentId: string): Promise<string | null>;
}

/** One notification to write: for whom, of what kind, about what; `data` is what the texts show. */
export interface Intent {
  readonly residentId: string;
  readonly kind: NotificationKind;
  readonly roundId: string;
  readonly proposalId: string | null;
  readonly data: Readonly<Record<string, string | number | null>>;
}

/** Which event type makes which notifications: one entry per event type. */
export interface Trigger {
  readonly on: string;
  readonly notify: (event: EventEnvelope, directory: Directory) => Promise<Intent[]>;
}

type Of<T extends ProposalsEvent['type']> = Extract<ProposalsEvent, { type: T }>;

/**
 * A decision about a proposal: its author ('author') and its followers ('follower'), never the staff member who
 * made it, each resident once.
 */
function aboutProposal<T extends ProposalsEvent['type']>(
  kind: NotificationKind,
  data: (event: Of<T>, proposal: ProposalFacts) => Record<string, string | number | null>,
  actor: (event: Of<T>) => string | null,
): Trigger['notify'] {
  return async (raw, directory) => {
    const event = raw as Of<T>;
    const proposalId = (event.payload as { proposalId: string }).proposalId;
    const proposal = await directory.proposal(proposalId);
    if (!proposal) return [];
    const roundName = (await directory.roundName(proposal.roundId)) ?? '';
    const base = { ...data(event, proposal), proposalTitle: proposal.title, roundName };
    const by = actor(event);
    const followers = await directory.followers(proposal.roundId, proposalId, event.occurredAt);
    const recipients = new Map<string, 'author' | 'follower'>(proposal.authorId !== null ? [[proposal.authorId, 'author']] : []);
    for (const f of followers) if (!recipients.has(f)) recipients.set(f, 'follower');
    return [...recipients]
      .filter(([residentId]) => residentId !== by)
      .map(([residentId, role]) => ({ residentId, kind, roundId: proposal.roundId, proposalId, data: { ...base, role } }));
  };
}

/**
 * "My proposal reached the ballot": today, when voting opens, every accepted proposal of the round is on the
 * ballot. A selection event of the support phase (libs/contracts, when it lands) gets its own entry in TRIGGERS
 * that calls this with the selected proposals instead.
 */
export async function proposalsReachingBallot(roundId: string, proposals: readonly ProposalFacts[], directory: Directory): Promise<Intent[]> {
  const roundName = (await directory.roundName(roundId)) ?? '';
  return proposals.flatMap((p) => (p.authorId === null ? [] : [{
    residentId: p.authorId,
    kind: 'proposal-on-ballot' as const,
    roundId,
    proposalId: p.proposalId,
    data: { proposalTitle: p.title, roundName, role: 'author' },
  }]));
}

const clip = (text: string, max = 500) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The trigger table: a new reason to notify is one entry. */
export const TRIGGERS: readonly Trigger[] = [
  {
    on: 'ProposalReviewed',
    notify: aboutProposal<'ProposalReviewed'>(
      'proposal-reviewed',
      (e) => ({ notes: clip(e.payload.feasibilityNotes), costEstimate: e.payload.costEstimate ?? null }),
      (e) => e.payload.reviewerId,
    ),
  },
  {
    on: 'ProposalAccepted',
    notify: aboutProposal<'ProposalAccepted'>('proposal-accepted', (e) => ({ reason: clip(e.payload.reason), cost: e.payload.cost }), (e) => e.payload.reviewerId),
  },
  {
    on: 'ProposalRejected',
    notify: aboutProposal<'ProposalRejected'>('proposal-rejected', (e) => ({ reason: clip(e.payload.reason) }), (e) => e.payload.reviewerId),
  },
  {
    on: 'ProposalMergedInto',
    notify: aboutProposal<'ProposalMergedInto'>('proposal-merged', (e) => ({ into: e.payload.into }), () => null),
  },
  {
    // A reply to my comment: its author is told (not when answering oneself).
    on: 'CommentPosted',
    notify: async (raw, directory) => {
      const event = raw as EventEnvelope & { payload: { commentId: string; proposalId: string; replyTo: string | null } };
      const { replyTo, proposalId, commentId } = event.payload;
      if (replyTo === null) return [];
      const [parentAuthor, replier, proposal] = await Promise.all([
        directory.commentAuthor(replyTo),
        directory.commentAuthor(commentId),
        directory.proposal(proposalId),
      ]);
      if (parentAuthor === null || parentAuthor === replier || !proposal) return [];
      const roundName = (await directory.roundName(proposal.roundId)) ?? '';
      return [{ residentId: parentAuthor, kind: 'comment-reply', roundId: proposal.roundId, proposalId, data: { proposalTitle: proposal.title, roundName, role: 'author' } }];
    },
  },
  {
    on: 'RoundPhaseChanged',
    notify: async (raw, directory) => {
      const event = raw as Of<'RoundPhaseChanged'>;
      const { from, to } = event.payload;
      const roundName = (await directory.roundName(event.roundId)) ?? '';
      const followers = await directory.followers(event.roundId, null, event.occurredAt);
      const phase: Intent[] = followers.map((residentId) => ({
        residentId,
        kind: 'round-phase-changed',
        roundId: event.roundId,
        proposalId: null,
        data: { from, to, roundName },
      }));
      const ballot = to === 'voting' ? await proposalsReachingBallot(event.roundId, await directory.proposalsWithStatus(event.roundId, 'accepted'), directory) : [];
      return [...phase, ...ballot];
    },
  },
];

const BY_TYPE = new Map(TRIGGERS.map((t) => [t.on, t]));

/** The notifications an event makes (none for most). */
export function intentsFor(event: EventEnvelope, directory: Directory): Promise<Intent[]> {
  return BY_TYPE.get(event.type)?.notify(event, directory) ?? Promise.resolve([]);
}
