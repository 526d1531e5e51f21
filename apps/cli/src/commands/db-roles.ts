import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { provisionDatabaseRoles } from '@plaza/event-store';
import type { CommandContext } from '../cli';
import { CliError, EXIT_OK } from '../cli-error';

const SERVICES = ['proposals', 'voting', 'audit'] as const;

interface Flags {
  databaseUrl?: string;
  passwords: string;
  prefix: string;
}

/**
 * `plaza db-roles`: least privilege in PostgreSQL (README "Deploy"). As an administrator, creates the migration role
 * `<prefix>_migrator` owning the schemas proposals, voting and audit, and one runtime role per service
 * (`<prefix>_proposals`, …) with USAGE on its own schema only; the services grant the table privileges after their
 * migrations (MIGRATION_DATABASE_URL). Passwords come from files in --passwords: migrator, proposals, voting, audit.
 */
export function registerDbRoles(program: Command, ctx: CommandContext): void {
  program
    .command('db-roles')
    .description(
      'Create (or update the passwords of) the PostgreSQL migration role and one runtime role per service, each schema owned\n' +
        'by the migration role (run once as an administrator; safe to run again, e.g. to rotate passwords)',
    )
    .option('--database-url <url>', 'an administrator connection (default: DATABASE_URL, or DATABASE_URL_FILE)')
    .requiredOption('--passwords <dir>', 'folder with one password file each: migrator, proposals, voting, audit')
    .option('--prefix <name>', 'role name prefix', 'plaza')
    .action(async (flags: Flags) => {
      const url = flags.databaseUrl ?? process.env.DATABASE_URL ?? readIfSet(process.env.DATABASE_URL_FILE);
      if (!url) throw new CliError('give --database-url or set DATABASE_URL (or DATABASE_URL_FILE)');
      if (!/^[a-z_][a-z0-9_]{0,40}$/.test(flags.prefix)) throw new CliError('--prefix must be a lower-case SQL identifier');
      const password = (name: string) => {
        const value = readIfSet(join(flags.passwords, name));
        if (!value || value.length < 16) throw new CliError(`${join(flags.passwords, name)}: a password of at least 16 characters is needed`);
        return value;
      };
      const plan = {
        migrator: { role: `${flags.prefix}_migrator`, password: password('migrator') },
        services: SERVICES.map((s) => ({ schema: s, role: `${flags.prefix}_${s}`, password: password(s) })),
      };
      try {
        await provisionDatabaseRoles(url, plan);
      } catch (e) {
        throw new CliError(`cannot provision the database roles: ${(e as Error).message}`);
      }
      ctx.io.out(`migration role ${plan.migrator.role} owns ${SERVICES.join(', ')}; runtime roles ${plan.services.map((s) => s.role).join(', ')}\n`);
      ctx.setExitCode(EXIT_OK);
    });
}

function readIfSet(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
}
