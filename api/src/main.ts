/**
 * Composition root of the API: builds every adapter from the configuration, assembles the route
 * table and starts the restify server. Production and local runs differ only in configuration
 * (authority host, Graph base URL, trusted CA), never in code.
 */
import { hkdfSync, randomUUID } from 'node:crypto';
import { API_INFO, ROUTES } from '@cas/contracts';
import {
  createAppTokenSource,
  createDirectoryRoleChecker,
  createEwsProbe,
  createGraphDirectory,
  createGraphTargets,
} from '@cas/microsoft365';
import { createStore, storeOptionsFrom } from '@cas/store';
import { createRemoteJWKSet } from 'jose';
import { auditRoutes } from './audit/audit-routes.js';
import {
  createAdministratorRoles,
  createBotCredentialValidator,
  createRequestAuthenticator,
  type AdminRoleChecker,
  type AdministratorRoles,
} from './auth/bot-credential.js';
import { withDirectoryRoleFallback } from './auth/directory-role-fallback.js';
import { meRoutes } from './auth/me-routes.js';
import { createUserTokenValidator } from './auth/user-token.js';
import { botRoutes } from './bot/bot-routes.js';
import { mountChangeNotificationEndpoints } from './change-notifications/notification-endpoints.js';
import { consentRoutes } from './consent/consent-routes.js';
import { createConsentStateCodec } from './consent/consent-state.js';
import { healthRoutes } from './health/health-routes.js';
import { createLogger } from './http/logger.js';
import { createRequestLimiter, type RateLimitStore } from './http/rate-limit.js';
import { createApiServer } from './http/server.js';
import { upstreamApiError } from './http/upstream-errors.js';
import { notificationRoutes } from './notifications/notification-routes.js';
import { openApiRoutes } from './openapi/openapi.js';
import { createEwsStateChecker, EWS_PROBE_TIMEOUT_MS } from './provisioning/ews-state.js';
import { provisioningRoutes } from './provisioning/provisioning-routes.js';
import { loadProvisioning } from './provisioning/provisioning-view.js';
import { targetRoutes } from './targets/target-routes.js';
import type { ApiConfig } from './config.js';
import type { RouteDefinition } from './http/route.js';
import type { ConsentAppId } from '@cas/core';
import type { AppTokenSource } from '@cas/microsoft365';
import type { DurableStore } from '@cas/store';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Server } from 'restify';

/** A running API. */
export interface RunningApi {
  /** `http://host:port` the server listens on. */
  readonly origin: string;
  readonly server: Server;
  readonly store: DurableStore;
  readonly routes: readonly RouteDefinition[];
  /** Where request budgets are counted: Redis, PostgreSQL (shared by processes) or memory. */
  readonly limiterStore: RateLimitStore;
  close(): Promise<void>;
}

/** Collaborators a test or `npm start` may pass instead of the defaults built from config. */
export interface ApiOverrides {
  logger?: Logger;
  store?: DurableStore;
  tokens?: AppTokenSource;
  roles?: AdminRoleChecker;
  now?: () => Date;
  /** Namespace of rate limit keys in a shared Redis or PostgreSQL (tests sharing one server). */
  rateLimitKeyPrefix?: string;
}

const PRODUCTION_AUTHORITY = 'https://login.microsoftonline.com';

