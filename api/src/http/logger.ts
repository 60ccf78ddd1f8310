/**
 * Structured logs with pino. Secrets and tokens are redacted by path before anything is written,
 * so a careless `log.info({ req })` cannot leak an Authorization header or a client secret. The
 * paths are core's, shared with the worker and the bot.
 */
import { logOptions } from '@cas/core';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Creates the API's logger; tests pass a destination to read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(logOptions('cas-api', level), destination);
}
