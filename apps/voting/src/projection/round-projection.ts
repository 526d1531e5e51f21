import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EventEnvelope, PlazaEvent } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import type { EntityManager } from 'typeorm';

/**
 * The voting service's view of rounds and proposals, fed from the proposals topic. Each apply runs in the
 * runner's transaction next to the processed-event record, so a redelivered event changes nothing.
 */
@Injectable()
export class RoundProjection {
  constructor(@InjectSchema() private readonly schema: string) {}

  readonly apply = async (envelope: EventEnvelope, manager: EntityManager): Promise<void> => {
    const s = quoteIdent(this.schema);
    const event = envelope as PlazaEvent;
    switch (event.type) {
      case 'RoundCreated': {
        const p = event.payload;
        await manager.query(
          `INSERT INTO ${s}.rounds (round_id, name, currency, phase, districts, ballot, rule, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (round_id) DO NOTHING`,
          [event.roundId, p.name, p.currency, p.phase, JSON.stringify(p.districts), JSON.stringify(p.ballot), p.rule, event.occurredAt],
        );
        await manager.query(`INSERT INTO ${s}.round_secrets (round_id, secret) VALUES ($1, $2) ON CONFLICT (round_id) DO NOTHING`, [
          event.roundId,
          randomBytes(32),
        ]);
        return;
      }
      case 'RoundPhaseChanged':
        await manager.query(`UPDATE ${s}.rounds SET phase = $2, updated_at = $3 WHERE round_id = $1`, [
          event.roundId,
          event.payload.to,
          event.occurredAt,
        ]);
        return;
      case 'ProposalSubmitted':
        await manager.query(
          `INSERT INTO ${s}.proposals (proposal_id, round_id, district_id, status) VALUES ($1, $2, $3, 'submitted')
           ON CONFLICT (proposal_id) DO NOTHING`,
          [event.payload.proposalId, event.roundId, event.payload.districtId],
        );
        return;
      case 'ProposalAccepted':
        await manager.query(
          `INSERT INTO ${s}.proposals (proposal_id, round_id, district_id, status, cost) VALUES ($1, $2, $3, 'accepted', $4)
           ON CONFLICT (proposal_id) DO UPDATE SET status = 'accepted', cost = EXCLUDED.cost`,
          [event.payload.proposalId, event.roundId, event.payload.districtId, event.payload.cost],
        );
        return;
      default:
        // Events of other types on the topic are not this projection's business.
        return;
    }
  };
}