/** Builds the whole route table from the configuration. */
export function buildRoutes(
  config: ApiConfig,
  parts: {
    store: DurableStore;
    tokens: AppTokenSource;
    /** The cached Graph role check shared with the bot credential validator. */
    administrators: AdministratorRoles;
    now?: () => Date;
  },
): RouteDefinition[] {
  const authority = config.AAD_APP_OAUTH_AUTHORITY_HOST.replace(/\/$/, '');
  const { store, tokens, now } = parts;
  // A key of its own for signing consent state, derived so it never doubles as the encryption key.
  const stateKey = Buffer.from(
    hkdfSync('sha256', Buffer.from(config.SECRET_DATA_ENCRYPTION_KEY, 'base64'), '', 'cas consent state', 32),
  );
  const publicOrigin = (config.API_PUBLIC_URL ?? config.TAB_ORIGIN).replace(/\/$/, '');
  const routes: RouteDefinition[] = [];
  const add = (more: readonly RouteDefinition[]): void => {
    routes.push(...more);
  };
  const directory = createGraphDirectory({
    graphBaseUrl: config.GRAPH_BASE_URL,
    tokens,
    timeoutMs: config.GRAPH_TIMEOUT_SECONDS * 1000,
  });
  const graph = { graphBaseUrl: config.GRAPH_BASE_URL, timeoutMs: config.GRAPH_TIMEOUT_SECONDS * 1000 };
  // Licence plans need User.Read.All, which every Graph app holds: whichever the tenant granted.
  const holdings = createGraphTargets({ ...graph, tokens });
  // Sites need Sites.Read.All, which only SharePoint Online's Graph app holds.
  const sharePointSites = createGraphTargets({ ...graph, tokens: tokensOf(tokens, 'sharePointOnlineGraph') });
  const ews = config.EWS_CONSENT_ENABLED
    ? createEwsStateChecker({
        probe: createEwsProbe({
          ewsBaseUrl: config.EWS_BASE_URL,
          // A fresh token, as health checks take: a cached one would hide a revoked grant for an hour.
          tokens: { acquire: (tenantId, app) => tokens.acquire(tenantId, app, { fresh: true }) },
          timeoutMs: EWS_PROBE_TIMEOUT_MS,
        }).probe,
        ...(now ? { now } : {}),
      })
    : undefined;
  add(healthRoutes(() => store.ping()));
  add(meRoutes());
  add(
    provisioningRoutes({
      store,
      directory,
      holdings,
      sites: sharePointSites,
      ewsEnabled: config.EWS_CONSENT_ENABLED,
      ...(ews ? { ews } : {}),
      newId: randomUUID,
      ...(now ? { now } : {}),
    }),
  );
  add(
    consentRoutes({
      store,
      states: createConsentStateCodec({ key: stateKey }),
      tokens,
      authorityHost: authority,
      clientIds: Object.fromEntries(
        Object.entries(config.consentApps).map(([app, credential]) => [app, credential.clientId]),
      ),
      callbackUrl: `${publicOrigin}/api/consent/callback`,
      tabOrigin: config.TAB_ORIGIN.replace(/\/$/, ''),
      ewsEnabled: config.EWS_CONSENT_ENABLED,
      newId: randomUUID,
      ...(now ? { now } : {}),
    }),
  );
  add(
    targetRoutes({
      directory,
      holdings,
      sites: sharePointSites,
      sharePointConsented: async (tenantId) =>
        (await loadProvisioning(store, tenantId)).services.sharePointOnline.consents.some(
          (grant) => grant.step === 'microsoftGraph',
        ),
    }),
  );
  add(notificationRoutes({ store, ...(now ? { now } : {}) }));
  add(auditRoutes(store));
  add(botRoutes({ store, administrators: parts.administrators, newId: randomUUID, ...(now ? { now } : {}) }));
  add(openApiRoutes(() => routes, API_INFO));
  return servedInContractOrder(routes);
}

/** A token source that always answers with one consent app's token (a Graph client asks for any). */
function tokensOf(tokens: AppTokenSource, app: ConsentAppId): Pick<AppTokenSource, 'acquire'> {
  return { acquire: (tenantId, _app, options) => tokens.acquire(tenantId, app, options) };
}

/**
 * The route table in the contracts' order, after checking that it serves every contract exactly
 * once and nothing the contracts do not describe.
 */
function servedInContractOrder(routes: readonly RouteDefinition[]): RouteDefinition[] {
  const key = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;
  const served = new Map(routes.map((route) => [key(route), route]));
  const extra = routes.filter((route) => !ROUTES.some((contract) => key(contract) === key(route)));
  const missing = ROUTES.filter((contract) => !served.has(key(contract)));
  if (served.size !== routes.length || extra.length > 0 || missing.length > 0) {
    throw new Error(
      `The route table does not match the contracts: missing ${missing.map(key).join(', ') || 'none'}; not in the contracts ${extra.map(key).join(', ') || 'none'}.`,
    );
  }
  return ROUTES.map((contract) => served.get(key(contract)) as RouteDefinition);
}

