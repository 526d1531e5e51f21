import { Command, CommanderError } from 'commander';
import { CliError, EXIT_OK, EXIT_USAGE } from './cli-error';
import { COMMANDS } from './commands';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** What a command gets besides its arguments: where to print, and how to set the exit code. */
export interface CommandContext {
  readonly io: Io;
  setExitCode(code: number): void;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export function buildProgram(ctx: CommandContext): Command {
  const output = { writeOut: (s: string) => ctx.io.out(s), writeErr: (s: string) => ctx.io.err(s) };
  const program = new Command('plaza')
    .description('Plaza participatory budgeting: tally .pb files and verify published results')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput(output);
  for (const register of COMMANDS) register(program, ctx);
  const all = (cmds: readonly Command[]): Command[] => cmds.flatMap((c) => [c, ...all(c.commands)]);
  for (const cmd of all(program.commands)) cmd.exitOverride().configureOutput(output);
  return program;
}

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit code: 0 ok, 1 comparison mismatch,
 * 2 usage or input error. Errors print as one line without a stack trace (PLAZA_DEBUG=1 shows it).
 */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram({ io, setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander reports --help / --version through an exception; its own usage errors are already printed.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help'
        ? EXIT_OK
        : EXIT_USAGE;
    }
    if (e instanceof CliError) {
      io.err(`plaza: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`plaza: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env['PLAZA_DEBUG'] && e instanceof Error && e.stack) io.err(e.stack + '\n');
    return EXIT_USAGE;
  }
}
