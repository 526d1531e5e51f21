import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { DataSource } from 'typeorm';
import { createDataSourceOptions, DEFAULT_DATABASE_URL, dropSchema, ProjectionRebuilder, runMigrations } from '@plaza/event-store';
import { ballotEntriesRebuild } from '../ledger/ballot-entries.rebuild';
import { auditMigrations } from '../app.module';

/**
 * Projection rebuild speed: a throwaway audit schema with a ledger of N BallotCast entries (default 1,000,000;
 * `--events N`) and the ballot_entries rows the live projection would have written, then one blue/green rebuild
 * of ballot_entries from the ledger (ProjectionRebuilder, the same path as POST /admin/rebuild). Prints one JSON
 * line with `projectionRebuildEventsPerSecond`. Needs only PostgreSQL (DATABASE_URL or 127.0.0.1:5432).
 */
async function main(): Promise<void> {
  const arg = process.argv.indexOf('--events');
  const events = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000;
  if (!Number.isSafeInteger(events) || events < 1) throw new Error('--events must be a positive integer');
  const url = process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
  const schema = `bench_rebuild_${randomBytes(4).toString('hex')}`;
  const log = (line: string) => process.stderr.write(`[rebuild-bench] ${line}\n`);
  await runMigrations({ url, schema, migrations: auditMigrations });
  const dataSource = new DataSource({ ...createDataSourceOptions({ url, schema, migrations: auditMigrations }), poolSize: 4, applicationName: 'plaza-rebuild-bench' });
  await dataSource.initialize();
  try {
    const s = `"${schema}"`;
    log(`writing a ledger of ${events} BallotCast entries into ${schema}…`);
    const t0 = performance.now();
    // 100 rounds, one ballot stream per voter and unit; envelopes shaped like the voting service's.
    for (let from = 0; from < events; from += 100_000) {
      const to = Math.min(events, from + 100_000) - 1;
      await dataSource.query(
        `WITH e AS (
           SELECT i, md5('event' || i)::uuid AS id, md5('round' || (i % 100))::uuid AS round_id,
                  jsonb_build_object(
                    'id', md5('event' || i)::uuid, 'type', 'BallotCast', 'schemaVersion', 1,
                    'streamId', 'ballot-' || md5('round' || (i % 100))::uuid || '-' || md5('voter' || (i / 2)),
                    'streamVersion', 1 + i % 2, 'roundId', md5('round' || (i % 100))::uuid,
                    'occurredAt', '2026-06-01T10:00:00.000Z', 'producer', 'voting',
                    'correlationId', md5('corr' || i), 'causationId', null,
                    'payload', jsonb_build_object('ballotId', md5('ballot' || i)::uuid, 'voterPseudonym', md5('voter' || (i / 2)) || md5('p' || (i / 2)),
                                                  'unitId', 'unit-' || (i % 7), 'channel', 'online', 'commitment', md5('c' || i) || md5('d' || i))
                  )::text AS json
             FROM generate_series($1::bigint, $2::bigint) AS i)
         INSERT INTO ${s}.ledger_entries (index, event_id, leaf_hash, canonical, event_type, round_id, producer, topic, partition, kafka_offset)
         SELECT i, id, sha256('\\x00'::bytea || convert_to(json, 'UTF8')), convert_to(json, 'UTF8'), 'BallotCast', round_id::text, 'voting', 'bench', 0, i FROM e`,
        [from, to],
      );
    }
    await dataSource.query(`UPDATE ${s}.ledger_head SET size = $1`, [events]);
    // The live state, as LedgerProjection writes it entry by entry.
    await dataSource.query(
      `INSERT INTO ${s}.ballot_entries (event_id, round_id, stream_id, stream_version, unit_id)
       SELECT event_id, round_id, e->>'streamId', (e->>'streamVersion')::integer, e#>>'{payload,unitId}'
         FROM (SELECT event_id, round_id, convert_from(canonical, 'UTF8')::jsonb AS e FROM ${s}.ledger_entries) b`,
    );
    await dataSource.query(`ANALYZE ${s}.ledger_entries`);
    log(`ledger written in ${((performance.now() - t0) / 1000).toFixed(1)} s; rebuilding ballot_entries…`);
    const report = await new ProjectionRebuilder(dataSource, { schema }).rebuild(ballotEntriesRebuild({ dataSource, schema }));
    const result = {
      projectionRebuildEventsPerSecond: report.eventsPerSecond,
      events: report.events,
      seconds: Math.round(report.durationMs / 100) / 10,
      goalSeconds: 30,
      matches: report.matches,
      switched: report.switched,
      checksum: report.checksum,
      projection: `audit/${report.projection}`,
      phases: report.phases,
      loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    };
    log(`${report.events} events in ${result.seconds} s = ${report.eventsPerSecond} events/s; checksum ${report.matches ? 'equals' : 'DIFFERS from'} the live state's`);
    process.stdout.write(JSON.stringify(result) + '\n');
    if (!report.matches || report.events !== events) process.exitCode = 1;
  } finally {
    await dataSource.destroy();
    await dropSchema(url, schema);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[rebuild-bench] ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
