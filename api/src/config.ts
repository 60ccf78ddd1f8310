/**
 * The API's configuration, parsed once at start-up from the environment. Variable names are the
 * ones `teamsapp.yml` and `env/.env.*` use; a bad or missing variable stops the process with every
 * problem named at once, instead of failing later on the first request that needs it.
 */
import {
  ConfigurationError,
  configurationProblems,
  GRAPH_APP_IDS,
  presentVariables,
  type ConsentAppId,
} from '@cas/core';
import { readConsentAppCredentials, type ConsentAppCredentials } from '@cas/microsoft365';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

const url = z.url({ protocol: /^https?$/ });
const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const environmentSchema = z.object({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3979),
  /**
   * Public origin the browser reaches the API at, used to build the consent callback URL. Locally
   * the tab server proxies `/api`, so it defaults to TAB_ORIGIN.
   */
  API_PUBLIC_URL: url.optional(),
  /** Origin of the tab: the only window the consent popup reports its result to. */
  TAB_ORIGIN: url.default('https://localhost:53000'),
  /** Entra authority host: production Entra, or the local emulator's origin. */
  AAD_APP_OAUTH_AUTHORITY_HOST: url.default('https://login.microsoftonline.com'),
  /**
   * Client id of the sign-in app (the tab's and the API's): the audience of the tokens the tab
   * sends. It exposes `access_as_user` and holds no application permissions; the consent apps
   * (one per consent step, `EXCHANGE_EWS_APP_*`, `EXCHANGE_GRAPH_APP_*`, `SHAREPOINT_APP_*`,
   * `ONEDRIVE_APP_*`) are read separately, see `readConsentAppCredentials`.
   */
  AAD_APP_CLIENT_ID: z.string().min(1),
  /** Client id whose tokens the tab sends, when not AAD_APP_CLIENT_ID (locally the emulator's API app). */
  SSO_APP_CLIENT_ID: z.string().min(1).optional(),
  /** Extra accepted audience, the SSO app's Application ID URI (`api://<tab domain>/<client id>`). */
  AAD_APP_ID_URI: z.string().min(1).optional(),
  /**
   * Shared key of the bot credential (32 random bytes, base64), the same value the bot has.
   * Unset: the API accepts no bot calls.
   */
  SECRET_BOT_API_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  GRAPH_BASE_URL: url.default('https://graph.microsoft.com'),
  /**
   * Where Exchange Web Services is (`{EWS_BASE_URL}/EWS/Exchange.asmx`): Service Account checks
   * the EWS token there while EWS_CONSENT_ENABLED. Exchange Online, or the emulator's origin locally.
   */
  EWS_BASE_URL: url.default('https://outlook.office365.com'),
  /** Seconds a token or discovery request to Entra may take before it fails (`request_timeout`). */
  ENTRA_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(300).default(10),
  /** Seconds one Graph request may take before it fails (`RequestTimeout`). */
  GRAPH_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(600).default(30),
  DATABASE_URL: z.string().min(1).optional(),
  /**
   * `redis://…`: request budgets are counted in Redis, shared by every API process. Unset: in
   * PostgreSQL when DATABASE_URL is set, else in memory (one process).
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Requests a signed-in user may make per minute, across all API processes. */
  API_RATE_LIMIT_PER_USER_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
  /** Requests without a valid credential (public routes, refused tokens) per client address per minute. */
  API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /**
   * Proxies whose X-Forwarded-For names the client address, comma-separated (proxy-addr: `loopback`,
   * `uniquelocal`, addresses, CIDRs). Default loopback: the tab server on the same host.
   */
  API_TRUSTED_PROXIES: z
    .string()
    .default('loopback')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    )
    .refine((entries) => {
      try {
        proxyaddr.compile(entries);
        return true;
      } catch {
        return false;
      }
    }, 'must be loopback, linklocal, uniquelocal, IP addresses or CIDR ranges, comma-separated'),
  DATA_DIR: z.string().min(1).default('.data'),
  /** 32 random bytes, base64: encrypts stored secrets and signs consent `state`. */
  SECRET_DATA_ENCRYPTION_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
  /** Exchange Web Services is being retired: false runs quarantine through Graph only. */
  EWS_CONSENT_ENABLED: booleanFlag.default(true),
  /** Allowed clock skew when validating token lifetimes. */
  TOKEN_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(120),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Parsed, validated configuration of the API. */
export type ApiConfig = z.infer<typeof environmentSchema> & {
  /** Credentials of the consent apps (the EWS app only when EWS_CONSENT_ENABLED). */
  readonly consentApps: ConsentAppCredentials['apps'];
};

/** Configuration was invalid; the message names every bad variable. */
export { ConfigurationError as ConfigError } from '@cas/core';

/** Parses the API's configuration from an environment map (defaults to `process.env`). */
export function loadApiConfig(environment: Record<string, string | undefined> = process.env): ApiConfig {
  const present = presentVariables(environment);
  const parsed = environmentSchema.safeParse(present);
  const ewsEnabled = parsed.success ? parsed.data.EWS_CONSENT_ENABLED : true;
  const credentials = readConsentAppCredentials(present, requiredConsentApps(ewsEnabled));
  const problems = [
    ...(parsed.success ? [] : configurationProblems(parsed.error.issues)),
    ...credentials.problems,
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigurationError('API', problems);
  return { ...parsed.data, consentApps: credentials.apps };
}

/** The consent apps a process needs credentials of: every Graph app, and the EWS app with EWS on. */
export function requiredConsentApps(ewsEnabled: boolean): ConsentAppId[] {
  return ewsEnabled ? ['exchangeOnlineEws', ...GRAPH_APP_IDS] : [...GRAPH_APP_IDS];
}
