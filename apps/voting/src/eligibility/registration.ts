import type { AgeBand, RegisteredVoter, RoundConfig, VotersRegisteredPayload } from '@plaza/contracts';
import { pseudonymOf } from '../rounds/round-access';
import { ageBand, ageInYear, type RollEntry } from './roll';

/** What the voting service keeps of a registered voter (its own table): the public part plus the age band. */
export interface Registration {
  readonly pseudonym: string;
  readonly unitId: string;
  readonly ageBand?: AgeBand;
}

/** VotersRegistered carries at most this many voters. */
export const VOTERS_PER_EVENT = 1000;

const byPseudonym = (a: { pseudonym: string }, b: { pseudonym: string }) => (a.pseudonym < b.pseudonym ? -1 : a.pseudonym > b.pseudonym ? 1 : 0);

/**
 * The registrations a roll makes, sorted by pseudonym: nothing about the order of the file (or of the printed
 * code sheet) survives, so knowing that order links no pseudonym to a person. Residents under the round's
 * minimum age are left out and only counted.
 */
export function rollRegistrations(
  entries: readonly RollEntry[],
  secret: Buffer | null,
  eligibility: Pick<RoundConfig['eligibility'], 'minAge'>,
  year: number,
): { registrations: Registration[]; belowMinAge: number } {
  let belowMinAge = 0;
  const registrations: Registration[] = [];
  for (const e of entries) {
    const age = e.birthYear !== undefined ? ageInYear(e.birthYear, year) : undefined;
    if (eligibility.minAge !== undefined && age! < eligibility.minAge) {
      belowMinAge++;
      continue;
    }
    const band = age !== undefined ? ageBand(age) : undefined;
    registrations.push({ pseudonym: pseudonymOf(secret, e.residentId), unitId: e.unitId, ...(band ? { ageBand: band } : {}) });
  }
  return { registrations: registrations.sort(byPseudonym), belowMinAge };
}

/**
 * The public VotersRegistered payloads for registrations: pseudonym and unit only (no age band), in pseudonym
 * order, at most VOTERS_PER_EVENT per event, all stamped alike by the caller (one batch, one time).
 */
export function publicRegistrations(source: 'roll' | 'codes', registrations: readonly Registration[], changeId?: string): VotersRegisteredPayload[] {
  const voters: RegisteredVoter[] = registrations.map((r) => ({ pseudonym: r.pseudonym, unitId: r.unitId })).sort(byPseudonym);
  const payloads: VotersRegisteredPayload[] = [];
  for (let i = 0; i < voters.length; i += VOTERS_PER_EVENT) {
    payloads.push({ source, voters: voters.slice(i, i + VOTERS_PER_EVENT), ...(changeId ? { changeId } : {}) });
  }
  return payloads;
}
