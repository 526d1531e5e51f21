import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ConflictException,
  HttpStatus,
  ValidationPipe,
  type ExceptionFilter,
  type INestApplication,
  type ValidationError,
} from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { NotFound, Refusal } from '@plaza/contracts';
import { ConcurrencyError } from '@plaza/event-store';
import type { Response } from 'express';

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

export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  exceptionFactory: (errors) => validationFailed(fieldErrors(errors)),
});

/** An optimistic-concurrency conflict is the client's to retry: 409 with the stream's versions. */
@Catch(ConcurrencyError)
export class ConcurrencyErrorFilter implements ExceptionFilter {
  catch(error: ConcurrencyError, host: ArgumentsHost): void {
    const body = new ConflictException({
      statusCode: HttpStatus.CONFLICT,
      error: 'Conflict',
      message: 'the resource was changed concurrently; reload and retry',
      streamId: error.streamId,
      expectedVersion: error.expectedVersion,
      actualVersion: error.actualVersion ?? null,
    }).getResponse();
    host.switchToHttp().getResponse<Response>().status(HttpStatus.CONFLICT).json(body);
  }
}

/** The HTTP conventions every Plaza service shares: validation, error mapping, OpenAPI at /docs. */
export function configureHttp(app: INestApplication, api: { title: string; description: string; version?: string }): void {
  app.useGlobalPipes(validationPipe);
  app.useGlobalFilters(new ConcurrencyErrorFilter(), new RefusalFilter());
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

/** Domain refusals from deciders: 404 for what does not exist, 409 with a reason for a rule that says no. */
@Catch(Refusal, NotFound)
export class RefusalFilter implements ExceptionFilter {
  catch(error: Refusal | NotFound, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof NotFound) {
      res.status(HttpStatus.NOT_FOUND).json({ statusCode: 404, error: 'Not Found', message: error.message });
      return;
    }
    res.status(HttpStatus.CONFLICT).json({
      statusCode: 409,
      error: 'Conflict',
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
    });
  }
}
