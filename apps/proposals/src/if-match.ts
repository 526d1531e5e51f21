import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * Optimistic concurrency for clients that edit (STYLE.md: the version as an ETag): GETs send `ETag: "<version>"`,
 * commands honour `If-Match: "<version>"` and answer 409 when the round or proposal moved on meanwhile.
 */
export const IfMatchVersion = createParamDecorator((_: unknown, ctx: ExecutionContext): number | undefined => {
  const header = ctx.switchToHttp().getRequest<Request>().header('if-match');
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'Validation failed', errors: [{ field: 'If-Match', messages: ['If-Match must be a version ETag such as "3"'] }] });
  return Number(match[1]);
});

export const etag = (version: number) => `"${version}"`;
