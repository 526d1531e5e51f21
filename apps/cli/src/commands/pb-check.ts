import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CommandContext } from '../cli';
import { CliError, EXIT_MISMATCH, EXIT_OK } from '../cli-error';
import { checkPb, type CheckProblem } from '../pb/check';

interface CheckFlags {
  json?: boolean;
}

export function registerPb(program: Command, ctx: CommandContext): void {
  const pb = program.command('pb').description('Work with Pabulib .pb files');
  pb.command('check')
    .description(
      'Report every problem of .pb files: format, META consistency (num_votes, num_projects, budget vs costs), ballot\n' +
        'rules (min_length, max_length, max_sum_cost, points limits), votes/score columns vs a recount, selected vs\n' +
        'the stated rule. One line per problem: FILE:LINE: severity: explanation [check].\n' +
        'Exit codes: 0 no problem, 1 some problem found, 2 usage error or a file that does not exist.',
    )
    .argument('<files...>', '.pb files')
    .option('--json', 'print { files: [{ file, problems: [{ line, severity, code, message }] }] }')
    .action((files: string[], flags: CheckFlags) => {
      const results = files.map((file) => {
        if (!existsSync(file)) throw new CliError(`${file}: no such file`);
        return { file, problems: checkPb(readFileSync(file, 'utf8')) };
      });
      ctx.io.out(flags.json ? JSON.stringify({ files: results }, null, 2) + '\n' : formatCheck(results));
      ctx.setExitCode(results.some((r) => r.problems.length > 0) ? EXIT_MISMATCH : EXIT_OK);
    });
}

export function formatCheck(results: readonly { file: string; problems: readonly CheckProblem[] }[]): string {
  const lines: string[] = [];
  for (const { file, problems } of results) {
    if (problems.length === 0) {
      lines.push(`${file}: ok`);
      continue;
    }
    for (const p of problems) lines.push(`${file}:${p.line}: ${p.severity}: ${p.message} [${p.code}]`);
    const errors = problems.filter((p) => p.severity === 'error').length;
    lines.push(`${file}: ${errors} error${errors === 1 ? '' : 's'}, ${problems.length - errors} warning${problems.length - errors === 1 ? '' : 's'}`);
  }
  return lines.join('\n') + '\n';
}
