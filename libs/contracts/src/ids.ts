import { Matches, type ValidationOptions } from 'class-validator';

/**
 * The one form of an id on the wire and in storage: a UUID in lower-case hex with hyphens. Stream ids, topic
 * keys and ledger filters are built from ids by string concatenation, so `01A2…` and `01a2…` would be two
 * rounds; anything else (upper case, braces, `urn:uuid:`) is normalised at the HTTP edge or refused.
 */
export const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_ANY_CASE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export function isCanonicalUuid(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL_UUID.test(value);
}

/** True when every UUID inside `text` (e.g. a stream id `ballot-<roundId>-<pseudonym>`) is in canonical form. */
export function hasOnlyCanonicalUuids(text: string): boolean {
  return (text.match(UUID_ANY_CASE) ?? []).every((id) => id === id.toLowerCase());
}

/** A canonical UUID (see CANONICAL_UUID); with `{ each: true }` for arrays. */
export function IsCanonicalUuid(options: ValidationOptions = {}): PropertyDecorator {
  return Matches(CANONICAL_UUID, {
    message: ({ property }) => `${property} must be a canonical UUID (lower-case hex with hyphens)`,
    ...options,
  });
}
