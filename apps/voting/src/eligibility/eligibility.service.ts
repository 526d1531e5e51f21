import { randomInt } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { newEvent, NotFound, type AgeBand, type EligibilityChangeKind, type EventContext } from '@plaza/contracts';
import { EventStore, quoteIdent } from '@plaza/event-store';
import { InjectSchema, TokenIssuer, type Caller } from '@plaza/nest-runtime';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import { codeIdentity, lockRound, pseudonymOf, type LockedRound } from '../rounds/round-access';
import { publicRegistrations, rollRegistrations, type Registration } from './registration';
import { PARTICIPATION_MIN_CELL, publishedAgeBands } from '../results/participation';
import { parseRoll, referenceYear } from './roll';
import {
  changedRegistrations,
  checkRoll,
  decideChangeRequest,
  mayConfirmChange,
  mayGenerateCodes,
  mayImportRoll,
  mayRequestChange,
  maySignIn,
  maySignInAs,
  perUnitOf,
  requestedChange,
} from './eligibility.decider';

export const votersStream = (roundId: string) => `voters-${roundId}`;
export const eligibilityChangeStream = (roundId: string, changeId: string) => `eligibility-change-${roundId}-${changeId}`;

export const MAX_CODES_PER_REQUEST = 10_000;
/** Crockford's base32 without I, L, O, U: nothing to misread on a printed sheet. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

type Command = Omit<EventContext, 'roundId'>;

interface ChangeRow {
  change_id: string;
  kind: EligibilityChangeKind;
  requested_by: string;
  voters: { pseudonym: string; unit_id: string; age_band: AgeBand | null }[] | null;
  unit_id: string | null;
  count: number | null;
  status: 'pending' | 'confirmed';
  requested_at: Date;
  confirmed_by: string | null;
  confirmed_at: Date | null;
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
    @Inject(PARTICIPATION_MIN_CELL) private readonly minCell: number,
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
      mayImportRoll(round);
      const { changed, unchanged, belowMinAge, onRoll } = await this.rollChanges(manager, round, csv, ctx);
      await this.register(manager, roundId, 'roll', changed, ctx);
      return { roundId, registered: changed.length, unchanged, belowMinAge, onRoll };
    });
  }

  /** Reads a roll against the round and the voters registered so far: who it would register (new or moved). */
  private async rollChanges(manager: EntityManager, round: LockedRound, csv: string, ctx: Command) {
    const year = referenceYear(round.config, ctx.now);
    const parsed = parseRoll(csv, round.config, year);
    checkRoll(round, parsed);
    const { registrations, belowMinAge } = rollRegistrations(parsed.entries, round.secret, round.config.eligibility, year);
    const s = quoteIdent(this.schema);
    const known: { pseudonym: string; unit_id: string; age_band: AgeBand | null }[] = await manager.query(
      `SELECT pseudonym, unit_id, age_band FROM ${s}.voters WHERE round_id = $1 AND pseudonym = ANY($2)`,
      [round.roundId, registrations.map((v) => v.pseudonym)],
    );
    const changed = changedRegistrations(
      registrations,
      known.map((k) => ({ pseudonym: k.pseudonym, unitId: k.unit_id, ageBand: k.age_band })),
    );
    return { changed, unchanged: registrations.length - changed.length, belowMinAge, onRoll: perUnitOf(registrations) };
  }

  /**
   * While voting is open, one administrator asks for a change of eligibility: roll lines to (re-)register, or more
   * voting codes for a unit. It is recorded (EligibilityChangeRequested: who, what kind, how many per unit) and
   * registers nobody until a different administrator confirms it. Pending roll lines are kept as pseudonyms only.
   */
  async requestChange(roundId: string, caller: Caller, body: { kind: EligibilityChangeKind; csv?: string; unitId?: string; count?: number }, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      mayRequestChange(round);
      const changeId = uuidv7();
      const change = requestedChange(round, body);
      let perUnit: Record<string, number>;
      let voters: ChangeRow['voters'] = null;
      if (change.kind === 'roll') {
        const { changed } = await this.rollChanges(manager, round, change.csv, ctx);
        perUnit = perUnitOf(changed);
        voters = changed.map((v) => ({ pseudonym: v.pseudonym, unit_id: v.unitId, age_band: v.ageBand ?? null }));
      } else {
        perUnit = { [change.unitId]: change.count };
      }
      const event = decideChangeRequest({ changeId, kind: body.kind, requestedBy: caller.sub, perUnit }, { ...ctx, roundId });
      await this.store.append(eligibilityChangeStream(roundId, changeId), 0, [event], { manager });
      await manager.query(
        `INSERT INTO ${quoteIdent(this.schema)}.eligibility_changes (change_id, round_id, kind, requested_by, voters, unit_id, count, status, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8)`,
        [changeId, roundId, body.kind, caller.sub, voters ? JSON.stringify(voters) : null, body.unitId ?? null, body.count ?? null, event.occurredAt],
      );
      return { roundId, changeId, kind: body.kind, status: 'pending' as const, requestedBy: caller.sub, perUnit, eventId: event.id };
    });
  }

  /**
   * A second administrator confirms a pending change: never the one who requested it. Appends
   * EligibilityChangeConfirmed and the VotersRegistered it allows (carrying the change id). Codes are created now
   * and returned once, to the confirming administrator, as CSV text.
   */
  async confirmChange(roundId: string, changeId: string, caller: Caller, ctx: Command) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const s = quoteIdent(this.schema);
      const rows: ChangeRow[] = await manager.query(`SELECT * FROM ${s}.eligibility_changes WHERE change_id = $1 AND round_id = $2 FOR UPDATE`, [changeId, roundId]);
      if (rows.length === 0) throw new NotFound(`eligibility change ${changeId} is not part of round ${roundId}`);
      const change = rows[0]!;
      mayConfirmChange(round, { changeId, status: change.status, requestedBy: change.requested_by, confirmedBy: change.confirmed_by }, caller.sub);
      let registrations: Registration[];
      let csv: string | undefined;
      if (change.kind === 'roll') {
        registrations = (change.voters ?? []).map((v) => ({ pseudonym: v.pseudonym, unitId: v.unit_id, ...(v.age_band ? { ageBand: v.age_band } : {}) }));
      } else {
        const codes = this.newCodes(change.count ?? 0);
        registrations = codes.map((code) => ({ pseudonym: pseudonymOf(round.secret, codeIdentity(code)), unitId: change.unit_id! }));
        csv = codesCsv(roundId, change.unit_id!, codes);
      }
      const confirmed = newEvent('EligibilityChangeConfirmed', { changeId, confirmedBy: caller.sub, registered: registrations.length }, { ...ctx, roundId });
      await this.store.append(eligibilityChangeStream(roundId, changeId), 1, [confirmed], { manager });
      await this.register(manager, roundId, change.kind, registrations, { ...ctx, causationId: confirmed.id }, changeId);
      await manager.query(`UPDATE ${s}.eligibility_changes SET status = 'confirmed', confirmed_by = $2, confirmed_at = $3 WHERE change_id = $1`, [
        changeId,
        caller.sub,
        confirmed.occurredAt,
      ]);
      return {
        roundId,
        changeId,
        kind: change.kind,
        status: 'confirmed' as const,
        requestedBy: change.requested_by,
        confirmedBy: caller.sub,
        registered: registrations.length,
        eventId: confirmed.id,
        ...(csv !== undefined ? { codesCsv: csv } : {}),
      };
    });
  }

  /** The round's eligibility changes with who requested and who confirmed them (never the voters). */
  async changes(roundId: string) {
    const rows: ChangeRow[] = await this.dataSource.query(
      `SELECT * FROM ${quoteIdent(this.schema)}.eligibility_changes WHERE round_id = $1 ORDER BY requested_at, change_id`,
      [roundId],
    );
    return {
      roundId,
      changes: rows.map((r) => ({
        changeId: r.change_id,
        kind: r.kind,
        status: r.status,
        requestedBy: r.requested_by,
        requestedAt: new Date(r.requested_at).toISOString(),
        perUnit: r.kind === 'roll' ? perUnitOf((r.voters ?? []).map((v) => ({ unitId: v.unit_id }))) : { [r.unit_id!]: r.count ?? 0 },
        confirmedBy: r.confirmed_by,
        confirmedAt: r.confirmed_at ? new Date(r.confirmed_at).toISOString() : null,
      })),
    };
  }

  private newCodes(count: number): string[] {
    const codes = new Set<string>();
    while (codes.size < count) codes.add(newVotingCode());
    return [...codes];
  }

  /**
   * Creates `count` single-use voting codes for a unit and registers their pseudonyms. The codes themselves are
   * returned once, as CSV for printing, and never stored: only their HMAC under the round's secret is.
   */
  async generateCodes(roundId: string, unitId: string, count: number, ctx: Command): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      mayGenerateCodes(round, unitId);
      const codes = this.newCodes(count);
      const voters = codes.map((code) => ({ pseudonym: pseudonymOf(round.secret, codeIdentity(code)), unitId }));
      await this.register(manager, roundId, 'codes', voters, ctx);
      return codesCsv(roundId, unitId, codes);
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
      maySignIn(round, ctx.now);
      const pseudonym = pseudonymOf(round.secret, codeIdentity(code));
      const s = quoteIdent(this.schema);
      const rows: { unit_id: string; signed_in_at: Date | null }[] = await manager.query(
        `SELECT unit_id, signed_in_at FROM ${s}.voters WHERE round_id = $1 AND pseudonym = $2 AND source = 'codes' FOR UPDATE`,
        [roundId, pseudonym],
      );
      maySignInAs(rows[0] && { signedInAt: rows[0].signed_in_at });
      await manager.query(`UPDATE ${s}.voters SET signed_in_at = $3 WHERE round_id = $1 AND pseudonym = $2`, [roundId, pseudonym, ctx.now]);
      const unitId = rows[0]!.unit_id;
      const issued = await this.tokens.issueVotingCode({ sub: `code:${pseudonym}`, votingCode: { roundId, unitId, pseudonym } });
      return { roundId, unitId, token: issued.token, expiresAt: issued.expiresAt };
    });
  }

  /**
   * Registered voters per unit and source (no pseudonyms), and per age band over the whole round with small cells
   * suppressed, as the public results show them: officials see no finer age figures than anyone else.
   */
  async summary(roundId: string) {
    return this.dataSource.transaction(async (manager) => {
      const round = await lockRound(manager, this.schema, roundId);
      const rows: { unit_id: string; source: string; n: string; signed_in: string }[] = await manager.query(
        `SELECT unit_id, source, count(*) AS n, count(signed_in_at) AS signed_in FROM ${quoteIdent(this.schema)}.voters
          WHERE round_id = $1 GROUP BY unit_id, source ORDER BY unit_id, source`,
        [roundId],
      );
      const bands = await publishedAgeBands(manager, this.schema, roundId, this.minCell);
      return {
        roundId,
        mode: round.config.eligibility.mode,
        groups: rows.map((r) => ({ unitId: r.unit_id, source: r.source, voters: Number(r.n), codesSignedIn: Number(r.signed_in) })),
        byAgeBand: Object.fromEntries(bands.map((b) => [b.band, b.registered])),
        ageBandMinCell: this.minCell,
      };
    });
  }

  /**
   * Records registrations in the service's own voters table (which alone keeps each voter's age band). Before
   * voting opens they stay unpublished: every registration made before the opening becomes public at once, in one
   * sorted batch stamped with the opening (publishPendingRegistrations), so no import's time or size singles anyone
   * out. Under a four-eyes change during voting they are published now (VotersRegistered with the change's id).
   */
  private async register(manager: EntityManager, roundId: string, source: 'roll' | 'codes', voters: readonly Registration[], ctx: Command, changeId?: string): Promise<void> {
    if (voters.length === 0) return;
    const publishNow = changeId !== undefined;
    if (publishNow) {
      const events = publicRegistrations(source, voters, changeId).map((payload) => newEvent('VotersRegistered', payload, { ...ctx, roundId }));
      const streamId = votersStream(roundId);
      await this.store.append(streamId, await this.store.streamVersion(streamId, { manager }), events, { manager });
    }
    const s = quoteIdent(this.schema);
    await manager.query(
      `INSERT INTO ${s}.voters (round_id, pseudonym, unit_id, age_band, source, registered_at, published)
       SELECT $1, v.pseudonym, v.unit_id, v.age_band, $2, $3, $5 FROM jsonb_to_recordset($4::jsonb) AS v(pseudonym text, unit_id text, age_band text)
       ON CONFLICT (round_id, pseudonym) DO UPDATE SET unit_id = EXCLUDED.unit_id, age_band = EXCLUDED.age_band, source = EXCLUDED.source,
         published = ${s}.voters.published AND EXCLUDED.published`,
      [roundId, source, ctx.now, JSON.stringify(voters.map((v) => ({ pseudonym: v.pseudonym, unit_id: v.unitId, age_band: v.ageBand ?? null }))), publishNow],
    );
  }
}

