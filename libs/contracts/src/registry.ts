import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { CheckpointSignedPayload, LedgerKeyRevokedPayload, LedgerKeyRotatedPayload, ResultsDisputedPayload, ResultsVerifiedPayload, type AuditEvent } from './audit.events';
import {
  CommentDeletedPayload,
  CommentEditedPayload,
  CommentErasedPayload,
  CommentHiddenPayload,
  CommentPostedPayload,
  ReportDismissedPayload,
  ReportFiledPayload,
  type ConversationEvent,
} from './conversation.events';
import { PRODUCERS, type EventEnvelope, type Producer } from './envelope';
import { hasOnlyCanonicalUuids, isCanonicalUuid } from './ids';
import {
  ProposalAcceptedPayload,
  ProposalEditedPayload,
  ProposalMergedIntoPayload,
  ProposalRejectedPayload,
  ProposalReviewedPayload,
  ProposalsMergedPayload,
  ProposalSubmittedPayload,
  ProposalSubmittedPayloadV1,
  upcastProposalSubmittedV1,
  ProposalWithdrawnPayload,
  ProposalSupportedPayload,
  ProposalSupportWithdrawnPayload,
  SupportSelectionDeclaredPayload,
  RoundConfiguredPayload,
  RoundCreatedPayload,
  RoundPhaseChangedPayload,
  type ProposalsEvent,
} from './proposals.events';
import {
  BallotCastPayload,
  BallotCastV1Payload,
  BallotsOpenedPayload,
  PaperBatchClosedPayload,
  PaperBatchOpenedPayload,
  PaperSheetRefusedPayload,
  ResultsDeclaredPayload,
  VotersRegisteredPayload,
  VotingClosedPayload,
  type VotingEvent,
} from './voting.events';
import {
  EligibilityChangeConfirmedPayload,
  EligibilityChangeRequestedPayload,
  PaperBatchConfirmedPayload,
  ParticipationDeclaredPayload,
  RoundSecretDestroyedPayload,
  type InsiderEvent,
} from './insider.events';
import { upcastVotersRegisteredV1, VotersRegisteredPayloadV1 } from './voters-registered.v1';

/** Every event Plaza knows, by wire name. */
export type PlazaEvent = ProposalsEvent | ConversationEvent | VotingEvent | InsiderEvent | AuditEvent;
export type PlazaEventType = PlazaEvent['type'];
export type EventOf<T extends PlazaEventType> = Extract<PlazaEvent, { type: T }>;
export type PayloadOf<T extends PlazaEventType> = EventOf<T>['payload'];

interface RegistryEntry {
  readonly producer: Producer;
  /** The version written now. */
  readonly schemaVersion: number;
  readonly payload: new () => object;
  /**
   * Earlier schema versions still accepted on read (stored events are never rewritten), with their payload class.
   * Producers always write `schemaVersion`; readers upcast (e.g. readBallotCast).
   */
  readonly earlier?: Readonly<Record<number, new () => object>>;
  /** Upcasters from those earlier versions to the current payload, for code that interprets events (upcast()). */
  readonly upcast?: Readonly<Record<number, (payload: never) => object>>;
}

