/**
 * Where the election says what it does and what goes wrong: any object with console's methods
 * (console itself, pino, winston, a NestJS Logger adapter). Every method is optional. Messages
 * name the lease, the verb and the HTTP status, never credentials.
 */
export interface Logger {
  /** Detail for investigations: a watch reopened, a release that did not happen. */
  debug?(message: string): void;
  /** Changes of state: started or stopped leading, handing over, API calls succeeding again. */
  info?(message: string): void;
  /** Trouble the election works around: failed calls being retried, a forbidden watch, an answer too late to trust. */
  warn?(message: string): void;
  /** Trouble it cannot work around. */
  error?(message: string): void;
}

/** The default: says nothing. */
export const quietLogger: Logger = {};

/** The logger with every method guarded: a logger that throws (a closed transport, an unbound method) never decides the election. */
export function guardedLogger(logger: Logger): Logger {
  const guard = (method: keyof Logger) => (message: string) => {
    try {
      logger[method]?.(message);
    } catch {
      // logging must not decide the election
    }
  };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}
