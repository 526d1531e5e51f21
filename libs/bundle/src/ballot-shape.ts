import { AGE_BANDS, UNIT_ID_PATTERN } from '@plaza/contracts';

/** Hex digit, either case (what [0-9a-f] with the i flag accepts). */
function isHexCode(c: number, upperToo: boolean): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (upperToo && c >= 0x41 && c <= 0x46);
}

/**
 * /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, by character codes: a million ballots make
 * several million of these tests (spec: ballot-shape.spec.ts compares both on generated strings).
 */
export function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (!isHexCode(c, true)) return false;
  }
  return true;
}

/** /^[0-9a-f]{64}$/ by character codes. */
export function isPseudonym(s: string): boolean {
  if (s.length !== 64) return false;
  for (let i = 0; i < 64; i++) if (!isHexCode(s.charCodeAt(i), false)) return false;
  return true;
}

const UUID = { test: isUuid };
const PSEUDONYM = { test: isPseudonym };
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ENVELOPE_KEYS = ['id', 'type', 'schemaVersion', 'streamId', 'streamVersion', 'roundId', 'occurredAt', 'producer', 'correlationId', 'causationId', 'payload'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function envelopeProblem(raw: unknown, type: string, knownRoundId?: string, versions: readonly number[] = [1]): string | undefined {
  if (!isObject(raw)) return 'event is not a JSON object';
  for (const k of ENVELOPE_KEYS) if (!(k in raw)) return `envelope has no ${k}`;
  if (raw.type !== type || raw.producer !== 'voting' || !versions.includes(raw.schemaVersion as number)) return `not a voting ${type} of schemaVersion ${versions.join(' or ')}`;
  if (!nonEmpty(raw.id) || !UUID.test(raw.id)) return 'id must be a UUID';
  // The round's id was checked once; comparing with it spares a regular expression per ballot.
  if (raw.roundId !== knownRoundId && (!nonEmpty(raw.roundId) || !UUID.test(raw.roundId))) return 'roundId must be a UUID';
  if (!nonEmpty(raw.streamId)) return 'streamId must be a non-empty string';
  if (!Number.isInteger(raw.streamVersion) || (raw.streamVersion as number) < 1) return 'streamVersion must be a positive integer';
  if (!nonEmpty(raw.occurredAt) || !ISO_UTC.test(raw.occurredAt) || Number.isNaN(Date.parse(raw.occurredAt))) return 'occurredAt must be UTC ISO-8601';
  if (!nonEmpty(raw.correlationId)) return 'correlationId must be a non-empty string';
  if (!(raw.causationId === null || nonEmpty(raw.causationId))) return 'causationId must be a string or null';
  return undefined;
}

/**
 * The contracts' BallotCast rules (envelope + payload), written out by hand: class-validator needs about
 * 100 µs per event, which a million ballots cannot afford. Returns a reason, or undefined when the event is a
 * valid BallotCast. Unknown payload fields are tolerated as validateEnvelope does; ballot-shape.spec.ts
 * checks that both agree on generated valid and broken events. Every other event type goes through
 * validateEnvelope itself.
 */
export function ballotCastProblem(raw: unknown, knownRoundId?: string): string | undefined {
  const envelope = envelopeProblem(raw, 'BallotCast', knownRoundId, [1, 2]);
  if (envelope !== undefined) return envelope;
  if (!isObject(raw)) return 'event is not a JSON object';
  const p = raw.payload;
  if (!isObject(p)) return 'payload must be an object';
  if (!nonEmpty(p.ballotId) || !UUID.test(p.ballotId)) return 'payload.ballotId must be a UUID';
  if (typeof p.voterPseudonym !== 'string' || !PSEUDONYM.test(p.voterPseudonym)) return 'payload.voterPseudonym must be 64 hex digits';
  if (typeof p.unitId !== 'string' || !UNIT_ID_PATTERN.test(p.unitId)) return 'payload.unitId is not a unit id';
  if (p.channel !== 'online' && p.channel !== 'paper') return 'payload.channel must be online or paper';
  if (raw.schemaVersion === 2) {
    // Sealed: a commitment, never the choices (an unknown `choices` field is tolerated as any unknown field is).
    if (typeof p.commitment !== 'string' || !PSEUDONYM.test(p.commitment)) return 'payload.commitment must be 64 hex digits';
    return paperProblem(p.paper);
  }
  const contentProblem = ballotContentProblem(p, 'payload');
  if (contentProblem !== undefined) return contentProblem;
  return paperProblem(p.paper);
}

/** choices and points as the contracts define them (BallotCast v1, BallotOpening). */
function ballotContentProblem(p: Record<string, unknown>, at: string): string | undefined {
  const choices = p.choices;
  if (!Array.isArray(choices) || choices.length > 1000) return `${at}.choices must be an array of at most 1000 ids`;
  // Short lists (every real ballot) are checked pairwise: no Set per ballot.
  const seen = choices.length > 16 ? new Set<string>() : undefined;
  for (let i = 0; i < choices.length; i++) {
    const c: unknown = choices[i];
    if (typeof c !== 'string' || !UUID.test(c)) return `${at}.choices must hold UUIDs`;
    if (seen) {
      if (seen.has(c)) return `${at}.choices must be unique`;
      seen.add(c);
    } else {
      for (let j = 0; j < i; j++) if (choices[j] === c) return `${at}.choices must be unique`;
    }
  }
  // @IsOptional() lets null through as well as undefined.
  if (p.points !== undefined && p.points !== null) {
    if (!Array.isArray(p.points) || p.points.length > 1000) return `${at}.points must be an array of at most 1000 numbers`;
    for (const x of p.points) if (!Number.isInteger(x) || (x as number) < 1) return `${at}.points must be integers of at least 1`;
  }
  return undefined;
}

function paperProblem(paperField: unknown): string | undefined {
  if (paperField !== undefined && paperField !== null) {
    // @ValidateNested() also accepts an array and validates each item (a quirk of the contract, mirrored here).
    for (const paper of Array.isArray(paperField) ? paperField : [paperField]) {
      if (!isObject(paper)) return 'payload.paper must be an object';
      if (!nonEmpty(paper.batchId) || !UUID.test(paper.batchId)) return 'payload.paper.batchId must be a UUID';
      if (typeof paper.operatorId !== 'string') return 'payload.paper.operatorId must be a string';
    }
  }
  return undefined;
}

/** The contracts' BallotsOpened rules, by hand: a million openings at the close of a large round. */
export function ballotsOpenedProblem(raw: unknown, knownRoundId?: string): string | undefined {
  const envelope = envelopeProblem(raw, 'BallotsOpened', knownRoundId);
  if (envelope !== undefined) return envelope;
  if (!isObject(raw)) return 'event is not a JSON object';
  const p = raw.payload;
  if (!isObject(p)) return 'payload must be an object';
  const openings = p.openings;
  if (!Array.isArray(openings) || openings.length < 1 || openings.length > 1000) return 'payload.openings must hold 1 to 1000 openings';
  for (const o of openings) {
    if (!isObject(o)) return 'payload.openings must hold objects';
    if (!nonEmpty(o.eventId) || !UUID.test(o.eventId)) return 'payload.openings.eventId must be a UUID';
    if (typeof o.voterPseudonym !== 'string' || !PSEUDONYM.test(o.voterPseudonym)) return 'payload.openings.voterPseudonym must be 64 hex digits';
    if (typeof o.unitId !== 'string' || !UNIT_ID_PATTERN.test(o.unitId)) return 'payload.openings.unitId is not a unit id';
    const content = ballotContentProblem(o, 'payload.openings');
    if (content !== undefined) return content;
    if (typeof o.salt !== 'string' || !PSEUDONYM.test(o.salt)) return 'payload.openings.salt must be 64 hex digits';
  }
  return undefined;
}

const AGE_BAND_SET: ReadonlySet<unknown> = new Set(AGE_BANDS);

/**
 * The contracts' VotersRegistered rules, by hand for the same reason (1,000 nested voters per event): v1 (age
 * bands allowed) and v2 (none; an optional changeId).
 */
export function votersRegisteredProblem(raw: unknown, knownRoundId?: string): string | undefined {
  const envelope = envelopeProblem(raw, 'VotersRegistered', knownRoundId, [1, 2]);
  if (envelope !== undefined) return envelope;
  if (!isObject(raw)) return 'event is not a JSON object';
  const p = raw.payload;
  if (!isObject(p)) return 'payload must be an object';
  if (p.source !== 'roll' && p.source !== 'codes') return 'payload.source must be roll or codes';
  const v2 = (raw as { schemaVersion: number }).schemaVersion === 2;
  const voters = p.voters;
  if (!Array.isArray(voters) || voters.length < 1 || voters.length > 1000) return 'payload.voters must hold 1 to 1000 voters';
  for (const v of voters) {
    if (!isObject(v)) return 'payload.voters must hold objects';
    if (typeof v.pseudonym !== 'string' || !PSEUDONYM.test(v.pseudonym)) return 'payload.voters.pseudonym must be 64 hex digits';
    if (typeof v.unitId !== 'string' || !UNIT_ID_PATTERN.test(v.unitId)) return 'payload.voters.unitId is not a unit id';
    if (v.ageBand !== undefined && v.ageBand !== null && (v2 || !AGE_BAND_SET.has(v.ageBand))) {
      return v2 ? 'payload.voters.ageBand is not part of VotersRegistered v2' : 'payload.voters.ageBand is not an age band';
    }
  }
  if (v2 && p.changeId !== undefined && p.changeId !== null && (!nonEmpty(p.changeId) || !UUID.test(p.changeId))) return 'payload.changeId must be a UUID';
  return undefined;
}
