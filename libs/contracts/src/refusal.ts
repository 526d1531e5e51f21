/**
 * Why a command was refused, in words a client can show. Deciders throw these; the HTTP layer maps
 * `NotFound` to 404 and `Refusal` to 409 with the reason (InvalidInput 400, Forbidden 403, Gone 410: see
 * libs/nest-runtime domain-errors), and nothing is written.
 */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

/** One field at fault and what is wrong with it (dotted path, e.g. `choices.0`). */
export interface FieldErrors {
  readonly field: string;
  readonly messages: string[];
}

/** Input that breaks a rule only the domain can check (a unit of another round, a ballot over budget): HTTP 400 with every field at fault. */
export class InvalidInput extends Error {
  constructor(readonly errors: readonly FieldErrors[]) {
    super(errors.map((e) => `${e.field}: ${e.messages.join(', ')}`).join('; '));
    this.name = 'InvalidInput';
  }

  /** From problems with one message each: problems on one field become one entry, messages in order. */
  static of(problems: readonly { readonly field: string; readonly message: string }[]): InvalidInput {
    const fields = [...new Set(problems.map((p) => p.field))];
    return new InvalidInput(fields.map((field) => ({ field, messages: problems.filter((p) => p.field === field).map((p) => p.message) })));
  }
}

/** A refusal because the caller may not do this at all (not the author, not on the roll): HTTP 403 with the code. */
export class Forbidden extends Refusal {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'Forbidden';
  }
}

/** A refusal because what was asked for existed once and is gone for good (a destroyed pseudonym link): HTTP 410. */
export class Gone extends Refusal {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'Gone';
  }
}
