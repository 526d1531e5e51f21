import type { MessagePublisher, OutgoingMessage } from '@plaza/kafka';
import { TEST_DATABASE_URL, uniqueName } from '@plaza/testing';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { createDataSourceOptions, dropSchema, runMigrations } from '../src/data-source';
import type { NewEvent } from '@plaza/contracts';
import type { EventStoreLogger } from '../src/logger';
import { eventStoreMigrations } from '../src/migrations';

export interface TestDatabase {
  readonly url: string;
  readonly schema: string;
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/** A fresh schema with the event store migrated into it, and a DataSource on it. */
export async function openTestDatabase(
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for migration lists
  migrations: Function[] = eventStoreMigrations,
  schema = uniqueName('es'),
): Promise<TestDatabase> {
  const url = TEST_DATABASE_URL;
  await runMigrations({ url, schema, migrations });
  const dataSource = new DataSource(createDataSourceOptions({ url, schema, migrations, poolSize: 8 }));
  await dataSource.initialize();
  return {
    url,
    schema,
    dataSource,
    async close() {
      await dataSource.destroy();
      await dropSchema(url, schema);
    },
  };
}

export function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  const id = uuidv7();
  return {
    id,
    type: 'ProposalSubmitted',
    schemaVersion: 1,
    roundId: 'round-1',
    occurredAt: new Date().toISOString(),
    producer: 'proposals',
    correlationId: id,
    causationId: null,
    payload: { title: 'Benches in the park', costMinor: 125_000, tags: ['parks'] },
    ...overrides,
  };
}

export interface SentMessage {
  readonly topic: string;
  readonly message: OutgoingMessage;
  readonly envelope: { id: string; streamId: string; streamVersion: number };
}

/** Records what it is asked to send; can be told to fail (before or after "the broker" took the batch). */
export class RecordingPublisher implements MessagePublisher {
  readonly sent: SentMessage[] = [];
  readonly batches: number[] = [];
  failuresBeforeSend = 0;
  failuresAfterSend = 0;
  /** Simulated broker round trip per batch. */
  delayMs = 0;

  async send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failuresBeforeSend > 0) {
      this.failuresBeforeSend--;
      throw new Error('broker unavailable (test)');
    }
    for (const message of messages) {
      this.sent.push({ topic, message, envelope: JSON.parse(message.value.toString()) });
    }
    this.batches.push(messages.length);
    if (this.failuresAfterSend > 0) {
      this.failuresAfterSend--;
      throw new Error('acknowledgement lost (test)');
    }
  }

  ids(): string[] {
    return this.sent.map((s) => s.envelope.id);
  }
}


export function newQuietLogger(): EventStoreLogger & { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  return {
    errors,
    warnings,
    log: () => undefined,
    warn: (m) => void warnings.push(m),
    error: (m) => void errors.push(m),
  };
}
