/**
 * A `.pb` text or document that breaks the format. `line` is 1-based; `message` starts with `line N:` so the error is
 * useful when only the message is logged, and `reason` is the bare problem.
 */
export class PbParseError extends Error {
  override readonly name = 'PbParseError';
  readonly line: number;
  readonly reason: string;

  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}