/** The type registry: wire names are declared here once, never derived from class names (STYLE.md). */
export const EVENT_REGISTRY: { readonly [T in PlazaEventType]: RegistryEntry } = {
  RoundCreated: { producer: 'proposals', schemaVersion: 1, payload: RoundCreatedPayload },
  RoundConfigured: { producer: 'proposals', schemaVersion: 1, payload: RoundConfiguredPayload },
  RoundPhaseChanged: { producer: 'proposals', schemaVersion: 1, payload: RoundPhaseChangedPayload },
  // v2: the author as a per-round pseudonym; v1 carried the author's identity in the clear.
  ProposalSubmitted: {
    producer: 'proposals',
    schemaVersion: 2,
    payload: ProposalSubmittedPayload,
    earlier: { 1: ProposalSubmittedPayloadV1 },
    upcast: { 1: upcastProposalSubmittedV1 },
  },
  ProposalEdited: { producer: 'proposals', schemaVersion: 1, payload: ProposalEditedPayload },
  ProposalWithdrawn: { producer: 'proposals', schemaVersion: 1, payload: ProposalWithdrawnPayload },
  ProposalReviewed: { producer: 'proposals', schemaVersion: 1, payload: ProposalReviewedPayload },
  ProposalAccepted: { producer: 'proposals', schemaVersion: 1, payload: ProposalAcceptedPayload },
  ProposalRejected: { producer: 'proposals', schemaVersion: 1, payload: ProposalRejectedPayload },
  ProposalsMerged: { producer: 'proposals', schemaVersion: 1, payload: ProposalsMergedPayload },
  ProposalMergedInto: { producer: 'proposals', schemaVersion: 1, payload: ProposalMergedIntoPayload },
  CommentPosted: { producer: 'proposals', schemaVersion: 1, payload: CommentPostedPayload },
  CommentEdited: { producer: 'proposals', schemaVersion: 1, payload: CommentEditedPayload },
  CommentDeleted: { producer: 'proposals', schemaVersion: 1, payload: CommentDeletedPayload },
  CommentHidden: { producer: 'proposals', schemaVersion: 1, payload: CommentHiddenPayload },
  CommentErased: { producer: 'proposals', schemaVersion: 1, payload: CommentErasedPayload },
  ReportFiled: { producer: 'proposals', schemaVersion: 1, payload: ReportFiledPayload },
  ReportDismissed: { producer: 'proposals', schemaVersion: 1, payload: ReportDismissedPayload },
  ProposalSupported: { producer: 'proposals', schemaVersion: 1, payload: ProposalSupportedPayload },
  ProposalSupportWithdrawn: { producer: 'proposals', schemaVersion: 1, payload: ProposalSupportWithdrawnPayload },
  SupportSelectionDeclared: { producer: 'proposals', schemaVersion: 1, payload: SupportSelectionDeclaredPayload },
  VotersRegistered: {
    producer: 'voting',
    schemaVersion: 2,
    payload: VotersRegisteredPayload,
    earlier: { 1: VotersRegisteredPayloadV1 },
    upcast: { 1: upcastVotersRegisteredV1 },
  },
  // v2: sealed ballots (a commitment instead of the choices); v1 events carry the choices in the clear.
  BallotCast: { producer: 'voting', schemaVersion: 2, payload: BallotCastPayload, earlier: { 1: BallotCastV1Payload } },
  BallotsOpened: { producer: 'voting', schemaVersion: 1, payload: BallotsOpenedPayload },
  PaperBatchOpened: { producer: 'voting', schemaVersion: 1, payload: PaperBatchOpenedPayload },
  PaperSheetRefused: { producer: 'voting', schemaVersion: 1, payload: PaperSheetRefusedPayload },
  PaperBatchClosed: { producer: 'voting', schemaVersion: 1, payload: PaperBatchClosedPayload },
  VotingClosed: { producer: 'voting', schemaVersion: 1, payload: VotingClosedPayload },
  ResultsDeclared: { producer: 'voting', schemaVersion: 1, payload: ResultsDeclaredPayload },
  EligibilityChangeRequested: { producer: 'voting', schemaVersion: 1, payload: EligibilityChangeRequestedPayload },
  EligibilityChangeConfirmed: { producer: 'voting', schemaVersion: 1, payload: EligibilityChangeConfirmedPayload },
  PaperBatchConfirmed: { producer: 'voting', schemaVersion: 1, payload: PaperBatchConfirmedPayload },
  RoundSecretDestroyed: { producer: 'voting', schemaVersion: 1, payload: RoundSecretDestroyedPayload },
  ParticipationDeclared: { producer: 'voting', schemaVersion: 1, payload: ParticipationDeclaredPayload },
  CheckpointSigned: { producer: 'audit', schemaVersion: 1, payload: CheckpointSignedPayload },
  ResultsVerified: { producer: 'audit', schemaVersion: 1, payload: ResultsVerifiedPayload },
  ResultsDisputed: { producer: 'audit', schemaVersion: 1, payload: ResultsDisputedPayload },
  LedgerKeyRotated: { producer: 'audit', schemaVersion: 1, payload: LedgerKeyRotatedPayload },
  LedgerKeyRevoked: { producer: 'audit', schemaVersion: 1, payload: LedgerKeyRevokedPayload },
};

