import { Inject, Injectable, Logger } from '@nestjs/common';
import { quoteIdent } from '@plaza/event-store';
import {
  exportPrivateKeyPem,
  formatVerifierKey,
  generateLedgerKeyPair,
  noteKeyId,
  parseSignerKey,
  toPrivateKey,
  toPublicKey,
  exportPublicKeyRaw,
  exportPublicKeySpki,
  exportPublicKeyPem,
} from '@plaza/ledger';
import { InjectSchema } from '@plaza/nest-runtime';
import type { KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { LoadedAuditConfig } from '../config/audit.config';

export const AUDIT_CONFIG = Symbol('AUDIT_CONFIG');

/** The public half, in every form a verifier may want. */
export interface PublicKeyView {
  readonly keyName: string;
  readonly keyId: string;
  /** C2SP verifier key `<name>+<id>+<base64(0x01 ‖ key)>` (Go's sumdb/note, `plaza verify --key`). */
  readonly verifierKey: string;
  /** Raw 32-byte Ed25519 key, base64 (WebCrypto `importKey('raw', …)`). */
  readonly publicKey: string;
  /** DER SubjectPublicKeyInfo, base64. */
  readonly spki: string;
  readonly pem: string;
  /** The ledger's first key (before any rotation): what public-key.txt of a bundle holds and `plaza verify --key` pins. */
  readonly firstVerifierKey: string;
}

/**
 * The checkpoint signing key. From LEDGER_SIGNING_KEY when set; otherwise (development and tests only) generated
 * on first start and kept in the service's schema so restarts sign with the same key. The private key is never
 * logged or served; only its key ID is logged.
 */
@Injectable()
export class SigningKey {
  private readonly logger = new Logger(SigningKey.name);
  #privateKey: KeyObject | undefined;
  #genesis: KeyObject | undefined;
  #keyName: string;

  constructor(
    @Inject(AUDIT_CONFIG) private readonly config: LoadedAuditConfig,
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {
    this.#keyName = config.LEDGER_ORIGIN;
  }

  async load(): Promise<void> {
    if (this.#privateKey) return;
    const configured = this.config.LEDGER_SIGNING_KEY;
    if (configured) {
      if (configured.startsWith('PRIVATE+KEY+')) {
        const parsed = parseSignerKey(configured);
        this.#privateKey = parsed.privateKey;
        this.#keyName = parsed.keyName;
      } else {
        this.#privateKey = toPrivateKey(configured);
      }
    } else {
      if (this.config.NODE_ENV === 'production') throw new Error('LEDGER_SIGNING_KEY is required when NODE_ENV=production');
      this.#privateKey = await this.#developmentKey();
    }
    this.#genesis = this.#privateKey;
    await this.refresh();
    this.logger.log(`checkpoints are signed by ${this.#keyName} key ${this.keyId}`);
  }

  /**
   * After a rotation the newest handed-over key signs (kept in key_history by the rotation). Read again when this
   * instance takes the ledger lease over: the previous holder may have rotated the key meanwhile.
   */
  async refresh(): Promise<void> {
    const [latest]: { private_pem: string }[] = await this.dataSource.query(
      `SELECT private_pem FROM ${quoteIdent(this.schema)}.key_history WHERE kind = 'handover' ORDER BY seq DESC LIMIT 1`,
    );
    if (latest) this.#privateKey = toPrivateKey(latest.private_pem);
  }

  /** Switches to the key a rotation handed over to (the caller recorded the handover first). */
  use(privateKey: KeyObject): void {
    this.#privateKey = privateKey;
    this.logger.log(`checkpoints are now signed by ${this.#keyName} key ${this.keyId}`);
  }

  /** The C2SP verifier key of the first key of the ledger (before any rotation): the root of the key history. */
  get genesisVerifierKey(): string {
    if (!this.#genesis) throw new Error('signing key not loaded');
    return formatVerifierKey(this.#keyName, toPublicKey(this.#genesis));
  }

  get keyName(): string {
    return this.#keyName;
  }

  get privateKey(): KeyObject {
    if (!this.#privateKey) throw new Error('signing key not loaded');
    return this.#privateKey;
  }

  get keyId(): string {
    return noteKeyId(this.#keyName, this.privateKey).toString('hex');
  }

  publicView(): PublicKeyView {
    const pub = toPublicKey(this.privateKey);
    return {
      keyName: this.#keyName,
      keyId: this.keyId,
      verifierKey: formatVerifierKey(this.#keyName, pub),
      publicKey: exportPublicKeyRaw(pub),
      spki: exportPublicKeySpki(pub),
      pem: exportPublicKeyPem(pub),
      firstVerifierKey: this.genesisVerifierKey,
    };
  }

  async #developmentKey(): Promise<KeyObject> {
    const table = `${quoteIdent(this.schema)}.dev_signing_key`;
    const generated = exportPrivateKeyPem(generateLedgerKeyPair().privateKey);
    // ON CONFLICT: two instances starting together keep the first key.
    await this.dataSource.query(`INSERT INTO ${table} (id, private_pem) VALUES (true, $1) ON CONFLICT (id) DO NOTHING`, [generated]);
    const [{ private_pem }]: { private_pem: string }[] = await this.dataSource.query(`SELECT private_pem FROM ${table}`);
    return toPrivateKey(private_pem);
  }
}
