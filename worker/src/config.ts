/**
 * The worker's configuration, parsed once at start-up from the environment with the same names as
 * the API's. A bad variable stops the process with every problem named at once.
 */
import {
  ConfigurationError,
  configurationProblems,
  GRAPH_APP_IDS,
  parseDailyTimeUtc,
  presentVariables,
} from '@cas/core';
import { readConsentAppCredentials, type ConsentAppCredentials } from '@cas/microsoft365';
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
  /**
   * Days before a consent app's client secret (`<APP>_CLIENT_SECRET_EXPIRES_AT`) or certificate
   * expires at which the operators are warned (a log alert; customers are not told). The consent
   * apps' credentials themselves are read by `readConsentAppCredentials`, as the API reads them.
   */
  SECRET_EXPIRY_WARNING_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Microsoft Graph origin (the emulator's origin locally). */
  GRAPH_BASE_URL: url.default('https://graph.microsoft.com'),
  /** Seconds a token or discovery request to Entra may take before it fails (`request_timeout`). */
  ENTRA_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(300).default(10),
  /** Seconds one Graph request may take before it fails (`RequestTimeout`; sync retries it). */
  GRAPH_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(600).default(30),
  /**
   * Resource units per 20 s this worker process spends across all tenants, under Graph's per-app
   * limit of 150,000 (shared by every process of the app): 45% lets two processes run with room.
   */
  GRAPH_APP_PACING_UNITS: z.coerce.number().int().min(100).max(150_000).default(67_500),
  /** R4: daily synchronization of all-mode tenants at this UTC time, HH:MM. */
  SYNC_DAILY_TIME_UTC: z
    .string()
    .refine((value) => parseDailyTimeUtc(value).ok, 'must be HH:MM (00:00 to 23:59)')
    .default('02:00'),
  /** Minutes between delta synchronizations of all-mode tenants. */
  SYNC_DELTA_INTERVAL_MINUTES: z.coerce.number().min(0.05).max(1440).default(15),
  /**
   * R4: days between full reconciling rounds of a tenant's directory; in between, the daily run is
   * a delta round (a full round also runs on the first sync, on an expired delta token and on a
   * manual sync).
   */
  SYNC_FULL_ROUND_INTERVAL_DAYS: z.coerce.number().min(0.001).max(365).default(7),
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
  /** Sync runs (of different tenants) one worker process executes at once. */
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Seconds a claimed sync run stays leased without a heartbeat before another worker takes it over. */
  SYNC_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  /**
   * Our public HTTPS endpoint Graph posts change notifications to (the API's
   * `/api/change-notifications`, e.g. `https://<tab domain>/api/change-notifications`). Unset:
   * no subscriptions, delta polling only (ADR 0014).
   */
  CHANGE_NOTIFICATION_URL: url.optional(),
  /** Where Graph posts lifecycle events; default `<CHANGE_NOTIFICATION_URL>/lifecycle`. */
  CHANGE_NOTIFICATION_LIFECYCLE_URL: url.optional(),
  /** Seconds a tenant's first change notification waits for the rest of its burst before one delta round. */
  CHANGE_NOTIFICATION_DEBOUNCE_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  /** Seconds between looks for received notifications and lifecycle events. */
  CHANGE_NOTIFICATION_POLL_SECONDS: z.coerce.number().min(0.1).max(600).default(2),
  /** Lifetime asked for a subscription (Graph allows at most 41,760 minutes for users and groups). */
  CHANGE_SUBSCRIPTION_LIFETIME_MINUTES: z.coerce.number().min(5).max(41_760).default(41_700),
  /** Renew a subscription when less than this is left. */
  CHANGE_SUBSCRIPTION_RENEW_BEFORE_MINUTES: z.coerce.number().min(1).max(41_760).default(10_080),
  /** Seconds between subscription upkeep passes (create, renew, delete as tenants change). */
  CHANGE_SUBSCRIPTION_UPKEEP_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  /** Minutes between comparisons of a tenant's subscriptions with Graph's list (a lost one is re-created). */
  CHANGE_SUBSCRIPTION_VERIFY_MINUTES: z.coerce.number().min(0).max(1440).default(30),
  /** Minutes between delta rounds of a tenant whose change notifications are active (the safety net). */
  SYNC_DELTA_INTERVAL_WITH_NOTIFICATIONS_MINUTES: z.coerce.number().min(0.05).max(1440).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Parsed, validated configuration of the worker. */
export type WorkerConfig = z.infer<typeof environmentSchema> & {
  /** Credentials of the consent apps (the EWS app only when EWS_CONSENT_ENABLED). */
  readonly consentApps: ConsentAppCredentials['apps'];
  /** Client secret expiries the operator gave, per app. */
  readonly secretExpiries: ConsentAppCredentials['secretExpiries'];
};

/** Configuration was invalid; the message names every bad variable. */
export { ConfigurationError as WorkerConfigError } from '@cas/core';

/** Parses the worker's configuration from an environment map (defaults to `process.env`). */
export function loadWorkerConfig(
  environment: Record<string, string | undefined> = process.env,
): WorkerConfig {
  const present = presentVariables(environment);
  const parsed = environmentSchema.safeParse(present);
  const ewsEnabled = parsed.success ? parsed.data.EWS_CONSENT_ENABLED : true;
  const credentials = readConsentAppCredentials(
    present,
    ewsEnabled ? ['exchangeOnlineEws', ...GRAPH_APP_IDS] : GRAPH_APP_IDS,
  );
  const problems = [
    ...(parsed.success ? [] : configurationProblems(parsed.error.issues, '(environment)')),
    ...credentials.problems,
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigurationError('worker', problems);
  return { ...parsed.data, consentApps: credentials.apps, secretExpiries: credentials.secretExpiries };
}
