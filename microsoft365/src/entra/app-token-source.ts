/**
 * App-only tokens for a customer tenant from our multi-tenant app registrations (client credentials
 * with msal-node), one registration per consent step (docs/adr/0013). This is the only place that
 * imports msal-node. The same code talks to Entra in production and to the local emulator: only
 * the authority host (and certificate trust) differ.
 */
import { X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { CONSENT_APPS, GRAPH_APP_IDS, type ConsentAppId } from '@cas/core';
import { EntraError } from './entra-error.js';
import {
  createEntraNetworkClient,
  ENTRA_TIMEOUT_CODE,
  type EntraNetworkClient,
} from './entra-network-client.js';

/**
 * What a token is asked for: one consent app, or `anyGraphApp` — a Graph token of whichever of
 * our Graph apps the tenant granted, for reads every service needs (the target picker, the
 * administrator check): each Graph app holds the directory roles.
 */
export type TokenRequestApp = ConsentAppId | typeof ANY_GRAPH_APP;

/** See {@link TokenRequestApp}. */
export const ANY_GRAPH_APP = 'anyGraphApp';

/** An app-only token and what it says about itself. */
export interface AppToken {
  readonly accessToken: string;
  /** The consent app the token was issued to. */
  readonly app: ConsentAppId;
  /** `tid` claim: the tenant the token was really issued for. */
  readonly tenantId: string;
  /** `roles` claim: application permissions granted by admin consent (empty when removed). */
  readonly roles: readonly string[];
  readonly expiresOn: Date | null;
}

/**
 * How one app proves itself to Entra: a client secret (local development) or, as Microsoft
 * recommends for confidential apps, a certificate whose private key signs a `client_assertion`.
 */
export type AppCredential =
  | { readonly clientId: string; readonly clientSecret: string }
  | {
      readonly clientId: string;
      /** PEM of the certificate uploaded to the registration (its SHA-256 thumbprint names the key). */
      readonly certificatePem: string;
      /** PEM of its private key (PKCS#8 or PKCS#1). */
      readonly privateKeyPem: string;
    };

/** Options of the token source. */
export interface AppTokenSourceOptions {
  /** e.g. `https://login.microsoftonline.com` or the emulator's `https://127.0.0.1:5443`. */
  authorityHost: string;
  /**
   * The credentials of each consent app. An app left out is not configured here: asking for it
   * fails (the Graph-only configuration has no EWS app).
   */
  apps?: Partial<Record<ConsentAppId, AppCredential>>;
  /** Shorthand for tests: one registration standing in for every app. */
  clientId?: string;
  clientSecret?: string;
  /** A token or discovery request without an answer after this many ms fails (`request_timeout`); default 10 000. */
  timeoutMs?: number;
}

/** Default timeout of one request to Entra. */
export const DEFAULT_ENTRA_TIMEOUT_MS = 10_000;

/** When a configured credential stops working: what the operators' expiry warning reads. */
export interface CredentialExpiry {
  readonly app: ConsentAppId;
  readonly kind: 'certificate';
  readonly expiresAt: string;
}

/** Creates a token source; one msal application per (app, tenant authority), each with its own cache. */
export function createAppTokenSource(options: AppTokenSourceOptions) {
  const host = new URL(options.authorityHost).host;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENTRA_TIMEOUT_MS;
  const credentials = credentialsOf(options);
  const applications = new Map<
    string,
    { application: ConfidentialClientApplication; network: EntraNetworkClient }
  >();
  /** The Graph app that last gave a tenant a token with roles, tried first for `anyGraphApp`. */
  const lastGraphApp = new Map<string, ConsentAppId>();

  function applicationFor(
    app: ConsentAppId,
    tenantId: string,
  ): { application: ConfidentialClientApplication; network: EntraNetworkClient } {
    const credential = credentials.get(app);
    if (!credential) {
      throw new EntraError(
        `No credentials are configured for ${CONSENT_APPS[app].displayName}`,
        'app_not_configured',
        undefined,
      );
    }
    const key = `${credential.clientId}|${tenantId}`;
    let entry = applications.get(key);
    if (!entry) {
      // One network client per tenant, so a timeout is told apart from other tenants' calls.
      const networkClient = createEntraNetworkClient(timeoutMs);
      const application = new ConfidentialClientApplication({
        auth: {
          clientId: credential.clientId,
          ...('clientSecret' in credential
            ? { clientSecret: credential.clientSecret }
            : {
                clientCertificate: {
                  thumbprintSha256: new X509Certificate(credential.certificatePem).fingerprint256.replace(
                    /:/g,
                    '',
                  ),
                  privateKey: credential.privateKeyPem,
                },
              }),
          authority: `${options.authorityHost.replace(/\/$/, '')}/${tenantId}`,
          // Without this msal-node asks login.microsoftonline.com for instance discovery.
          knownAuthorities: [host],
        },
        system: {
          networkClient,
          loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
        },
      });
      entry = { application, network: networkClient };
      applications.set(key, entry);
    }
    return entry;
  }

  async function acquireFor(
    tenantId: string,
    app: ConsentAppId,
    acquireOptions: { fresh?: boolean },
  ): Promise<AppToken> {
    let result;
    const { application, network } = applicationFor(app, tenantId);
    const call = `Token request of ${CONSENT_APPS[app].displayName} for tenant ${tenantId}`;
    const timeoutsBefore = network.timeouts;
    try {
      result = await application.acquireTokenByClientCredential({
        scopes: [`${CONSENT_APPS[app].resource.identifierUri}/.default`],
        skipCache: acquireOptions.fresh ?? false,
      });
    } catch (error) {
      if (network.timeouts > timeoutsBefore) {
        throw new EntraError(
          `${call} failed: ${ENTRA_TIMEOUT_CODE} (no answer from Entra within ${timeoutMs} ms)`,
          ENTRA_TIMEOUT_CODE,
          undefined,
          error,
        );
      }
      throw EntraError.fromMsal(error, call);
    }
    if (!result?.accessToken) {
      throw new EntraError(`${call} returned no token`, 'no_token', undefined);
    }
    const claims = readClaims(result.accessToken);
    return {
      accessToken: result.accessToken,
      app,
      tenantId: typeof claims.tid === 'string' ? claims.tid.toLowerCase() : '',
      roles: Array.isArray(claims.roles)
        ? claims.roles.filter((role): role is string => typeof role === 'string')
        : [],
      expiresOn: result.expiresOn ?? null,
    };
  }

  /**
   * A Graph token of any configured Graph app the tenant granted: the last one that worked
   * first, then the others in product order. A token without roles counts only when no app has
   * better; when every app is refused, the first refusal is what the caller sees.
   */
  async function acquireAnyGraph(tenantId: string, acquireOptions: { fresh?: boolean }): Promise<AppToken> {
    const remembered = lastGraphApp.get(tenantId);
    const configured = GRAPH_APP_IDS.filter((app) => credentials.has(app));
    const order = remembered ? [remembered, ...configured.filter((app) => app !== remembered)] : configured;
    const seenClients = new Set<string>();
    let withoutRoles: AppToken | undefined;
    let firstError: unknown;
    for (const app of order) {
      const clientId = credentials.get(app)?.clientId ?? '';
      if (seenClients.has(clientId)) continue;
      seenClients.add(clientId);
      try {
        const token = await acquireFor(tenantId, app, acquireOptions);
        if (token.roles.length > 0) {
          lastGraphApp.set(tenantId, app);
          return token;
        }
        withoutRoles ??= token;
      } catch (error) {
        // Entra unreachable is the same for every app: do not try the others for nothing.
        if (!(error instanceof EntraError) || error.unanswered) throw error;
        firstError ??= error;
      }
    }
    if (withoutRoles) return withoutRoles;
    if (firstError !== undefined) throw firstError;
    throw new EntraError('No Microsoft Graph app is configured', 'app_not_configured', undefined);
  }

  return {
    /**
     * Acquires an app-only token for the tenant from one app (its step's resource). `fresh`
     * bypasses msal's cache: used right after a consent and by health checks, where a cached
     * token would hide a revoked grant.
     */
    async acquire(
      tenantId: string,
      app: TokenRequestApp,
      acquireOptions: { fresh?: boolean } = {},
    ): Promise<AppToken> {
      return app === ANY_GRAPH_APP
        ? acquireAnyGraph(tenantId, acquireOptions)
        : acquireFor(tenantId, app, acquireOptions);
    },

    /** The consent apps with credentials here. */
    configuredApps(): ConsentAppId[] {
      return [...credentials.keys()];
    },

    /** The client id of an app, when configured (the consent URL names it). */
    clientIdOf(app: ConsentAppId): string | undefined {
      return credentials.get(app)?.clientId;
    },

    /** Certificate expiry of each app configured with one (secrets do not say when they expire). */
    credentialExpiries(): CredentialExpiry[] {
      const expiries: CredentialExpiry[] = [];
      for (const [app, credential] of credentials) {
        if ('certificatePem' in credential) {
          const validTo = new Date(new X509Certificate(credential.certificatePem).validTo).toISOString();
          expiries.push({ app, kind: 'certificate', expiresAt: validTo });
        }
      }
      return expiries;
    },
  };
}

/** Token source as seen by its users (for `Pick<>`-style fakes in unit tests). */
export type AppTokenSource = ReturnType<typeof createAppTokenSource>;

function credentialsOf(options: AppTokenSourceOptions): Map<ConsentAppId, AppCredential> {
  const credentials = new Map<ConsentAppId, AppCredential>();
  if (options.clientId !== undefined && options.clientSecret !== undefined) {
    for (const app of Object.keys(CONSENT_APPS) as ConsentAppId[]) {
      credentials.set(app, { clientId: options.clientId, clientSecret: options.clientSecret });
    }
  }
  for (const [app, credential] of Object.entries(options.apps ?? {}) as [ConsentAppId, AppCredential][]) {
    credentials.set(app, credential);
  }
  return credentials;
}

/**
 * Reads the claims of our own freshly issued token. Graph tokens are opaque to most clients, but
 * consent proof (R6) needs the `tid` and `roles` Entra put in it; the token came straight from the
 * token endpoint over TLS, so its signature is not what we are checking here.
 */
function readClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
