/** Shapes of the audit service's public answers (apps/audit/README.md). */

export interface LedgerEntry {
  readonly index: number;
  readonly eventId: string;
  readonly type: string;
  readonly roundId: string;
  readonly producer: string;
  readonly leafHash: string;
  readonly appendedAt: string;
  /** The event exactly as hashed: RFC 8785 canonical JSON. */
  readonly canonical: string;
}

export interface LedgerPage {
  readonly size: number;
  readonly entries: readonly LedgerEntry[];
  readonly next: number | null;
}

export interface CheckpointView {
  readonly size: number;
  /** Standard base64 (the note's third line). */
  readonly rootHash: string;
  readonly rootHex: string;
  readonly time: string;
  readonly origin: string;
  readonly keyName: string;
  readonly keyId: string;
  readonly signature: string;
  readonly body: string;
  /** The C2SP signed note: the only signed part. */
  readonly note: string;
  readonly eventId: string;
}

export interface CheckpointPage {
  readonly checkpoints: readonly CheckpointView[];
  readonly next: number | null;
}

export interface PublicKeyView {
  readonly keyName: string;
  readonly keyId: string;
  /** C2SP verifier key `<name>+<key id>+<base64(0x01 ‖ key)>`: what `plaza verify --key` and the browser pin. */
  readonly verifierKey: string;
  readonly publicKey: string;
  readonly spki: string;
  readonly pem: string;
  /** The ledger's first key (a bundle's public-key.txt): what is pinned once the key has been rotated. */
  readonly firstVerifierKey?: string;
}

/** GET /api/audit/ledger/witnesses: the witnesses the operator configured. */
export interface WitnessesView {
  readonly witnesses: readonly { readonly keyName: string; readonly keyId: string; readonly verifierKey: string }[];
}
