import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@plaza/contracts';
import { RejectEventError } from '../src/errors';
import { migrationSchema } from '../src/migrations/schema-of';
import type { MessageContext, ValidationResult } from '../src/projection-runner';
import { quoteIdent } from '../src/sql';

/** A service's own projection migration, listed after the event store's (the pattern services follow). */
export class CreateTestProjection1764099999999 implements MigrationInterface {
  readonly name = 'CreateTestProjection1764099999999';
  async up(queryRunner: QueryRunner): Promise<void> {
    // Deliberately no unique key: a double apply must show up as two rows.
    await queryRunner.query(`CREATE TABLE ${migrationSchema(queryRunner)}.projected (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL, type text NOT NULL,
      kafka_offset bigint NOT NULL)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${migrationSchema(queryRunner)}.projected`);
  }
}

const KNOWN_TYPES = new Set(['ProposalSubmitted', 'RoundOpened', 'RoundClosed']);

/** Stand-in for the contracts lib's validator: envelope shape plus a registry of known types. */
export function validateTestEnvelope(raw: unknown): ValidationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const e = raw as Record<string, unknown>;
  for (const field of ['id', 'type', 'streamId', 'roundId', 'occurredAt', 'producer', 'correlationId']) {
    if (typeof e[field] !== 'string') return { ok: false, reason: `field ${field} missing or not a string` };
  }
  if (!KNOWN_TYPES.has(e.type as string)) return { ok: false, reason: `unknown event type ${String(e.type)}` };
  return { ok: true, envelope: raw as EventEnvelope };
}

/** A projection that records every apply, can fail once on demand and rejects RoundClosed. */
export class TestProjection {
  failOnceFor = new Set<string>();
  attempts = 0;
  constructor(private readonly schema: string) {}

  readonly apply = async (envelope: EventEnvelope, manager: EntityManager, context: MessageContext): Promise<void> => {
    this.attempts++;
    await manager.query(`INSERT INTO ${quoteIdent(this.schema)}.projected (event_id, type, kafka_offset) VALUES ($1, $2, $3)`, [
      envelope.id,
      envelope.type,
      context.offset,
    ]);
    if (this.failOnceFor.delete(envelope.id)) throw new Error('connection reset (test)');
    if (envelope.type === 'RoundClosed') throw new RejectEventError(`round ${envelope.roundId} was never opened here`);
  };
}
