import {
  BadRequestException,
  HttpStatus,
  Injectable,
  PayloadTooLargeException,
  SetMetadata,
  UnsupportedMediaTypeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import type { Socket } from 'node:net';
import { from, switchMap, type Observable } from 'rxjs';
import type { FieldError } from './http';

/**
 * Bounded, strict input at the HTTP edge (README "Input limits"): every request body is read here, not by a
 * body-parser middleware, so its size and depth are checked per route before anything parses or validates it.
 */

export interface BodyLimitOptions {
  /** Largest body in bytes (413 above it). */
  readonly maxBytes?: number;
  /** Deepest nesting of JSON arrays and objects (400 above it). */
  readonly maxDepth?: number;
  /** Said after the 413's message: what to do instead (e.g. the streaming route for a larger file). */
  readonly whenTooLarge?: string;
}

export const DEFAULT_BODY_LIMITS: Required<Omit<BodyLimitOptions, 'whenTooLarge'>> = { maxBytes: 100 * 1024, maxDepth: 16 };
/** The JSON bulk routes' limit (README "Input limits"): `POST /rounds/:roundId/voters/roll`, a roll as one CSV string. */
export const BULK_BODY_MAX_BYTES = 10 * 1024 * 1024;
/** Longest request target (path and query) answered normally; longer gets 414. Node refuses > 16 KiB headers with 431. */
export const MAX_URL_LENGTH = 8 * 1024;
/** Keys that would reach an object's prototype machinery: refused like any other unknown field. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

const BODY_LIMITS = 'plaza:body-limits';
/** The metadata key @nestjs/swagger's @ApiConsumes writes (its constants are not exported): one declaration for docs and checks. */
const API_CONSUMES = 'swagger/apiConsumes';

/** Per-route body limits over DEFAULT_BODY_LIMITS (on a handler or a controller). */
export const BodyLimits = (options: BodyLimitOptions) => SetMetadata(BODY_LIMITS, options);

/** 400 in the same shape as the validation pipe's: one entry per field. */
export function inputRefused(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'Validation failed', errors });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL (or any UTF-8 consumer) could not store this text, or undefined when it can. */
export function unstorableText(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired surrogates (not valid Unicode)';
  return undefined;
}

/** Problems with a parsed JSON value: forbidden keys, text PostgreSQL cannot store, numbers beyond ±(2^53 − 1). */
export function jsonProblems(value: unknown, path = ''): FieldError[] {
  const out: FieldError[] = [];
  const here = (key: string) => (path ? `${path}.${key}` : key);
  const visit = (v: unknown, field: string) => {
    if (typeof v === 'string') {
      const why = unstorableText(v);
      if (why) out.push({ field: field || 'body', messages: [`${field || 'body'} ${why}`] });
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER)
        // Named like class-validator names a property (its own key, not the path), so forms show one style.
        out.push({ field: field || 'body', messages: [`${field.split('.').pop() || 'body'} must be a number between -(2^53 - 1) and 2^53 - 1`] });
    } else if (v !== null && typeof v === 'object') {
      out.push(...jsonProblems(v, field));
    }
  };
  if (Array.isArray(value)) {
    value.forEach((item, i) => visit(item, here(String(i))));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const field = here(key);
      const why = unstorableText(key);
      if (FORBIDDEN_KEYS.includes(key)) out.push({ field, messages: [`property ${key} should not exist`] });
      else if (why) out.push({ field: field.split('\u0000').join('\\u0000'), messages: [`property name ${why}`] });
      else visit((value as Record<string, unknown>)[key], field);
    }
  } else {
    visit(value, path);
  }
  return out;
}