/** Starts the API on `config.API_HOST:config.API_PORT`. */
export async function startApi(config: ApiConfig, overrides: ApiOverrides = {}): Promise<RunningApi> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const authority = config.AAD_APP_OAUTH_AUTHORITY_HOST.replace(/\/$/, '');
  const store = overrides.store ?? (await createStore(storeOptionsFrom(config)));
  const tokens =
    overrides.tokens ??
    createAppTokenSource({
      authorityHost: authority,
      apps: config.consentApps,
      timeoutMs: config.ENTRA_TIMEOUT_SECONDS * 1000,
    });
  const ssoClientId = config.SSO_APP_CLIENT_ID ?? config.AAD_APP_CLIENT_ID;
  // Role assignments in Graph: the admin check of bot calls, and of user tokens without `wids`.
  const directoryRoles = createDirectoryRoleChecker({
    graphBaseUrl: config.GRAPH_BASE_URL,
    tokens,
    timeoutMs: config.GRAPH_TIMEOUT_SECONDS * 1000,
  });
  const tokenValidator = createUserTokenValidator({
    keys: createRemoteJWKSet(new URL(`${authority}/common/discovery/v2.0/keys`)),
    audiences: [ssoClientId, ...(config.AAD_APP_ID_URI === undefined ? [] : [config.AAD_APP_ID_URI])],
    // Entra issues v1 tokens from sts.windows.net when the app asks for them; the emulator issues v2 only.
    issuersFor: (tenantId) => [
      `${authority}/${tenantId}/v2.0`,
      ...(authority === PRODUCTION_AUTHORITY ? [`https://sts.windows.net/${tenantId}/`] : []),
    ],
    requiredScope: 'access_as_user',
    clockSkewSeconds: config.TOKEN_CLOCK_SKEW_SECONDS,
  });
  const user = withDirectoryRoleFallback(tokenValidator, { roles: directoryRoles, logger });
  const administrators = createAdministratorRoles({ roles: overrides.roles ?? directoryRoles, logger });
  const bot =
    config.SECRET_BOT_API_KEY === undefined
      ? undefined
      : createBotCredentialValidator({
          key: Buffer.from(config.SECRET_BOT_API_KEY, 'base64'),
          administrators,
          uses: store.botCredentialUses,
          clockSkewSeconds: config.TOKEN_CLOCK_SKEW_SECONDS,
        });
  const routes = buildRoutes(config, {
    store,
    tokens,
    administrators,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const limiter = await createRequestLimiter({
    budgets: {
      perUser: config.API_RATE_LIMIT_PER_USER_PER_MINUTE,
      perAddress: config.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
    },
    ...(config.REDIS_URL === undefined ? {} : { redisUrl: config.REDIS_URL }),
    ...(config.DATABASE_URL === undefined ? {} : { databaseUrl: config.DATABASE_URL }),
    ...(overrides.rateLimitKeyPrefix === undefined ? {} : { keyPrefix: overrides.rateLimitKeyPrefix }),
    logger,
  });
  const server = createApiServer({
    routes,
    validateToken: createRequestAuthenticator({ user, bot }),
    logger,
    mapError: upstreamApiError,
    limiter,
    trustedProxies: config.API_TRUSTED_PROXIES,
  });
  // Graph's webhook contract, beside the route table (ADR 0014).
  mountChangeNotificationEndpoints(server, {
    notifications: store.changeNotifications,
    logger: logger.child({ part: 'change-notifications' }),
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.API_PORT, config.API_HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;
  logger.info(
    { origin, database: store.kind, rateLimits: limiter.store, authority, graph: config.GRAPH_BASE_URL },
    'API listening',
  );
  return {
    origin,
    server,
    store,
    routes,
    limiterStore: limiter.store,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await limiter.close();
      if (overrides.store === undefined) await store.close();
    },
  };
}
