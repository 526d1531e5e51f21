/**
 * Why a command was refused, in words a client can show. Deciders throw these; the HTTP layer maps
 * `NotFound` to 404 and `Refusal` to 409 with the reason, and nothing is written.
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
