/**
 * Where credentials sit in the objects our processes log: one list for the API, the worker and
 * the bot, so "secrets never reach the logs" is one rule, not three that drift. Paths use pino's
 * `redact` syntax (`*` is one level of any key); loggers replace the values with "[redacted]".
 */

/** Log object paths whose values are never written. */
export const REDACTED_LOG_PATHS: readonly string[] = [
  // HTTP requests and headers: bearer tokens, bot credentials, cookies.
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'cookie',
  // OAuth tokens and client credentials, as msal-node and Entra name them.
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'clientSecret',
  'client_secret',
  'clientAssertion',
  'client_assertion',
  'password',
  // Connection strings that may carry a password.
  'smtpUrl',
  'databaseUrl',
  // The same one level down (`{ request: { authorization } }`, `{ options: { clientSecret } }`).
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.clientSecret',
  '*.client_secret',
  '*.password',
  '*.headers.authorization',
];

/**
 * The logger options every process uses (pino's): its name, its level, and the redaction of
 * credentials. pino serializes `err` with its standard serializer by default.
 */
export function logOptions(
  name: string,
  level: string,
): { name: string; level: string; redact: { paths: string[]; censor: string } } {
  return { name, level, redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' } };
}
