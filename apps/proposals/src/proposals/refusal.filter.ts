import { Catch, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { NotFound, Refusal } from '@plaza/contracts';
import { RefusalFilter } from '@plaza/nest-runtime';
import type { Response } from 'express';

/** Codes that mean "not yours to do" rather than "not now": 403 instead of 409. */
const FORBIDDEN = new Set(['not-author']);

@Catch(Refusal, NotFound)
export class ProposalRefusalFilter extends RefusalFilter {
  override catch(error: Refusal | NotFound, host: ArgumentsHost): void {
    if (error instanceof Refusal && FORBIDDEN.has(error.code)) {
      host.switchToHttp().getResponse<Response>().status(HttpStatus.FORBIDDEN).json({ statusCode: 403, error: 'Forbidden', code: error.code, message: error.message });
      return;
    }
    super.catch(error, host);
  }
}
