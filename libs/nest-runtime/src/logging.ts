import { LoggerModule } from 'nestjs-pino';

/** Structured JSON logs (pino); request logs carry method, url, status and duration, never the auth header. */
export function loggingModule(level: string, service: string) {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { service },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
    },
  });
}