/** Deepest nesting of arrays/objects in JSON text, stopping as soon as `limit` is exceeded (never recursive). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

interface MediaType {
  readonly type: string;
  readonly charset?: string;
}

function mediaType(header: string | undefined): MediaType | undefined {
  if (!header) return undefined;
  const [type, ...params] = header.split(';');
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(p)?.[1]).find(Boolean);
  return { type: type.trim().toLowerCase(), charset: charset?.toLowerCase() };
}

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** The 413's message: the limit, the route it belongs to, and what to do instead when the route says so. */
export function bodyTooLargeMessage(maxBytes: number, route: string | undefined, whenTooLarge?: string): string {
  return `the request body is larger than ${maxBytes} bytes${route ? `, the limit of ${route}` : ''}${whenTooLarge ? `; ${whenTooLarge}` : ''}`;
}

function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: string } | undefined)?.path;
  return typeof path === 'string' ? `${req.method} ${path}` : undefined;
}

async function readBody(req: Request, limits: BodyLimitOptions & { maxBytes: number }): Promise<Buffer> {
  const maxBytes = limits.maxBytes;
  const tooLarge = () => new PayloadTooLargeException(bodyTooLargeMessage(maxBytes, routeOf(req), limits.whenTooLarge));
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The fields of a body that is not valid UTF-8: those whose decoded text holds U+FFFD, else the body itself. */
function invalidUtf8Fields(bytes: Buffer): FieldError[] {
  const fields = new Set<string>();
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'string' && v.includes('\uFFFD')) fields.add(path || 'body');
    else if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
  };
  try {
    walk(JSON.parse(bytes.toString('utf8')), '');
  } catch {
    // not JSON either: the body as a whole
  }
  if (fields.size === 0) fields.add('body');
  return [...fields].map((field) => ({ field, messages: [`${field} is not valid UTF-8`] }));
}

/**
 * Makes the request's own async iterator refuse, chunk by chunk, bytes that are not UTF-8 or hold NUL, so a
 * handler reading a large text body itself gets the same 400 as a JSON body, without the body being buffered here.
 */
function guardTextStream(req: Request): void {
  const original = (req as unknown as AsyncIterable<Buffer>)[Symbol.asyncIterator].bind(req);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const refuse = (message: string) => inputRefused([{ field: 'body', messages: [message] }]);
  async function* checked(): AsyncGenerator<Buffer> {
    let offset = 0;
    for await (const chunk of { [Symbol.asyncIterator]: original } as AsyncIterable<Buffer>) {
      const nul = chunk.indexOf(0);
      if (nul >= 0) throw refuse(`body must not contain NUL characters (byte ${offset + nul})`);
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        throw refuse(`body is not valid UTF-8 (within bytes ${offset}-${offset + chunk.length - 1})`);
      }
      offset += chunk.length;
      yield chunk;
    }
    try {
      decoder.decode();
    } catch {
      throw refuse('body is not valid UTF-8 (it ends inside a character)');
    }
  }
  Object.defineProperty(req, Symbol.asyncIterator, { configurable: true, value: checked });
}

/** Decodes and checks the query string as sent (Express would turn bad percent-encoding into U+FFFD). */
export function queryProblems(url: string): FieldError[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const out: FieldError[] = [];
  for (const part of url.slice(q + 1).split('&')) {
    if (!part) continue;
    const [rawKey, ...rest] = part.split('=');
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    let key: string;
    try {
      key = decode(rawKey);
    } catch {
      out.push({ field: rawKey, messages: ['query parameter name is not valid UTF-8 percent-encoding'] });
      continue;
    }
    const keyWhy = unstorableText(key);
    if (keyWhy) {
      out.push({ field: rawKey, messages: [`query parameter name ${keyWhy}`] });
      continue;
    }
    if (FORBIDDEN_KEYS.includes(key)) {
      out.push({ field: key, messages: [`property ${key} should not exist`] });
      continue;
    }
    let value: string;
    try {
      value = decode(rest.join('='));
    } catch {
      out.push({ field: key, messages: [`${key} is not valid UTF-8 percent-encoding`] });
      continue;
    }
    const why = unstorableText(value);
    if (why) out.push({ field: key, messages: [`${key} ${why}`] });
  }
  return out;
}

