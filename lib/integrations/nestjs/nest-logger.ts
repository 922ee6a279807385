import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from '../../index.js';

/** The election's logger on NestJS's `Logger` (info is NestJS's `log`), so it follows the application's logger settings. */
export function nestLogger(context = 'LeaderElection'): Logger {
  const logger = new NestLogger(context);
  return {
    debug: (message) => logger.debug(message),
    info: (message) => logger.log(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}
