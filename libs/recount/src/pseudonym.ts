import { createHmac } from 'node:crypto';

/** A pseudonym was needed but the round's secret is destroyed: HTTP 410 `link-destroyed`. */
export class LinkDestroyed extends Error {
  readonly code = 'link-destroyed';
  constructor() {
    super('the link between residents and pseudonyms of this round was destroyed after the results were published: nobody, the operator included, can tell which ballot was yours any more; the round still verifies');
    this.name = 'LinkDestroyed';
  }
}

/**
 * A resident's round pseudonym: hex HMAC-SHA256 of the identity (roll resident id, `code:<code>`, or the token
 * subject) under a per-round secret. The voting service derives voter pseudonyms with it, the proposals service
 * supporter pseudonyms (each under its own secret: see docs/threat-model.md).
 */
export function pseudonymOf(secret: Buffer | null, identity: string): string {
  if (secret === null) throw new LinkDestroyed();
  return createHmac('sha256', secret).update(identity, 'utf8').digest('hex');
}
