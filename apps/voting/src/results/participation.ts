import { newEvent } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { suppressSmallCells, type BandCount, type PublishedBand } from '@plaza/recount';
import type { EntityManager } from 'typeorm';

/** Injection token: AGE_BAND_MIN_CELL, the smallest age-band cell published. */
export const PARTICIPATION_MIN_CELL = Symbol('PARTICIPATION_MIN_CELL');

export const participationStream = (roundId: string) => `participation-${roundId}`;

const AGE_ORDER = ['16-17', '18-29', '30-44', '45-64', '65+', 'unknown'];

/** Registered voters and voters with a ballot per age band over the whole round (`unknown`: no birth year). */
export async function ageBandCounts(manager: Pick<EntityManager, 'query'>, schema: string, roundId: string): Promise<BandCount[]> {
  const s = quoteIdent(schema);
  const rows: { band: string; registered: string; voted: string }[] = await manager.query(
    `SELECT coalesce(v.age_band, 'unknown') AS band, count(*) AS registered,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${s}.ballot_box b WHERE b.round_id = v.round_id AND b.voter_pseudonym = v.pseudonym)) AS voted
       FROM ${s}.voters v WHERE v.round_id = $1 GROUP BY 1`,
    [roundId],
  );
  return rows
    .map((r) => ({ band: r.band, registered: Number(r.registered), voted: Number(r.voted) }))
    .sort((a, b) => AGE_ORDER.indexOf(a.band) - AGE_ORDER.indexOf(b.band));
}

/** The round's age-band table as published: small cells suppressed (see suppressSmallCells). */
export async function publishedAgeBands(manager: Pick<EntityManager, 'query'>, schema: string, roundId: string, minCell: number): Promise<PublishedBand[]> {
  return suppressSmallCells(await ageBandCounts(manager, schema, roundId), minCell);
}

/**
 * At the close, in the close's transaction: ParticipationDeclared with the round's age-band table (suppressed as
 * the results API shows it), so the bundle carries age bands only as this aggregate. Version 0 of its own stream:
 * a redelivered close declares nothing twice.
 */
export async function declareParticipation(manager: EntityManager, schema: string, roundId: string, minCell: number, ctx: { correlationId: string; causationId: string; now: Date }) {
  const bands = (await publishedAgeBands(manager, schema, roundId, minCell)).map((b) => ({ band: b.band, registered: b.registered, voted: b.voted }));
  const event = newEvent('ParticipationDeclared', { minCell, bands }, { roundId, ...ctx });
  await new EventStore(manager.connection, { schema }).append(participationStream(roundId), 0, [event], { manager });
}
