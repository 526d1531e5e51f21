import { Body, Controller, Get, HttpCode, Inject, Injectable, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LEDGER_ROUND_ID, newEvent, type EventEnvelope } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import {
  CheckpointError,
  exportPrivateKeyPem,
  formatHandoverText,
  formatRevocationText,
  formatSignedNote,
  formatVerifierKey,
  generateLedgerKeyPair,
  noteKeyId,
  parseSignerKey,
  toPrivateKey,
  toPublicKey,
} from '@plaza/ledger';
import { CLOCK, InjectSchema, Public, Roles, validationFailed, type Clock } from '@plaza/nest-runtime';
import { IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { sign as edSign, type KeyObject } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { LoadedAuditConfig } from '../config/audit.config';
import { Checkpointer } from './checkpoints';
import { LedgerFence } from './ledger-lease';
import { appendToLedger } from './ledger.projection';
import { AUDIT_CONFIG, SigningKey } from './signing-key';

export class RotateKeyDto {
  /** The new key: a C2SP signer key or a PEM PKCS#8 Ed25519 key. Absent: a new key is generated. */
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  readonly signingKey?: string;
}

export class RevokeKeyDto {
  /** The C2SP verifier key of an earlier ledger key (never the current one: rotate first). */
  @IsString()
  readonly verifierKey!: string;

  /** Checkpoints of this size or larger signed by that key are invalid. */
  @IsInt()
  @Min(0)
  readonly fromSize!: number;

  /** Why, in public: one line. */
  @IsString()
  @MaxLength(500)
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f]+$/, { message: 'reason must be one line of text' })
  readonly reason!: string;
}

export interface KeyHistoryView {
  readonly kind: 'handover' | 'revocation';
  readonly ledgerIndex: number;
  readonly fromSize: number;
  /** The new key (handover) or the revoked key (revocation). */
  readonly verifierKey: string;
  readonly reason?: string;
  readonly note: string;
}

interface KeyHistoryRow {
  kind: 'handover' | 'revocation';
  ledger_index: string;
  from_size: string;
  verifier_key: string;
  reason: string | null;
  note: string;
}

/**
 * Rotates and revokes the checkpoint key. A rotation appends a LedgerKeyRotated entry to the ledger at index i,
 * carrying a handover note signed by the old key that names the new key and the size i + 1 from which it signs;
 * checkpoints of size ≤ i stay the old key's. A revocation appends LedgerKeyRevoked, signed by the current key.
 */
@Injectable()
export class KeyRotation {
  constructor(
    @Inject(AUDIT_CONFIG) private readonly config: LoadedAuditConfig,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
    private readonly key: SigningKey,
    private readonly checkpointer: Checkpointer,
    private readonly fence: LedgerFence,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async history(upToSize = Number.MAX_SAFE_INTEGER): Promise<KeyHistoryView[]> {
    const rows: KeyHistoryRow[] = await this.dataSource.query(
      `SELECT kind, ledger_index, from_size, verifier_key, reason, note FROM ${quoteIdent(this.schema)}.key_history WHERE ledger_index < $1 ORDER BY seq`,
      [upToSize],
    );
    return rows.map((r) => ({
      kind: r.kind,
      ledgerIndex: Number(r.ledger_index),
      fromSize: Number(r.from_size),
      verifierKey: r.verifier_key,
      ...(r.reason !== null ? { reason: r.reason } : {}),
      note: r.note,
    }));
  }

  #signNote(text: string, privateKey: KeyObject): string {
    const keyName = this.key.keyName;
    return formatSignedNote(text, [{ keyName, keyId: noteKeyId(keyName, privateKey), signature: edSign(null, Buffer.from(text, 'utf8'), privateKey) }]);
  }

  async rotate(signingKey: string | undefined): Promise<KeyHistoryView> {
    let next: KeyObject;
    try {
      next = signingKey === undefined ? generateLedgerKeyPair().privateKey : signingKey.startsWith('PRIVATE+KEY+') ? parseSignerKey(signingKey).privateKey : toPrivateKey(signingKey);
    } catch (e) {
      throw validationFailed([{ field: 'signingKey', messages: [`not an Ed25519 signer key: ${(e as Error).message}`] }]);
    }
    const newKey = formatVerifierKey(this.key.keyName, toPublicKey(next));
    if (newKey === this.key.publicView().verifierKey) throw validationFailed([{ field: 'signingKey', messages: ['the new key is the current key'] }]);
    return this.checkpointer.exclusive(async () => {
      const previousKey = this.key.publicView().verifierKey;
      const view = await this.dataSource.transaction(async (manager) => {
        const index = await this.#reserveIndex(manager);
        const time = this.clock().toISOString();
        const handover = this.#signNote(formatHandoverText({ origin: this.config.LEDGER_ORIGIN, fromSize: index + 1, newKey, time }), this.key.privateKey);
        const event = newEvent('LedgerKeyRotated', { origin: this.config.LEDGER_ORIGIN, fromSize: index + 1, previousKey, newKey, handover }, { roundId: LEDGER_ROUND_ID, correlationId: `key-rotation-${index}`, now: new Date(time) });
        await this.#append(manager, index, { ...event, streamId: 'ledger-keys', streamVersion: index + 1 } as EventEnvelope);
        await manager.query(
          `INSERT INTO ${quoteIdent(this.schema)}.key_history (kind, ledger_index, from_size, verifier_key, private_pem, note) VALUES ('handover', $1, $2, $3, $4, $5)`,
          [index, index + 1, newKey, exportPrivateKeyPem(next), handover],
        );
        return { kind: 'handover' as const, ledgerIndex: index, fromSize: index + 1, verifierKey: newKey, note: handover };
      });
      this.key.use(next);
      return view;
    });
  }

