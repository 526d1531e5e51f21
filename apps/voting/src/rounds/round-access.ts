import { NotFound, type Phase, type RoundConfig } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import type { EntityManager } from 'typeorm';

export interface LockedRound {
  readonly roundId: string;
  readonly config: RoundConfig;
  readonly phase: Phase;
  /** null once destroyed (RoundSecretDestroyed): nobody can compute a pseudonym of this round any more. */
  readonly secret: Buffer | null;
  readonly closed: boolean;
}

export { LinkDestroyed, pseudonymOf } from '@plaza/recount';

/**
 * Reads the round (from the Kafka-fed projection) with its pseudonym secret, holding the round row FOR SHARE
 * until the caller's transaction ends: closing updates that row, so it waits for every write in flight and
 * nothing is written after the count.
 */
export async function lockRound(manager: EntityManager, schema: string, roundId: string): Promise<LockedRound> {
  const s = quoteIdent(schema);
  const rows: { config: RoundConfig; phase: Phase; secret: Buffer | null; closed_event_id: string | null }[] = await manager.query(
    `SELECT r.config, r.phase, r.closed_event_id, k.secret FROM ${s}.rounds r LEFT JOIN ${s}.round_secrets k USING (round_id)
      WHERE r.round_id = $1 FOR SHARE OF r`,
    [roundId],
  );
  if (rows.length === 0) throw new NotFound(`round ${roundId} is not known to the voting service`);
  const r = rows[0];
  return { roundId, config: r.config, phase: r.phase, secret: r.secret ?? null, closed: r.closed_event_id !== null };
}

/** Voting codes are printed in groups (ABCDE-FGHJK) and typed by hand: compare them without dashes, spaces or case. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

export const codeIdentity = (code: string) => `code:${normalizeCode(code)}`;
