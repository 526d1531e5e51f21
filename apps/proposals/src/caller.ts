import { UnauthorizedException } from '@nestjs/common';
import type { Caller } from '@plaza/nest-runtime';

/** The token's subject: who is acting (never taken from a request body). */
export function subject(caller: Caller | undefined): string {
  if (!caller) throw new UnauthorizedException('authentication required');
  return caller.sub;
}