  async revoke(dto: RevokeKeyDto): Promise<KeyHistoryView> {
    const earlier = [this.key.genesisVerifierKey, ...(await this.history()).filter((h) => h.kind === 'handover').map((h) => h.verifierKey)];
    const current = this.key.publicView().verifierKey;
    if (dto.verifierKey === current) throw validationFailed([{ field: 'verifierKey', messages: ['the current key cannot be revoked: rotate to a new key first'] }]);
    if (!earlier.includes(dto.verifierKey)) throw validationFailed([{ field: 'verifierKey', messages: ['not a key of this ledger'] }]);
    return this.checkpointer.exclusive(() =>
      this.dataSource.transaction(async (manager) => {
        const index = await this.#reserveIndex(manager);
        const time = this.clock().toISOString();
        let text: string;
        try {
          text = formatRevocationText({ origin: this.config.LEDGER_ORIGIN, revokedKey: dto.verifierKey, fromSize: dto.fromSize, reason: dto.reason, time });
        } catch (e) {
          if (e instanceof CheckpointError) throw validationFailed([{ field: 'reason', messages: [e.message] }]);
          throw e;
        }
        const revocation = this.#signNote(text, this.key.privateKey);
        const event = newEvent(
          'LedgerKeyRevoked',
          { origin: this.config.LEDGER_ORIGIN, revokedKey: dto.verifierKey, fromSize: dto.fromSize, reason: dto.reason, revocation },
          { roundId: LEDGER_ROUND_ID, correlationId: `key-revocation-${index}`, now: new Date(time) },
        );
        await this.#append(manager, index, { ...event, streamId: 'ledger-keys', streamVersion: index + 1 } as EventEnvelope);
        await manager.query(
          `INSERT INTO ${quoteIdent(this.schema)}.key_history (kind, ledger_index, from_size, verifier_key, reason, note) VALUES ('revocation', $1, $2, $3, $4, $5)`,
          [index, dto.fromSize, dto.verifierKey, dto.reason, revocation],
        );
        return { kind: 'revocation' as const, ledgerIndex: index, fromSize: dto.fromSize, verifierKey: dto.verifierKey, reason: dto.reason, note: revocation };
      }),
    );
  }

  /** The index the next entry gets, with the head row locked until the transaction ends (the entry names it). */
  async #reserveIndex(manager: EntityManager): Promise<number> {
    // The lease before the head row, in the order every ledger append takes them; a standby answers 503 here.
    await this.fence.check(manager);
    const [{ size }]: { size: string }[] = await manager.query(`SELECT size FROM ${quoteIdent(this.schema)}.ledger_head WHERE id FOR UPDATE`);
    return Number(size);
  }

  async #append(manager: EntityManager, index: number, event: EventEnvelope): Promise<void> {
    const at = await appendToLedger(manager, this.schema, this.fence, event, { topic: 'audit', partition: -1, offset: -1 });
    if (at !== index) throw new Error(`ledger index ${at} is not the reserved ${index}`);
  }
}

@ApiTags('proofs')
@Controller('ledger')
export class KeyRotationController {
  constructor(private readonly rotation: KeyRotation) {}

  @Get('key-history')
  @Public()
  @ApiOperation({ summary: 'The ledger key history: handovers (signed by the old key) and revocations, oldest first' })
  async history() {
    return { history: await this.rotation.history() };
  }

  @Post('key-rotations')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Rotate the checkpoint key: the old key signs a handover naming the new key and the size from which it signs, recorded in the ledger' })
  rotate(@Body() dto: RotateKeyDto) {
    return this.rotation.rotate(dto.signingKey);
  }

  @Post('key-revocations')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke an earlier ledger key from a ledger size, with a public reason (signed by the current key, recorded in the ledger)' })
  revoke(@Body() dto: RevokeKeyDto) {
    return this.rotation.revoke(dto);
  }
}
