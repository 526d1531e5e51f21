import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EventEnvelope, PlazaEvent } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import type { EntityManager } from 'typeorm';
import { DEFAULT_MIN_CELL } from '@plaza/recount';
import { closeRound } from '../closing/close-round';
import { publishPendingRegistrations } from '../eligibility/eligibility.service';
import { declareParticipation } from '../results/participation';

/**
 * The voting service's view of rounds and proposals, fed from the proposals topic. Each apply runs in the
 * runner's transaction next to the processed-event record, so a redelivered event changes nothing. The phase
 * change that closes voting also freezes the ballots and declares the results, in that same transaction.
 */
@Injectable()
export class RoundProjection {
  private readonly view = new RoundViewStore();

  constructor(
    @InjectSchema() private readonly schema: string,
    /** AGE_BAND_MIN_CELL: the smallest age-band cell the close's ParticipationDeclared publishes. */
    private readonly minCell: number = DEFAULT_MIN_CELL,
  ) {}

  readonly apply = async (envelope: EventEnvelope, manager: EntityManager): Promise<void> => {
    const event = envelope as PlazaEvent;
    await this.view.apply(event, manager, this.schema);
    switch (event.type) {
      case 'RoundCreated':
        await this.view.createSecret(manager, this.schema, event.roundId);
        return;
      case 'RoundPhaseChanged': {
        const to = event.payload.to;
        const ctx = { correlationId: event.correlationId, causationId: event.id, now: new Date(event.occurredAt) };
        // Registrations made before the opening become public now, all together (see EligibilityService.register).
        if (to === 'voting' || to === 'closed' || to === 'published') await publishPendingRegistrations(manager, this.schema, event.roundId, ctx);
        if (to === 'closed' || to === 'published') {
          if (await closeRound(manager, this.schema, event.roundId, ctx)) await declareParticipation(manager, this.schema, event.roundId, this.minCell, ctx);
        }
        return;
      }
      default:
        return;
    }
  };
}

/**
 * The rows of rounds and proposals that follow from the proposals topic alone (the projection's view part, also
 * what a rebuild replays into a copy of the tables): no secrets, no closing, no events of voting's own.
 */
export class RoundViewStore {
  async apply(event: PlazaEvent, manager: EntityManager, schema: string): Promise<void> {
    const s = quoteIdent(schema);
    switch (event.type) {
      case 'RoundCreated':
        await manager.query(
          `INSERT INTO ${s}.rounds (round_id, config, phase, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (round_id) DO NOTHING`,
          [event.roundId, JSON.stringify(event.payload.config), event.payload.phase, event.occurredAt],
        );
        return;
      case 'RoundConfigured':
        // After the close the declared results stand; a later configuration cannot change what was counted.
        await manager.query(`UPDATE ${s}.rounds SET config = $2, updated_at = $3 WHERE round_id = $1 AND closed_event_id IS NULL`, [
          event.roundId,
          JSON.stringify(event.payload.config),
          event.occurredAt,
        ]);
        return;
      case 'RoundPhaseChanged': {
        const to = event.payload.to;
        await manager.query(`UPDATE ${s}.rounds SET phase = $2, updated_at = $3 WHERE round_id = $1`, [event.roundId, to, event.occurredAt]);
        if (to === 'published') await manager.query(`UPDATE ${s}.rounds SET published_at = coalesce(published_at, $2) WHERE round_id = $1`, [event.roundId, event.occurredAt]);
        return;
      }
      case 'ProposalSubmitted':
        await manager.query(
          `INSERT INTO ${s}.proposals (proposal_id, round_id, unit_id, title, status) VALUES ($1, $2, $3, $4, 'submitted')
           ON CONFLICT (proposal_id) DO NOTHING`,
          [event.payload.proposalId, event.roundId, event.payload.unitId, event.payload.title],
        );
        return;
      case 'ProposalEdited':
        await manager.query(`UPDATE ${s}.proposals SET unit_id = $2, title = $3 WHERE proposal_id = $1`, [
          event.payload.proposalId,
          event.payload.unitId,
          event.payload.title,
        ]);
        return;
      case 'ProposalAccepted':
        // A first (or renewed) acceptance takes the next place in the round's acceptance order.
        await manager.query(
          `INSERT INTO ${s}.proposals AS p (proposal_id, round_id, unit_id, title, status, cost, accepted_seq)
           VALUES ($1, $2, $3, '', 'accepted', $4,
                   (SELECT coalesce(max(accepted_seq), 0) + 1 FROM ${s}.proposals WHERE round_id = $2))
           ON CONFLICT (proposal_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, cost = EXCLUDED.cost, status = 'accepted',
             accepted_seq = CASE WHEN p.status = 'accepted' THEN p.accepted_seq ELSE EXCLUDED.accepted_seq END`,
          [event.payload.proposalId, event.roundId, event.payload.unitId, event.payload.cost],
        );
        return;
      case 'ProposalRejected':
      case 'ProposalWithdrawn':
      case 'ProposalMergedInto': {
        const status = event.type === 'ProposalRejected' ? 'rejected' : event.type === 'ProposalWithdrawn' ? 'withdrawn' : 'merged';
        await manager.query(`UPDATE ${s}.proposals SET status = $2 WHERE proposal_id = $1`, [event.payload.proposalId, status]);
        return;
      }
      default:
        // Reviews, the merge target's record and other producers' events do not change what voters see.
        return;
    }
  }

  /** The round's pseudonym secret (never in any event, so never rebuilt). */
  async createSecret(manager: EntityManager, schema: string, roundId: string): Promise<void> {
    await manager.query(`INSERT INTO ${quoteIdent(schema)}.round_secrets (round_id, secret) VALUES ($1, $2) ON CONFLICT (round_id) DO NOTHING`, [roundId, randomBytes(32)]);
  }

  /**
   * The close as voting's own log records it (VotingClosed, first event of the round's tally stream), on rows of
   * `schema` that are closed or published and not marked yet; `roundId` limits it to one round.
   */
  async markClosed(manager: EntityManager, schema: string, logSchema: string, roundId?: string): Promise<void> {
    const s = quoteIdent(schema);
    await manager.query(
      `UPDATE ${s}.rounds r SET closed_event_id = e.event_id, closed_at = e.occurred_at
         FROM ${quoteIdent(logSchema)}.events e
        WHERE e.stream_id = 'tally-' || r.round_id::text AND e.stream_version = 1 AND e.type = 'VotingClosed'
          AND r.closed_event_id IS NULL AND r.phase IN ('closed', 'published') AND ($1::uuid IS NULL OR r.round_id = $1::uuid)`,
      [roundId ?? null],
    );
  }
}
