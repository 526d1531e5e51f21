import { createHash, createHmac } from 'node:crypto';

/** 64 lower-case hex digits: a SHA-256 digest (pseudonyms, commitments). */
export const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A resident's pseudonym in one round: hex HMAC-SHA256 of the identity under a per-round secret the producing
 * service holds. Voting (ballots) and proposals (authors of proposals, comments and reports) each hold their own
 * secret, so the same resident has unrelated pseudonyms in the two services' events.
 */
export function hmacPseudonym(secret: Buffer, identity: string): string {
  return createHmac('sha256', secret).update(identity, 'utf8').digest('hex');
}

/** Domain separation of resident-text commitments: never readable as a ballot commitment or any other hash. */
export const TEXT_COMMITMENT_DOMAIN = 'plaza.text/1';

/**
 * The commitment an event carries instead of a resident's free text (a comment's body, a report's reason): sha256
 * hex of the RFC 8785 canonical JSON of `{domain: "plaza.text/1", salt, text}`. The salt (32 random bytes, hex) makes
 * it hiding (a short comment could otherwise be guessed); whoever holds the text and the salt can show that they
 * match the ledger; once both are erased nobody can.
 */
export function textCommitment(opening: { readonly salt: string; readonly text: string }): string {
  // Keys in JCS order; JSON.stringify writes strings exactly as RFC 8785 prescribes.
  return createHash('sha256')
    .update(`{"domain":"${TEXT_COMMITMENT_DOMAIN}","salt":${JSON.stringify(opening.salt)},"text":${JSON.stringify(opening.text)}}`, 'utf8')
    .digest('hex');
}

/**
 * What a ProposalSubmitted of schemaVersion 1 reads as: those events carried the author's token subject in the
 * clear (the stored bytes keep it); the upcaster turns it into this unsalted hash so that every reader sees one
 * shape (`authorPseudonym`) and the proposals service can still recognise the author of an old proposal. It hides
 * nothing the v1 bytes do not already show.
 */
export function legacyAuthorPseudonym(authorId: string): string {
  return createHash('sha256').update(`plaza.legacy-author/1\n${authorId}`, 'utf8').digest('hex');
}
