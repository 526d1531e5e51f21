import { Inject, Injectable, Logger } from '@nestjs/common';
import { parseCosignerVerifierKey, type Cosigner } from '@plaza/ledger';
import { existsSync, readFileSync } from 'node:fs';
import type { LoadedAuditConfig } from '../config/audit.config';
import { AUDIT_CONFIG } from './signing-key';

/** Reads LEDGER_WITNESSES: verifier keys or .vkey file paths, separated by commas or newlines. */
export function parseWitnessList(value: string | undefined): Cosigner[] {
  const items = (value ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const out: Cosigner[] = [];
  for (const item of items) {
    const text = !/^[^+]+\+[0-9a-f]{8}\+/.test(item) && existsSync(item) ? readFileSync(item, 'utf8').trim() : item;
    try {
      const w = parseCosignerVerifierKey(text);
      if (!out.some((o) => o.verifierKey === w.verifierKey)) out.push(w);
    } catch (e) {
      throw new Error(`LEDGER_WITNESSES: ${JSON.stringify(item)} is not a witness verifier key or a file holding one: ${(e as Error).message}`);
    }
  }
  return out;
}

/** The witnesses configured in LEDGER_WITNESSES. */
@Injectable()
export class Witnesses {
  private readonly logger = new Logger(Witnesses.name);
  readonly list: readonly Cosigner[];

  constructor(@Inject(AUDIT_CONFIG) config: LoadedAuditConfig) {
    this.list = parseWitnessList(config.LEDGER_WITNESSES);
    if (this.list.length > 0) this.logger.log(`cosignatures accepted from ${this.list.map((w) => w.keyName).join(', ')}`);
  }

  /** The configured witness with this name and key ID. */
  find(keyName: string, keyIdHex: string): Cosigner | undefined {
    return this.list.find((w) => w.keyName === keyName && w.keyId.toString('hex') === keyIdHex);
  }
}
