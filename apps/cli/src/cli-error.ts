/** Exit codes of `plaza`: 0 ok, 1 a comparison found a mismatch, 2 usage or input error. */
export const EXIT_OK = 0;
export const EXIT_MISMATCH = 1;
export const EXIT_USAGE = 2;

/** An error the user can fix: printed as `plaza: <message>` without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
  }
}
