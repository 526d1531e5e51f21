import { randomInt } from 'node:crypto';
import { ForbiddenException, Injectable } from '@nestjs/common';
import { newEvent, Refusal, type AgeBand, type EventContext, type RegisteredVoter } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { InjectSchema, TokenIssuer, validationFailed } from '@plaza/nest-runtime';
import { DataSource, type EntityManager } from 'typeorm';
import type { FieldProblem } from '../ballots/ballot.decider';
import { codeIdentity, lockRound, pseudonymOf, type LockedRound } from '../rounds/round-access';
import { ageBand, ageInYear, parseRoll, referenceYear } from './roll';

export const votersStream = (roundId: string) => `voters-${roundId}`;

/** VotersRegistered carries at most this many voters (contracts v2). */
const VOTERS_PER_EVENT = 1000;
export const MAX_CODES_PER_REQUEST = 10_000;
/** Crockford's base32 without I, L, O, U: nothing to misread on a printed sheet. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

type Command = Omit<EventContext, 'roundId'>;

function refuseUnlessOpenForRegistration(round: LockedRound): void {
  if (round.closed || round.phase === 'closed' || round.phase === 'published') {
    throw new Refusal('round-closed', `voting in this round is over (phase ${round.phase}); no voters can be added`);
  }
}

function problemsToError(problems: FieldProblem[]) {
  return validationFailed(
    [...new Set(problems.map((p) => p.field))].map((field) => ({ field, messages: problems.filter((p) => p.field === field).map((p) => p.message) })),
  );
}

/** A random code of 10 characters (50 bits), printed as ABCDE-FGHJK. */
export function newVotingCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

