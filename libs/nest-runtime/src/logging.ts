import { LoggerModule } from 'nestjs-pino';

/**
 * A client's mistake (any 4xx: 400, 413, 415, 431 …) is not the server's: it is logged at info like any
 * answered request, even when a parser raised it as an error; error is for a 5xx or a failed response.
 */
export function httpLogLevel(statusCode: number, error?: unknown): 'info' | 'error' {
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'info';
  return error ? 'error' : 'info';
}

/** Structured JSON logs (pino); request logs carry method, url, status and duration, never the auth header. */
export function loggingModule(level: string, service: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { service },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      customLogLevel: (_req, res, error) => httpLogLevel(res.statusCode, error),
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
    },
  });
}
