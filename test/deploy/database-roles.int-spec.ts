import { Client } from 'pg';
import { grantRuntimeAccess, provisionDatabaseRoles, quoteIdent, runMigrations } from '@plaza/event-store';
import { TEST_DATABASE_URL, uniqueName } from '@plaza/testing';
import { auditMigrations } from '../../apps/audit/src/app.module';
import { proposalsMigrations } from '../../apps/proposals/src/app.module';
import { votingMigrations } from '../../apps/voting/src/app.module';

/**
 * Issue #13 item 4, against the real PostgreSQL: the migration role owns the service schemas; each service's
 * runtime role reads and writes its own schema only, cannot change event tables, cannot disable the append-only
 * triggers; proposals and audit cannot read voting.round_secrets. Roles are cluster-global: unique names, dropped after.
 */
const id = uniqueName('r13').slice(4);
const migrator = `plaza_mig_${id}`;
const schemas = { proposals: `proposals_${id}`, voting: `voting_${id}`, audit: `audit_${id}` };
const roles = { proposals: `plaza_proposals_${id}`, voting: `plaza_voting_${id}`, audit: `plaza_audit_${id}` };

function urlAs(role: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.username = role;
  url.password = `pw-${id}`;
  return url.toString();
}

async function as<T>(role: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: urlAs(role) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE and message a statement fails with as `role` (or 'ok'). */
async function attempt(role: string, text: string): Promise<string> {
  return as(role, async (c) => {
    try {
      await c.query(text);
      return 'ok';
    } catch (error) {
      const e = error as { code?: string; message: string };
      return `${e.code}: ${e.message}`;
    }
  });
}

const q = (schema: string, table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;

describe('per-service PostgreSQL roles', () => {
  beforeAll(async () => {
    await provisionDatabaseRoles(TEST_DATABASE_URL, {
      migrator: { role: migrator, password: `pw-${id}` },
      services: (['proposals', 'voting', 'audit'] as const).map((s) => ({ schema: schemas[s], role: roles[s], password: `pw-${id}` })),
    });
    const migrations = { proposals: proposalsMigrations, voting: votingMigrations, audit: auditMigrations };
    for (const s of ['proposals', 'voting', 'audit'] as const) {
      // What startService does with MIGRATION_DATABASE_URL set: migrate as the owner, then grant the runtime role.
      await runMigrations({ url: urlAs(migrator), schema: schemas[s], migrations: migrations[s] });
      await grantRuntimeAccess(urlAs(migrator), schemas[s], roles[s]);
    }
  }, 120_000);

  afterAll(async () => {
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      for (const schema of Object.values(schemas)) await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      for (const role of [...Object.values(roles), migrator]) {
        await admin.query(`DROP OWNED BY ${quoteIdent(role)}`).catch(() => undefined);
        await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
      }
    } finally {
      await admin.end();
    }
  });

  it('the migration role owns the schemas and their tables', async () => {
    const admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ owner: string }>(
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY($1) AND c.relkind = 'r'
         UNION SELECT DISTINCT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = ANY($1)`,
        [Object.values(schemas)],
      );
      expect(rows.map((r) => r.owner)).toEqual([migrator]);
    } finally {
      await admin.end();
    }
  });

  it('a runtime role reads and writes its own mutable tables and appends to its event table', async () => {
    expect(await attempt(roles.voting, `SELECT count(*) FROM ${q(schemas.voting, 'round_secrets')}`)).toBe('ok');
    expect(await attempt(roles.voting, `UPDATE ${q(schemas.voting, 'rounds')} SET config = config WHERE false`)).toBe('ok');
    expect(await attempt(roles.voting, `DELETE FROM ${q(schemas.voting, 'round_secrets')} WHERE false`)).toBe('ok');
    expect(await attempt(roles.voting, `SELECT count(*) FROM ${q(schemas.voting, 'events')}`)).toBe('ok');
    const privileges = await as(roles.voting, async (c) =>
      (await c.query(`SELECT has_table_privilege($1, 'INSERT') AS insert, has_table_privilege($1, 'SELECT') AS select`, [q(schemas.voting, 'events')])).rows[0],
    );
    expect(privileges).toEqual({ insert: true, select: true });
    expect(await attempt(roles.audit, `SELECT count(*) FROM ${q(schemas.audit, 'ledger_entries')}`)).toBe('ok');
  });

  it('no UPDATE, DELETE or TRUNCATE on event tables: a permission error, before any trigger', async () => {
    for (const [service, table, column] of [
      ['voting', 'events', 'stream_id'],
      ['proposals', 'events', 'stream_id'],
      ['audit', 'events', 'stream_id'],
      ['audit', 'ledger_entries', 'index'],
      ['audit', 'checkpoints', 'size'],
    ] as const) {
      const t = q(schemas[service], table);
      for (const statement of [`UPDATE ${t} SET ${column} = ${column} WHERE false`, `DELETE FROM ${t} WHERE false`, `TRUNCATE ${t}`]) {
        expect(`${statement} → ${await attempt(roles[service], statement)}`).toMatch(/→ 42501: permission denied for table/);
      }
    }
  });

  it('proposals and audit cannot read voting.round_secrets (nor anything else of another service)', async () => {
    for (const role of [roles.proposals, roles.audit]) {
      expect(await attempt(role, `SELECT * FROM ${q(schemas.voting, 'round_secrets')}`)).toMatch(/^42501: permission denied for schema/);
    }
    expect(await attempt(roles.voting, `SELECT * FROM ${q(schemas.audit, 'ledger_entries')}`)).toMatch(/^42501: permission denied/);
    expect(await attempt(roles.proposals, `INSERT INTO ${q(schemas.voting, 'events')} SELECT * FROM ${q(schemas.voting, 'events')} WHERE false`)).toMatch(
      /^42501: permission denied/,
    );
    expect(await attempt(roles.voting, `SELECT * FROM ${q(schemas.proposals, 'events')}`)).toMatch(/^42501: permission denied/);
  });

  it('the runtime role cannot disable the append-only triggers, nor bypass them, nor change the schema', async () => {
    expect(await attempt(roles.voting, `ALTER TABLE ${q(schemas.voting, 'events')} DISABLE TRIGGER events_append_only`)).toMatch(/^42501: must be owner/);
    expect(await attempt(roles.audit, `ALTER TABLE ${q(schemas.audit, 'ledger_entries')} DISABLE TRIGGER ALL`)).toMatch(/^42501: must be owner/);
    expect(await attempt(roles.audit, `DROP TRIGGER ledger_entries_no_update_delete ON ${q(schemas.audit, 'ledger_entries')}`)).toMatch(/^42501: must be owner/);
    expect(await attempt(roles.voting, 'SET session_replication_role = replica')).toMatch(/^42501: permission denied/);
    expect(await attempt(roles.voting, `CREATE TABLE ${q(schemas.voting, 'mine')} (x int)`)).toMatch(/^42501: permission denied for schema/);
  });
});
