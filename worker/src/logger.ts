/**
 * The worker's structured logs with pino. Credentials and tokens are redacted by path (core's
 * list, the same the API and the bot use) before anything is written, so an error carrying a
 * request, a token or a connection string cannot leak it.
 */
import { logOptions } from '@cas/core';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Creates the worker's logger; tests pass a destination to read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(logOptions('worker', level), destination);
}
