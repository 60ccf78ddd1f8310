/** Structured logs with pino; credentials and tokens are redacted by path before anything is written. */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino replaces with "[redacted]" wherever they appear in a log object. */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
];

/** Creates the bot's logger; tests pass a destination to read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'cas-bot',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
