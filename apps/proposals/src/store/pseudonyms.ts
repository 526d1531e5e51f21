import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hmacPseudonym, legacyAuthorPseudonym } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * The proposals service's per-round pseudonym secret (its own, unrelated to the voting service's): authors of
 * proposals, comments and reports, and supporters, appear in events as HMAC-SHA256 of their token subject under it. Drawn on first
 * use; concurrent first uses agree on one secret (ON CONFLICT DO NOTHING, then read).
 */
@Injectable()
export class Pseudonyms {
  private readonly table: string;
  private readonly residents: string;

  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() schema: string,
  ) {
    this.table = `${quoteIdent(schema)}.round_pseudonym_secrets`;
    this.residents = `${quoteIdent(schema)}.pseudonym_residents`;
  }

  /** The resident's pseudonym in this round, for something they are about to write (recorded for notifying them). */
  async of(roundId: string, residentId: string, manager: EntityManager = this.dataSource.manager): Promise<string> {
    const pseudonym = hmacPseudonym(await this.secret(roundId, manager), residentId);
    // Kept here (never in an event) so this service can notify the resident behind it; written before the event.
    await manager.query(`INSERT INTO ${this.residents} (round_id, pseudonym, resident_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      roundId,
      pseudonym,
      residentId,
    ]);
    return pseudonym;
  }

  /** Every pseudonym a resident may have authored a proposal of this round under: this round's and the v1 legacy one. */
  async authorPseudonyms(roundId: string, residentId: string): Promise<string[]> {
    return [await this.current(roundId, residentId), legacyAuthorPseudonym(residentId)];
  }

  /** The resident's pseudonym in this round, for reading what they wrote (nothing recorded). */
  async current(roundId: string, residentId: string): Promise<string> {
    return hmacPseudonym(await this.secret(roundId, this.dataSource.manager), residentId);
  }

  private async secret(roundId: string, manager: EntityManager): Promise<Buffer> {
    const read = async () => ((await manager.query(`SELECT secret FROM ${this.table} WHERE round_id = $1`, [roundId])) as { secret: Buffer }[])[0]?.secret;
    const known = await read();
    if (known) return known;
    await manager.query(`INSERT INTO ${this.table} (round_id, secret) VALUES ($1, $2) ON CONFLICT (round_id) DO NOTHING`, [roundId, randomBytes(32)]);
    return (await read())!;
  }
}
