import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../cli';
import { CliError, EXIT_MISMATCH, EXIT_OK } from '../cli-error';

/** The repository root, from dist/apps/cli/src/commands/. */
const ROOT = join(__dirname, '..', '..', '..', '..', '..');

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

interface ChecksModule {
  runChecks(options: { env?: NodeJS.ProcessEnv; forStart?: boolean }): Promise<CheckResult[]>;
  formatCheck(result: CheckResult): string;
}

/**
 * The checks live in infra/checks.js, plain Node.js, because `npm start` and `npm test` run them before anything
 * is built; `plaza doctor` is the same checks, in a development checkout.
 */
function loadChecks(): ChecksModule {
  const file = join(ROOT, 'infra', 'checks.js');
  if (!existsSync(file)) throw new CliError(`plaza doctor checks a development checkout of Plaza; ${file} is not there`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS file outside the TypeScript build
  return require(file) as ChecksModule;
}

export function registerDoctor(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .description(
      'Check this machine for `npm start`: Node.js and JDK versions, Maven, the database (server or embedded), the\n' +
        'Kafka broker, the ports the services use and the development keys; one line each, with the fix for what is wrong.\n' +
        'Exit codes: 0 nothing wrong, 1 something to fix.',
    )
    .option('--json', 'print the results as JSON')
    .action(async (flags: { json?: boolean }) => {
      const checks = loadChecks();
      const results = await checks.runChecks({ env: process.env });
      const problems = results.filter((r) => !r.ok);
      if (flags.json) ctx.io.out(JSON.stringify({ ok: problems.length === 0, checks: results }, null, 2) + '\n');
      else {
        for (const result of results) ctx.io.out(checks.formatCheck(result) + '\n');
        ctx.io.out(problems.length === 0 ? 'plaza doctor: nothing wrong; `npm start` can run.\n' : `plaza doctor: ${problems.length} to fix (see FAIL above).\n`);
      }
      ctx.setExitCode(problems.length === 0 ? EXIT_OK : EXIT_MISMATCH);
    });
}
