import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@plaza/contracts';
import { quoteIdent } from '@plaza/event-store';
import { InjectSchema } from '@plaza/nest-runtime';
import { DataSource } from 'typeorm';
import { evolveProposal, type ProposalEvent, type ProposalState } from './proposal.decider';

interface Row {
  stream_id: string;
  stream_version: number;
  type: string;
  payload: unknown;
  round_id: string;
}

/** Read side for lists: folds the round's proposal events straight from the service's own log. */
@Injectable()
export class ProposalQueries {
  constructor(
    private readonly dataSource: DataSource,
    @InjectSchema() private readonly schema: string,
  ) {}

  async listForRound(roundId: string): Promise<ProposalState[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT stream_id, stream_version, type, payload, round_id FROM ${quoteIdent(this.schema)}.events
        WHERE round_id = $1 AND stream_id LIKE 'proposal-%' ORDER BY position`,
      [roundId],
    );
    const byStream = new Map<string, ProposalState | null>();
    for (const row of rows) {
      const event = { type: row.type, payload: row.payload, roundId: row.round_id, streamVersion: row.stream_version } as unknown as EventEnvelope;
      byStream.set(row.stream_id, evolveProposal(byStream.get(row.stream_id) ?? null, event as ProposalEvent));
    }
    return [...byStream.values()].filter((p): p is ProposalState => p !== null);
  }
}