export type ValidationResult = { ok: true; envelope: PlazaEvent } | { ok: false; reason: string };

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function describe(errors: ValidationError[], path = 'payload'): string[] {
  return errors.flatMap((e) => {
    const here = `${path}.${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((m) => `${here}: ${m}`);
    return [...own, ...describe(e.children ?? [], here)];
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates anything that claims to be a Plaza event: the envelope's fields, that the type is known and
 * comes from its registered producer at its schema version, and the payload's fields. Unknown payload
 * fields are tolerated (versioning by adding); the reason names the first problems found.
 */
export function validateEnvelope(raw: unknown): ValidationResult {
  if (!isObject(raw)) return { ok: false, reason: 'event is not a JSON object' };
  const problems: string[] = [];
  const str = (k: string) => typeof raw[k] === 'string' && (raw[k] as string).length > 0;
  if (!isCanonicalUuid(raw.id)) problems.push('id must be a canonical UUID (lower-case hex with hyphens)');
  if (!str('type')) problems.push('type must be a non-empty string');
  if (!Number.isInteger(raw.schemaVersion) || (raw.schemaVersion as number) < 1) problems.push('schemaVersion must be a positive integer');
  if (!str('streamId')) problems.push('streamId must be a non-empty string');
  else if (!hasOnlyCanonicalUuids(raw.streamId as string)) problems.push('streamId must hold its ids in canonical (lower-case) form');
  if (!Number.isInteger(raw.streamVersion) || (raw.streamVersion as number) < 1) problems.push('streamVersion must be a positive integer');
  if (!isCanonicalUuid(raw.roundId)) problems.push('roundId must be a canonical UUID (lower-case hex with hyphens)');
  if (!str('occurredAt') || !ISO_UTC.test(raw.occurredAt as string) || Number.isNaN(Date.parse(raw.occurredAt as string)))
    problems.push('occurredAt must be a UTC ISO-8601 timestamp');
  if (!PRODUCERS.includes(raw.producer as Producer)) problems.push(`producer must be one of ${PRODUCERS.join(', ')}`);
  if (!str('correlationId')) problems.push('correlationId must be a non-empty string');
  if (!(raw.causationId === null || str('causationId'))) problems.push('causationId must be a string or null');
  if (!isObject(raw.payload)) problems.push('payload must be an object');
  if (problems.length > 0) return { ok: false, reason: `malformed envelope: ${problems.join('; ')}` };

  const entry = (EVENT_REGISTRY as Record<string, RegistryEntry | undefined>)[raw.type as string];
  if (!entry) return { ok: false, reason: `unknown event type ${JSON.stringify(raw.type)}` };
  if (entry.producer !== raw.producer)
    return { ok: false, reason: `${raw.type as string} is produced by ${entry.producer}, not ${raw.producer as string}` };
  const payloadClass = entry.schemaVersion === raw.schemaVersion ? entry.payload : entry.earlier?.[raw.schemaVersion as number];
  if (!payloadClass) {
    const supported = [...Object.keys(entry.earlier ?? {}), String(entry.schemaVersion)].join(' or ');
    return { ok: false, reason: `${raw.type as string} schemaVersion ${raw.schemaVersion as number} is not supported (expected ${supported})` };
  }

  const payload = plainToInstance(payloadClass, raw.payload);
  const errors = validateSync(payload, { forbidUnknownValues: true });
  if (errors.length > 0) return { ok: false, reason: `invalid ${raw.type as string} payload: ${describe(errors).join('; ')}` };
  return { ok: true, envelope: raw as unknown as PlazaEvent };
}

/**
 * The event as its current schemaVersion reads, for code that interprets events (projections, replays): an
 * earlier version with an upcaster (VotersRegistered v1, ProposalSubmitted v1) goes through it; anything else is returned as is
 * (BallotCast v1 and v2 share one read shape instead: readBallotCast). Never stored: the ledger and the
 * event store keep the bytes as written, so leaf hashes and receipts stay what they were.
 */
export function upcast<E extends EventEnvelope>(envelope: E): E {
  const entry = (EVENT_REGISTRY as Record<string, RegistryEntry | undefined>)[envelope.type];
  if (!entry || envelope.schemaVersion === entry.schemaVersion) return envelope;
  const up = entry.upcast?.[envelope.schemaVersion];
  if (!up) return envelope;
  return { ...envelope, schemaVersion: entry.schemaVersion, payload: up(envelope.payload as never) };
}

/** Parses bytes from Kafka and validates them; never throws. */
export function parseEnvelope(bytes: Buffer | string | null): ValidationResult {
  if (bytes === null) return { ok: false, reason: 'message has no value' };
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `value is not JSON: ${(error as Error).message}` };
  }
  return validateEnvelope(raw);
}

export function isEventOf<T extends PlazaEventType>(event: EventEnvelope, type: T): event is EventOf<T> {
  return event.type === type;
}
