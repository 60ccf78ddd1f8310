/**
 * Structured logs with pino; credentials and tokens are redacted by path (core's list, shared
 * with the API and the worker) before anything is written.
 */
import { logOptions } from '@cas/core';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Creates the bot's logger; tests pass a destination to read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(logOptions('cas-bot', level), destination);
}
