import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { v7 as uuidv7 } from 'uuid';

/** The injected clock: handlers take time from here so tests can move it (never from `new Date()` inline). */
export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const CORRELATION = /^[A-Za-z0-9._:-]{1,100}$/;

/** The request's correlation id: the caller's `X-Correlation-Id` when well-formed, else a new UUIDv7. */
export const CorrelationId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const header = ctx.switchToHttp().getRequest<Request>().header('x-correlation-id');
  return header && CORRELATION.test(header) ? header : uuidv7();
});