/**
 * When voting opens (in the projection's transaction that records the phase change): every registration not yet
 * public becomes VotersRegistered events — pseudonym and unit, sorted across the whole round, stamped with the
 * opening. A redelivered phase change finds nothing pending.
 */
export async function publishPendingRegistrations(
  manager: EntityManager,
  schema: string,
  roundId: string,
  ctx: { correlationId: string; causationId: string; now: Date },
): Promise<number> {
  const s = quoteIdent(schema);
  const pending: { pseudonym: string; unit_id: string; source: 'roll' | 'codes' }[] = await manager.query(
    `SELECT pseudonym, unit_id, source FROM ${s}.voters WHERE round_id = $1 AND NOT published ORDER BY pseudonym FOR UPDATE`,
    [roundId],
  );
  if (pending.length === 0) return 0;
  const events = (['roll', 'codes'] as const).flatMap((source) =>
    publicRegistrations(
      source,
      pending.filter((p) => p.source === source).map((p) => ({ pseudonym: p.pseudonym, unitId: p.unit_id })),
    ).map((payload) => newEvent('VotersRegistered', payload, { roundId, ...ctx })),
  );
  const store = new EventStore(manager.connection, { schema });
  const streamId = votersStream(roundId);
  await store.append(streamId, await store.streamVersion(streamId, { manager }), events, { manager });
  await manager.query(`UPDATE ${s}.voters SET published = true WHERE round_id = $1 AND NOT published`, [roundId]);
  return pending.length;
}

function codesCsv(roundId: string, unitId: string, codes: readonly string[]): string {
  return ['code,round_id,unit_id', ...codes.map((c) => `${c},${roundId},${unitId}`)].join('\n') + '\n';
}
