import { LoggerModule } from 'nestjs-pino';

/** Structured JSON logs (pino); request logs carry method, url, status and duration, never the auth header. */
export function loggingModule(level: string, service: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { service },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      // A client's mistake (4xx, 413, 415 included) is not the server's: warn, and error only for 5xx.
      customLogLevel: (_req, res, error) => (res.statusCode >= 500 || (error && res.statusCode < 400) ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
    },
  });
}
