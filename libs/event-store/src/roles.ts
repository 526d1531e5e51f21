import { Client } from 'pg';
import { keepErrorListener, logConnectionErrors } from './connection-errors';
import { consoleLogger } from './logger';
import { quoteIdent } from './sql';

/**
 * Least privilege in PostgreSQL (README "Deploy"): one migration role owns every service schema and runs the
 * migrations; each service connects as its own runtime role, which can read and write its own schema only.
 *
 * - `provisionDatabaseRoles` runs once per database as an administrator (a role with CREATEROLE): it creates the
 *   roles, creates each schema owned by the migration role, and gives each runtime role USAGE on its own schema.
 * - `grantRuntimeAccess` runs as the migration role after each service's migrations: SELECT/INSERT/UPDATE/DELETE
 *   on the schema's tables, except that append-only tables (those with a trigger on UPDATE, DELETE or TRUNCATE, i.e.
 *   `events` and the audit ledger's tables) get SELECT/INSERT only. TRUNCATE is never granted.
 *
 * A runtime role owns nothing, so it can neither disable a trigger (ALTER TABLE needs ownership) nor set
 * `session_replication_role` (superuser only), nor see another service's schema (no USAGE).
 */
export interface ServiceDatabaseRole {
  /** The service's schema, e.g. `voting`. */
  readonly schema: string;
  /** Its runtime role, e.g. `plaza_voting`. */
  readonly role: string;
  /** Its password (LOGIN); omitted: the role is created without a password (peer/cert authentication). */
  readonly password?: string;
}

export interface DatabaseRolesPlan {
  readonly migrator: { readonly role: string; readonly password?: string };
  readonly services: readonly ServiceDatabaseRole[];
}

async function upsertLoginRole(client: Client, role: string, password: string | undefined): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const verb = exists.rowCount ? 'ALTER' : 'CREATE';
  // Passwords cannot be bound parameters in DDL: quote them as literals.
  const pw = password === undefined ? '' : ` PASSWORD ${client.escapeLiteral(password)}`;
  await client.query(`${verb} ROLE ${quoteIdent(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS${pw}`);
}

/** Creates (or updates the passwords of) the roles and schemas of `plan`; safe to run again. */
export async function provisionDatabaseRoles(adminUrl: string, plan: DatabaseRolesPlan): Promise<void> {
  const client = keepErrorListener(new Client({ connectionString: adminUrl }), logConnectionErrors(consoleLogger));
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', ['plaza-database-roles']);
    const migrator = quoteIdent(plan.migrator.role);
    await upsertLoginRole(client, plan.migrator.role, plan.migrator.password);
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    const db = quoteIdent(rows[0].db);
    // CREATE SCHEMA IF NOT EXISTS (runMigrations) checks the database's CREATE privilege before existence.
    await client.query(`GRANT CONNECT, CREATE ON DATABASE ${db} TO ${migrator}`);
    for (const service of plan.services) {
      await upsertLoginRole(client, service.role, service.password);
      await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${quoteIdent(service.role)}`);
    }
    for (const service of plan.services) {
      const schema = quoteIdent(service.schema);
      const role = quoteIdent(service.role);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${migrator}`);
      await client.query(`ALTER SCHEMA ${schema} OWNER TO ${migrator}`);
      // A schema migrated before (by the superuser, say) keeps its objects' owner: hand them to the migrator.
      const owned = await client.query<{ kind: string; name: string }>(
        `SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind, c.relname AS name
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND pg_get_userbyid(c.relowner) <> $2
            AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))`,
        [service.schema, plan.migrator.role],
      );
      for (const o of owned.rows) await client.query(`ALTER ${o.kind} ${schema}.${quoteIdent(o.name)} OWNER TO ${migrator}`);
      const functions = await client.query<{ signature: string }>(
        `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 AND pg_get_userbyid(p.proowner) <> $2`,
        [service.schema, plan.migrator.role],
      );
      for (const f of functions.rows) await client.query(`ALTER FUNCTION ${f.signature} OWNER TO ${migrator}`);
      await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
      // The runtime role of another service must not reach this one: revoke anything granted before.
      for (const other of plan.services.filter((s) => s.schema !== service.schema)) {
        await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM ${quoteIdent(other.role)}`);
        await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${quoteIdent(other.role)}`);
      }
    }
  } finally {
    await client.end();
  }
}

/** The tables of `schema` that carry a trigger on UPDATE, DELETE or TRUNCATE: Plaza's append-only guards. */
export async function appendOnlyTables(client: Client, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT DISTINCT c.relname AS name
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT t.tgisinternal AND (t.tgtype & (8 | 16 | 32)) <> 0
      ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.name);
}

/**
 * Grants `runtimeRole` what a service may do on its own schema (see above). Runs as the schema's owner (the
 * migration role) after the migrations, every time: new tables get their grants, append-only ones lose UPDATE,
 * DELETE and TRUNCATE even if a broad grant gave them.
 */
export async function grantRuntimeAccess(migrationUrl: string, schema: string, runtimeRole: string): Promise<{ appendOnly: string[] }> {
  const client = keepErrorListener(new Client({ connectionString: migrationUrl }), logConnectionErrors(consoleLogger));
  await client.connect();
  try {
    const s = quoteIdent(schema);
    const role = quoteIdent(runtimeRole);
    await client.query('BEGIN');
    await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${role}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${role}`);
    await client.query(`REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ${s} FROM ${role}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${role}`);
    const appendOnly = await appendOnlyTables(client, schema);
    for (const table of appendOnly) await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.${quoteIdent(table)} FROM ${role}`);
    await client.query('COMMIT');
    return { appendOnly };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** The user name in a postgres:// URL (the role a service connects as). */
export function databaseUser(url: string): string | undefined {
  try {
    const user = decodeURIComponent(new URL(url).username);
    return user === '' ? undefined : user;
  } catch {
    return undefined;
  }
}
