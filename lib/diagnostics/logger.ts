/**
 * Where the election says what it does and what goes wrong: any object with console's methods
 * (console itself, pino, winston, a NestJS Logger adapter). Every method is optional. Messages
 * name the lease, the verb and the HTTP status, never credentials.
 */
export interface Logger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/** The default: says nothing. */
export const quietLogger: Logger = {};
