/**
 * The worker's configuration, parsed once at start-up from the environment with the same names as
 * the API's. A bad variable stops the process with every problem named at once.
 */
import { ConfigurationError, configurationProblems, parseDailyTimeUtc, presentVariables } from '@cas/core';
import { z } from 'zod';

const url = z.url({ protocol: /^https?$/ });
const port = z.coerce.number().int().min(0).max(65535);
const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');
const base64Key = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded');

const environmentSchema = z.object({
  /** Unset: embedded SQLite in DATA_DIR; `postgres://…`: PostgreSQL, with pg-boss running sync jobs. */
  DATABASE_URL: z.string().min(1).optional(),
  /** Directory of the SQLite file and the captured mail (`<DATA_DIR>/mail`). */
  DATA_DIR: z.string().min(1).default('.data'),
  /** 32 random bytes, base64: the store's encryption key (the same value the API has). */
  SECRET_DATA_ENCRYPTION_KEY: base64Key,
  /** Entra authority host: production Entra, or the local emulator's origin. */
  AAD_APP_OAUTH_AUTHORITY_HOST: url.default('https://login.microsoftonline.com'),
  /** Client id of our multi-tenant Cloud App Security app (locally the emulator's CLOUD_APP_SECURITY_CLIENT_ID). */
  AAD_APP_CLIENT_ID: z.string().min(1),
  /** Client secret of AAD_APP_CLIENT_ID. */
  SECRET_AAD_APP_CLIENT_SECRET: z.string().min(1),
  /** When our client secret expires (ISO time); admins are warned SECRET_EXPIRY_WARNING_DAYS ahead. Unset: no warning. */
  AAD_APP_CLIENT_SECRET_EXPIRES_AT: z.iso.datetime({ offset: true }).optional(),
  /** Days before the secret expiry at which the warning notification is raised. */
  SECRET_EXPIRY_WARNING_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Microsoft Graph origin (the emulator's origin locally). */
  GRAPH_BASE_URL: url.default('https://graph.microsoft.com'),
  /** Seconds a token or discovery request to Entra may take before it fails (`request_timeout`). */
  ENTRA_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(300).default(10),
  /** Seconds one Graph request may take before it fails (`RequestTimeout`; sync retries it). */
  GRAPH_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(600).default(30),
  /** R4: daily synchronization of all-mode tenants at this UTC time, HH:MM. */
  SYNC_DAILY_TIME_UTC: z
    .string()
    .refine((value) => parseDailyTimeUtc(value).ok, 'must be HH:MM (00:00 to 23:59)')
    .default('02:00'),
  /** Minutes between delta synchronizations of all-mode tenants. */
  SYNC_DELTA_INTERVAL_MINUTES: z.coerce.number().min(0.05).max(1440).default(15),
  /** Minutes between token health checks of every provisioned tenant (R9). */
  TOKEN_HEALTH_INTERVAL_MINUTES: z.coerce.number().min(0.05).max(1440).default(15),
  /** How many tenants the token health check probes at once. */
  TOKEN_HEALTH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * The same value as the API's: true when Exchange Online uses EWS (Step 1), so token health also
   * checks the Exchange token's full_access_as_app.
   */
  EWS_CONSENT_ENABLED: booleanFlag.default(true),
  /** SMTP relay for notification email, e.g. `smtp://user:pass@relay:587`; unset: the local capture on SMTP_PORT. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  /** Port of the local SMTP capture (127.0.0.1). */
  SMTP_PORT: port.default(2525),
  /** Port of the local outbox viewer listing captured mail (127.0.0.1). */
  MAIL_VIEWER_PORT: port.default(3982),
  /** Sender of notification email. */
  NOTIFICATION_EMAIL_FROM: z.string().min(3).default('Cloud App Security <no-reply@cloudappsecurity.local>'),
  /** Seconds between passes of the email deliverer over the notification outbox. */
  EMAIL_DELIVERY_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  /** Seconds between looks for sync runs to start. */
  SYNC_POLL_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(600).default(2),
  /** Seconds a claimed sync run stays leased without a heartbeat before another worker takes it over. */
  SYNC_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Parsed, validated configuration of the worker. */
export type WorkerConfig = z.infer<typeof environmentSchema>;

/** Configuration was invalid; the message names every bad variable. */
export { ConfigurationError as WorkerConfigError } from '@cas/core';

/** Parses the worker's configuration from an environment map (defaults to `process.env`). */
export function loadWorkerConfig(
  environment: Record<string, string | undefined> = process.env,
): WorkerConfig {
  const parsed = environmentSchema.safeParse(presentVariables(environment));
  if (!parsed.success)
    throw new ConfigurationError('worker', configurationProblems(parsed.error.issues, '(environment)'));
  return parsed.data;
}
