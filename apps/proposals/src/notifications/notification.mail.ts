import type { Intent } from './notification.triggers';

export interface Mail {
  readonly subject: string;
  readonly body: string;
}

const PHASE_NAMES: Readonly<Record<string, string>> = {
  draft: 'draft',
  submission: 'open for proposals',
  review: 'in review',
  voting: 'open for voting',
  closed: 'closed',
  published: 'results published',
};

/** The link a mail points to: the proposal or the round in the web app, when WEB_ORIGIN is set. */
export function linkFor(intent: Pick<Intent, 'roundId' | 'proposalId'>, webOrigin: string | undefined): string | null {
  if (webOrigin === undefined) return null;
  const base = webOrigin.replace(/\/+$/, '');
  return intent.proposalId ? `${base}/rounds/${intent.roundId}/proposals/${intent.proposalId}` : `${base}/rounds/${intent.roundId}`;
}

/**
 * The plain-text mail for a notification (English: the service does not know a resident's language; the web
 * app shows the same notification in theirs).
 */
export function renderMail(intent: Intent, webOrigin?: string): Mail {
  const d = intent.data;
  const title = String(d.proposalTitle ?? '');
  const round = String(d.roundName ?? '');
  const yours = d.role === 'author' ? 'Your proposal' : 'A proposal you follow';
  let subject: string;
  let text: string;
  switch (intent.kind) {
    case 'proposal-reviewed':
      subject = `${yours} was reviewed: ${title}`;
      text = `${yours} "${title}" in ${round} was reviewed by staff.\n\nFeasibility notes: ${String(d.notes ?? '')}`;
      break;
    case 'proposal-accepted':
      subject = `${yours} was accepted: ${title}`;
      text = `${yours} "${title}" in ${round} was accepted for the ballot.${d.reason ? `\n\nReason: ${String(d.reason)}` : ''}`;
      break;
    case 'proposal-rejected':
      subject = `${yours} was rejected: ${title}`;
      text = `${yours} "${title}" in ${round} was rejected.\n\nReason: ${String(d.reason ?? '')}`;
      break;
    case 'proposal-merged':
      subject = `${yours} was merged: ${title}`;
      text = `${yours} "${title}" in ${round} was merged into another proposal.`;
      break;
    case 'proposal-on-ballot':
      subject = `Your proposal is on the ballot: ${title}`;
      text = `Voting has opened in ${round}, and your proposal "${title}" is on the ballot.`;
      break;
    case 'round-phase-changed':
      subject = `${round}: ${PHASE_NAMES[String(d.to)] ?? String(d.to)}`;
      text = `The round "${round}" you follow is now ${PHASE_NAMES[String(d.to)] ?? String(d.to)}.`;
      break;
    case 'comment-reply':
      subject = `A reply to your comment: ${title}`;
      text = `Someone replied to your comment on "${title}" in ${round}.`;
      break;
  }
  const link = linkFor(intent, webOrigin);
  const footer = '\n\nYou get these mails because you made or follow this proposal or round in Plaza. Remove your address on your notifications page to stop them.';
  return { subject: oneLine(subject), body: `${text}${link ? `\n\n${link}` : ''}${footer}\n` };
}

/** Header values must not carry line breaks (header injection through a title). */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200);
}
