/**
 * The bot's configuration, parsed once at start-up from the environment. Variable names are the
 * ones `teamsapp.yml` and `env/.env.*` use; a bad or missing variable stops the process with every
 * problem named at once.
 */
import { isIP } from 'node:net';
import { ConfigurationError, configurationProblems, presentVariables } from '@cas/core';
import { z } from 'zod';

const base64Key = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded');

/** Entra's public-cloud authority: the deployment is a production one. */
export const PRODUCTION_AUTHORITY = 'https://login.microsoftonline.com';

const environmentSchema = z.object({
  /**
   * `botFramework` (default): every activity must carry a Bot Connector token for BOT_ID and come
   * from Teams. `none`: a development setting for the Microsoft 365 Agents Playground on this
   * machine only (`npm start` sets it); refused outside loopback and with a non-local authority.
   */
  BOT_AUTHENTICATION: z.enum(['botFramework', 'none']).default('botFramework'),
  /**
   * The Entra authority of the deployment (the same value the API and worker have). The bot only
   * reads it to tell a local emulator from Entra, where BOT_AUTHENTICATION=none is refused.
   */
  AAD_APP_OAUTH_AUTHORITY_HOST: z.url({ protocol: /^https$/ }).default(PRODUCTION_AUTHORITY),
  /** Microsoft App ID of the Azure Bot (Teams Toolkit's `aadApp/create` writes it). Required with Bot Framework authentication. */
  BOT_ID: z.string().default(''),
  /** Client secret of BOT_ID (env/.env.<env>.user). Required with BOT_ID. */
  SECRET_BOT_PASSWORD: z.string().default(''),
  /** Tenant of the SingleTenant bot registration. Required with BOT_ID. */
  BOT_TENANT_ID: z.string().default(''),
  /** Address the bot's HTTP server listens on. */
  BOT_HOST: z.string().min(1).default('127.0.0.1'),
  /** Port of `/api/messages` (Teams Toolkit's default 3978; 0 = any free port). */
  BOT_PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  /** Origin of the Cloud App Security API the bot calls on behalf of Teams users. */
  API_ORIGIN: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3979'),
  /** Shared key of the bot credential (32 random bytes, base64), the same value the API has. */
  SECRET_BOT_API_KEY: base64Key,
  /** Teams app id of our app package: deep links into the tab (Open Service Account) need it. */
  TEAMS_APP_ID: z.string().min(1).default('00000000-0000-0000-0000-000000000000'),
  /** Unset → embedded SQLite in DATA_DIR; `postgres://…` → PostgreSQL (shared with the API and worker). */
  DATABASE_URL: z.string().min(1).optional(),
  /** Directory of the embedded SQLite database. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** 32 random bytes, base64: the store's encryption key (the same value the API has). */
  SECRET_DATA_ENCRYPTION_KEY: base64Key,
  /** How often the bot looks for notifications to post, in seconds. */
  BOT_DELIVERY_INTERVAL_SECONDS: z.coerce.number().min(0.05).max(3600).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Parsed, validated configuration of the bot. */
export type BotConfig = z.infer<typeof environmentSchema>;

/** Configuration was invalid; the message names every bad variable. */
export { ConfigurationError as ConfigError } from '@cas/core';

/** True for addresses only this machine can reach (where an unauthenticated Playground bot is safe). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare.startsWith('::ffff:127.');
  return false;
}

/** True when Bot Framework authentication is off (the explicit development setting). */
export function isAuthenticationDisabled(config: Pick<BotConfig, 'BOT_AUTHENTICATION'>): boolean {
  return config.BOT_AUTHENTICATION === 'none';
}

/** True when the authority is served from this machine (the local Microsoft 365 emulator). */
function isLocalAuthority(authority: string): boolean {
  try {
    return isLoopbackHost(new URL(authority).hostname);
  } catch {
    return false;
  }
}

/**
 * What is wrong with the authentication settings, one line per variable; empty when they hold.
 * Both `loadBotConfig` and `startBot` apply it, so no code path starts an unauthenticated bot by
 * accident (for example with an empty BOT_ID, which botbuilder reads as "authentication off").
 */
export function authenticationProblems(
  config: Pick<
    BotConfig,
    | 'BOT_AUTHENTICATION'
    | 'AAD_APP_OAUTH_AUTHORITY_HOST'
    | 'BOT_ID'
    | 'SECRET_BOT_PASSWORD'
    | 'BOT_TENANT_ID'
    | 'BOT_HOST'
  >,
): string[] {
  const problems: string[] = [];
  if (config.BOT_AUTHENTICATION === 'none') {
    if (!isLocalAuthority(config.AAD_APP_OAUTH_AUTHORITY_HOST)) {
      problems.push(
        `BOT_AUTHENTICATION: none is refused with the authority ${config.AAD_APP_OAUTH_AUTHORITY_HOST}; it is a development setting for the local emulator only`,
      );
    }
    if (!isLoopbackHost(config.BOT_HOST)) {
      problems.push(
        `BOT_HOST: ${config.BOT_HOST} is not a loopback address; with BOT_AUTHENTICATION=none the bot listens on this machine only`,
      );
    }
    return problems;
  }
  if (config.BOT_ID === '') {
    problems.push(
      'BOT_ID: required with Bot Framework authentication (the default); for the local Playground set BOT_AUTHENTICATION=none',
    );
  }
  if (config.BOT_ID !== '' && config.SECRET_BOT_PASSWORD === '') {
    problems.push('SECRET_BOT_PASSWORD: required with BOT_ID');
  }
  if (config.BOT_ID !== '' && config.BOT_TENANT_ID === '') {
    problems.push('BOT_TENANT_ID: required with BOT_ID (the bot is registered SingleTenant)');
  }
  return problems;
}

/** Parses the bot's configuration from an environment map (defaults to `process.env`). */
export function loadBotConfig(environment: Record<string, string | undefined> = process.env): BotConfig {
  const parsed = environmentSchema.safeParse(presentVariables(environment));
  const problems = parsed.success ? [] : configurationProblems(parsed.error.issues);
  if (parsed.success) problems.push(...authenticationProblems(parsed.data));
  if (problems.length > 0 || !parsed.success) throw new ConfigurationError('bot', problems);
  return parsed.data;
}
