import { Type } from 'class-transformer';
import { IsArray, IsISO8601, IsInt, IsString, Matches, Min, ValidateNested } from 'class-validator';
import type { EventEnvelope } from './envelope';
import { IsMinorUnits } from './money';
import { UNIT_ID_PATTERN } from './round-config';
import { IsCanonicalUuid } from './ids';

/** Ledger-wide audit events have no round: they carry the nil UUID as roundId (contracts v2). */
export const LEDGER_ROUND_ID = '00000000-0000-0000-0000-000000000000';
/** Stream of the audit service's checkpoints. */
export const LEDGER_STREAM = 'ledger';
/** Stream of a round's independent recount verdicts. */
export const recountStream = (roundId: string): string => `recount-${roundId}`;

const SHA256_HEX = /^[0-9a-f]{64}$/;
const BASE64_HASH = /^[A-Za-z0-9+/]{43}=$/;

/** A signed tree head of the ledger (libs/ledger checkpoint body + C2SP signed note). */
export class CheckpointSignedPayload {
  @IsString()
  readonly origin!: string;

  @IsInt()
  @Min(0)
  readonly size!: number;

  /** RFC 9162 root of the first `size` leaves, standard base64 (as on the note's third line). */
  @Matches(BASE64_HASH)
  readonly rootHash!: string;

  @IsISO8601({ strict: true })
  readonly time!: string;

  /** C2SP key ID, 8 lowercase hex digits. */
  @Matches(/^[0-9a-f]{8}$/)
  readonly keyId!: string;

  /** The complete C2SP signed note: what a verifier checks with the public key. */
  @IsString()
  readonly note!: string;
}

/** The audit recount reproduced a declared result exactly. */
export class ResultsVerifiedPayload {
  @Matches(UNIT_ID_PATTERN)
  readonly unitId!: string;

  @IsCanonicalUuid()
  readonly declaredEventId!: string;

  @Matches(SHA256_HEX)
  readonly inputDigest!: string;

  @IsArray()
  @IsCanonicalUuid({ each: true })
  readonly selected!: string[];
}

export class RecomputedResult {
  @IsArray()
  @IsCanonicalUuid({ each: true })
  readonly selected!: string[];

  @IsMinorUnits()
  readonly spent!: number;

  @Matches(SHA256_HEX)
  readonly inputDigest!: string;
}

/** The audit recount, replayed from the ledger, does not reproduce a declared result. */
export class ResultsDisputedPayload {
  @Matches(UNIT_ID_PATTERN)
  readonly unitId!: string;

  @IsCanonicalUuid()
  readonly declaredEventId!: string;

  /** One readable line per field that differs, e.g. `selected: declared [a, b], recomputed [a, c]`. */
  @IsArray()
  @IsString({ each: true })
  readonly differences!: string[];

  @ValidateNested()
  @Type(() => RecomputedResult)
  readonly recomputed!: RecomputedResult;
}

/**
 * The ledger's checkpoint key was rotated: `handover` is a C2SP signed note by the previous key naming the new
 * key and the ledger size from which it signs (libs/ledger key-history: formatHandoverText). Appended to the
 * ledger itself by the audit service (stream `ledger`, round LEDGER_ROUND_ID) at index fromSize - 1.
 */
export class LedgerKeyRotatedPayload {
  @IsString()
  readonly origin!: string;

  @IsInt()
  @Min(1)
  readonly fromSize!: number;

  /** C2SP verifier keys of the key handing over and of the new key. */
  @IsString()
  readonly previousKey!: string;

  @IsString()
  readonly newKey!: string;

  @IsString()
  readonly handover!: string;
}

/**
 * A ledger key was revoked from a ledger size, with a public reason: checkpoints of that size or larger signed by
 * it are invalid. `revocation` is a C2SP signed note by the key current at the time (never the revoked one).
 */
export class LedgerKeyRevokedPayload {
  @IsString()
  readonly origin!: string;

  @IsString()
  readonly revokedKey!: string;

  @IsInt()
  @Min(0)
  readonly fromSize!: number;

  @IsString()
  readonly reason!: string;

  @IsString()
  readonly revocation!: string;
}

export type LedgerKeyRotated = EventEnvelope<'LedgerKeyRotated', LedgerKeyRotatedPayload>;
export type LedgerKeyRevoked = EventEnvelope<'LedgerKeyRevoked', LedgerKeyRevokedPayload>;
export type CheckpointSigned = EventEnvelope<'CheckpointSigned', CheckpointSignedPayload>;
export type ResultsVerified = EventEnvelope<'ResultsVerified', ResultsVerifiedPayload>;
export type ResultsDisputed = EventEnvelope<'ResultsDisputed', ResultsDisputedPayload>;

export type AuditEvent = CheckpointSigned | ResultsVerified | ResultsDisputed | LedgerKeyRotated | LedgerKeyRevoked;