@Injectable()
export class EligibilityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly tokens: TokenIssuer,
    @InjectSchema() private readonly schema: string,
  ) {}

  /**
   * Registers the residents of a roll under their pseudonyms. Residents under the round's minimum age (by birth
   * year, in the year voting opens) are left out. Importing again adds new residents and moves those whose
   * unit changed; the latest registration of a pseudonym holds. Neither resident ids nor birth years leave
   * this transaction: events carry pseudonyms and age bands only.
   */
  async importRoll(roundId: string, csv: string, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const eligibility = round.config.eligibility;
      if (eligibility.mode !== 'roll') throw new Refusal('wrong-eligibility-mode', 'this round uses voting codes, not a voter roll');
      refuseUnlessOpenForRegistration(round);
      const year = referenceYear(round.config, ctx.now);
      const { entries, problems } = parseRoll(csv, round.config, year);
      if (eligibility.minAge !== undefined) {
        for (const e of entries) {
          if (e.birthYear === undefined) problems.push({ field: `csv.${e.line}`, message: `birth_year is needed: the round has a minimum age of ${eligibility.minAge}` });
        }
      }
      if (problems.length > 0) throw problemsToError(problems.sort((a, b) => Number(a.field.split('.')[1] ?? 0) - Number(b.field.split('.')[1] ?? 0)));
      let belowMinAge = 0;
      const voters: RegisteredVoter[] = [];
      for (const e of entries) {
        const age = e.birthYear !== undefined ? ageInYear(e.birthYear, year) : undefined;
        if (eligibility.minAge !== undefined && age! < eligibility.minAge) {
          belowMinAge++;
          continue;
        }
        const band = age !== undefined ? ageBand(age) : undefined;
        voters.push({ pseudonym: pseudonymOf(round.secret, e.residentId), unitId: e.unitId, ...(band ? { ageBand: band } : {}) });
      }
      const s = quoteIdent(this.schema);
      const known: { pseudonym: string; unit_id: string; age_band: AgeBand | null }[] = await manager.query(
        `SELECT pseudonym, unit_id, age_band FROM ${s}.voters WHERE round_id = $1 AND pseudonym = ANY($2)`,
        [roundId, voters.map((v) => v.pseudonym)],
      );
      const byPseudonym = new Map(known.map((k) => [k.pseudonym, k]));
      const changed = voters.filter((v) => {
        const k = byPseudonym.get(v.pseudonym);
        return !k || k.unit_id !== v.unitId || (k.age_band ?? undefined) !== v.ageBand;
      });
      await this.register(manager, roundId, 'roll', changed, ctx);
      const byUnit: Record<string, number> = {};
      for (const v of voters) byUnit[v.unitId] = (byUnit[v.unitId] ?? 0) + 1;
      return { roundId, registered: changed.length, unchanged: voters.length - changed.length, belowMinAge, onRoll: byUnit };
    });
  }

  /**
   * Creates `count` single-use voting codes for a unit and registers their pseudonyms. The codes themselves are
   * returned once, as CSV for printing, and never stored: only their HMAC under the round's secret is.
   */
  async generateCodes(roundId: string, unitId: string, count: number, ctx: Command): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      if (round.config.eligibility.mode !== 'codes') throw new Refusal('wrong-eligibility-mode', 'this round uses a voter roll, not voting codes');
      refuseUnlessOpenForRegistration(round);
      if (!round.config.units.some((u) => u.id === unitId)) throw problemsToError([{ field: 'unitId', message: `unit ${unitId} is not part of this round` }]);
      const codes = new Set<string>();
      while (codes.size < count) codes.add(newVotingCode());
      const voters = [...codes].map((code) => ({ pseudonym: pseudonymOf(round.secret, codeIdentity(code)), unitId }));
      await this.register(manager, roundId, 'codes', voters, ctx);
      return ['code,round_id,unit_id', ...[...codes].map((c) => `${c},${roundId},${unitId}`)].join('\n') + '\n';
    });
  }

  /**
   * Signs a resident in with a voting code: once per code (a second sign-in is refused, so a code found later
   * on a discarded sheet is worthless). The token lets its holder cast and revise the code's ballot until the
   * round closes or the token expires.
   */
  async signIn(roundId: string, code: string, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      if (round.config.eligibility.mode !== 'codes') throw new Refusal('wrong-eligibility-mode', 'this round uses a voter roll, not voting codes');
      if (round.phase !== 'voting') throw new Refusal('voting-not-open', `voting codes work only while voting is open (the round is in phase ${round.phase})`);
      const closesAt = round.config.schedule.votingClosesAt;
      if (closesAt !== undefined && ctx.now.getTime() >= Date.parse(closesAt)) throw new Refusal('voting-not-open', `online voting closed at ${closesAt}`);
      const pseudonym = pseudonymOf(round.secret, codeIdentity(code));
      const s = quoteIdent(this.schema);
      const rows: { unit_id: string; signed_in_at: Date | null }[] = await manager.query(
        `SELECT unit_id, signed_in_at FROM ${s}.voters WHERE round_id = $1 AND pseudonym = $2 AND source = 'codes' FOR UPDATE`,
        [roundId, pseudonym],
      );
      if (rows.length === 0) throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', code: 'invalid-code', message: 'this voting code is not valid for this round' });
      if (rows[0].signed_in_at !== null) throw new Refusal('code-used', 'this voting code has already been used to sign in');
      await manager.query(`UPDATE ${s}.voters SET signed_in_at = $3 WHERE round_id = $1 AND pseudonym = $2`, [roundId, pseudonym, ctx.now]);
      const unitId = rows[0].unit_id;
      const issued = await this.tokens.issue({ sub: `code:${pseudonym}`, roles: ['resident'], votingCode: { roundId, unitId, pseudonym } });
      return { roundId, unitId, token: issued.token, expiresAt: issued.expiresAt };
    });
  }

  /** Registered voters per unit, source and age band (no pseudonyms). */
  async summary(roundId: string) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const rows: { unit_id: string; source: string; age_band: string | null; n: string; signed_in: string }[] = await manager.query(
        `SELECT unit_id, source, age_band, count(*) AS n, count(signed_in_at) AS signed_in FROM ${quoteIdent(this.schema)}.voters
          WHERE round_id = $1 GROUP BY unit_id, source, age_band ORDER BY unit_id, source, age_band`,
        [roundId],
      );
      return {
        roundId,
        mode: round.config.eligibility.mode,
        groups: rows.map((r) => ({ unitId: r.unit_id, source: r.source, ageBand: r.age_band, voters: Number(r.n), codesSignedIn: Number(r.signed_in) })),
      };
    });
  }

  private async register(manager: EntityManager, roundId: string, source: 'roll' | 'codes', voters: RegisteredVoter[], ctx: Command): Promise<void> {
    if (voters.length === 0) return;
    const events = [];
    for (let i = 0; i < voters.length; i += VOTERS_PER_EVENT) {
      events.push(newEvent('VotersRegistered', { source, voters: voters.slice(i, i + VOTERS_PER_EVENT) }, { ...ctx, roundId }));
    }
    const streamId = votersStream(roundId);
    const version = await this.store.streamVersion(streamId, { manager });
    await this.store.append(streamId, version, events, { manager });
    const s = quoteIdent(this.schema);
    await manager.query(
      `INSERT INTO ${s}.voters (round_id, pseudonym, unit_id, age_band, source, registered_at)
       SELECT $1, v.pseudonym, v.unit_id, v.age_band, $2, $3 FROM jsonb_to_recordset($4::jsonb) AS v(pseudonym text, unit_id text, age_band text)
       ON CONFLICT (round_id, pseudonym) DO UPDATE SET unit_id = EXCLUDED.unit_id, age_band = EXCLUDED.age_band, source = EXCLUDED.source`,
      [roundId, source, ctx.now, JSON.stringify(voters.map((v) => ({ pseudonym: v.pseudonym, unit_id: v.unitId, age_band: v.ageBand ?? null })))],
    );
  }
}
