import { BadRequestException, ValidationPipe, type ArgumentMetadata, type INestApplication, type ValidationError } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { IdempotencyStore } from '@plaza/event-store';
import { IdempotencyInterceptor } from './idempotency';
import { InputInterceptor, urlLengthLimit } from './input';
import { CLOCK, type Clock } from './request-context';
import { DomainErrorFilter } from './domain-errors';
import { TransientErrorFilter } from './transient';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `districts.0.budget`. */
  readonly field: string;
  readonly messages: string[];
}

export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

/** 400 body for invalid input: one entry per field, nothing else (no stack, no internals). */
export function validationFailed(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'Validation failed', errors });
}

const ANY_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL_INTEGER = /^-?\d{1,16}$/;

/** Lower-cases, in place, every value of a property declared @IsUUID (each item of an array one), nested DTOs included. */
function canonicaliseUuids(value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 32) return;
  if (Array.isArray(value)) {
    for (const item of value) canonicaliseUuids(item, depth + 1);
    return;
  }
  const uuidProps = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(value.constructor, '', true, false)
      .filter((m) => m.name === 'isUuid')
      .map((m) => m.propertyName),
  );
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (uuidProps.has(key) && typeof v === 'string') record[key] = v.toLowerCase();
    else if (uuidProps.has(key) && Array.isArray(v)) record[key] = v.map((x: unknown) => (typeof x === 'string' ? x.toLowerCase() : x));
    else canonicaliseUuids(v, depth + 1);
  }
}

/**
 * The global ValidationPipe (whitelist, forbidNonWhitelisted) plus the edge rules of README "Input limits":
 * a UUID is one form (lower case) before any command sees it, and an integer in a path or query is a decimal
 * safe integer (±2^53 − 1: every bigint column holds it exactly), never a double rounded on its way to SQL.
 */
export class PlazaValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      forbidUnknownValues: true,
      exceptionFactory: (errors) => validationFailed(fieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const field = metadata.data ?? metadata.type;
    if ((metadata.type === 'param' || metadata.type === 'query') && typeof value === 'string') {
      if (metadata.metatype === Number && !(DECIMAL_INTEGER.test(value) && Number.isSafeInteger(Number(value)))) {
        throw validationFailed([{ field, messages: [`${field} must be a decimal integer between -(2^53 - 1) and 2^53 - 1`] }]);
      }
      if (ANY_CASE_UUID.test(value)) value = value.toLowerCase();
    }
    const result = await super.transform(value, metadata);
    if (metadata.type === 'query' && result !== null && typeof result === 'object' && value !== null && typeof value === 'object') {
      const sent = value as Record<string, unknown>;
      const unsafe = Object.entries(result).filter(
        ([k, v]) => typeof v === 'number' && typeof sent[k] === 'string' && !(DECIMAL_INTEGER.test(sent[k]) && Number.isSafeInteger(v)),
      );
      if (unsafe.length > 0) {
        throw validationFailed(unsafe.map(([k]) => ({ field: k, messages: [`${k} must be a decimal integer between -(2^53 - 1) and 2^53 - 1`] })));
      }
    }
    canonicaliseUuids(result);
    return result;
  }
}

export const validationPipe = new PlazaValidationPipe();

/**
 * The HTTP conventions every Plaza service shares: validation, error mapping (503 for a lost connection, then
 * domainErrorResponse: 400/403/404/409/410, then Nest's own), `Idempotency-Key` on command endpoints, OpenAPI
 * at /docs. The app provides CLOCK and DatabaseModule (its IdempotencyStore).
 */
export function configureHttp(app: INestApplication, api: { title: string; description: string; version?: string }): void {
  app.use(urlLengthLimit());
  const reflector = app.get(Reflector);
  app.useGlobalInterceptors(
    new InputInterceptor(reflector),
    new IdempotencyInterceptor(reflector, app.get(IdempotencyStore, { strict: false }), app.get<Clock>(CLOCK, { strict: false })),
  );
  app.useGlobalPipes(validationPipe);
  // Tried last to first: the catch-all TransientErrorFilter only sees what the specific ones do not take.
  app.useGlobalFilters(new TransientErrorFilter(app.get(HttpAdapterHost).httpAdapter), new DomainErrorFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(api.title)
      .setDescription(api.description)
      .setVersion(api.version ?? '0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Plaza or OIDC access token; see README "Auth"' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