/**
 * The global interceptor (after the auth guard, before any pipe): refuses unstorable text in the query and
 * path, a body of a media type the route does not consume (415; JSON unless the route says @ApiConsumes),
 * reads a JSON body within the route's limits (413 / 400) as strict UTF-8 and checks its keys and values.
 */
@Injectable()
export class InputInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector = new Reflector()) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    return from(this.check(context, req)).pipe(switchMap(() => next.handle()));
  }

  private async check(context: ExecutionContext, req: Request): Promise<void> {
    const targets = [context.getHandler(), context.getClass()];
    const problems = queryProblems(req.originalUrl ?? req.url);
    for (const [name, value] of Object.entries(req.params ?? {})) {
      const why = typeof value === 'string' ? unstorableText(value) : undefined;
      if (why) problems.push({ field: name, messages: [`${name} ${why}`] });
    }
    if (problems.length > 0) throw inputRefused(problems);
    if (!hasBody(req)) return;

    const consumes = this.reflector.getAllAndOverride<string[] | undefined>(API_CONSUMES, targets) ?? ['application/json'];
    const media = mediaType(req.headers['content-type']);
    if (!media || !consumes.includes(media.type)) {
      throw new UnsupportedMediaTypeException(`send the body as ${consumes.join(' or ')}${media ? ` (not ${media.type})` : ''}`);
    }
    if (media.type !== 'application/json') {
      // The handler reads the stream itself (e.g. a 50 MB text/csv roll): the same text rules, checked as it reads.
      if (media.type.startsWith('text/')) guardTextStream(req);
      return;
    }
    if (media.charset && media.charset !== 'utf-8' && media.charset !== 'utf8') {
      throw new UnsupportedMediaTypeException(`send JSON as UTF-8 (not charset=${media.charset})`);
    }

    const limits = { ...DEFAULT_BODY_LIMITS, ...this.reflector.getAllAndOverride<BodyLimitOptions | undefined>(BODY_LIMITS, targets) };
    const bytes = await readBody(req, limits);
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      throw inputRefused(invalidUtf8Fields(bytes));
    }
    if (text.trim() === '') return;
    if (jsonDepthExceeds(text, limits.maxDepth)) {
      throw inputRefused([{ field: 'body', messages: [`JSON must not be nested deeper than ${limits.maxDepth} levels`] }]);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `malformed JSON: ${(error as Error).message}` });
    }
    const found = jsonProblems(body);
    if (found.length > 0) throw inputRefused(found);
    req.body = body;
  }
}

/** 414 with a body for a request target longer than MAX_URL_LENGTH (before routing, so for every path). */
export function urlLengthLimit(max = MAX_URL_LENGTH) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if ((req.originalUrl ?? req.url).length <= max) return next();
    res.status(HttpStatus.URI_TOO_LONG).json({ statusCode: 414, error: 'URI Too Long', message: `the request target is longer than ${max} characters` });
  };
}

const CLIENT_ERROR_BODIES: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request line and headers are larger than the server accepts (16 KiB)'],
};

/**
 * Node's own answer to a request it cannot parse (e.g. a 100 KB query string) is a bare status and an
 * immediate close, which a client still sending sees as a connection reset: answer with a JSON body and
 * close only after the client has had the chance to read it.
 */
export function answerClientErrors(server: { on(event: 'clientError', listener: (error: Error & { code?: string }, socket: Socket) => void): unknown }): void {
  server.on('clientError', (error, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, message] = CLIENT_ERROR_BODIES[error.code ?? ''] ?? [400, 'Bad Request', 'the request could not be parsed as HTTP/1.1'];
    const body = JSON.stringify({ statusCode: status, error: reason, message });
    socket.on('error', () => socket.destroy());
    socket.resume();
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), 2000).unref();
  });
}
