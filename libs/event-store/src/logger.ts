/** The few logging calls the store makes; Nest's Logger, pino and console all fit. */
export interface EventStoreLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, trace?: string): void;
}

export const consoleLogger: EventStoreLogger = {
  log: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, trace) => console.error(trace ? `${message}\n${trace}` : message),
};

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
