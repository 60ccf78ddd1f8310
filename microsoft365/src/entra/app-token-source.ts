/**
 * App-only tokens for a customer tenant from our multi-tenant app registration (client credentials
 * with msal-node). This is the only place that imports msal-node. The same code talks to Entra in
 * production and to the local emulator: only the authority host (and certificate trust) differ.
 */
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { EntraError } from './entra-error.js';
import {
  createEntraNetworkClient,
  ENTRA_TIMEOUT_CODE,
  type EntraNetworkClient,
} from './entra-network-client.js';

/** The resources our app asks tokens for. */
export type TokenResource = 'microsoftGraph' | 'exchangeOnline';

const RESOURCE_SCOPES: Readonly<Record<TokenResource, string>> = {
  microsoftGraph: 'https://graph.microsoft.com/.default',
  exchangeOnline: 'https://outlook.office365.com/.default',
};

/** An app-only token and what it says about itself. */
export interface AppToken {
  readonly accessToken: string;
  /** `tid` claim: the tenant the token was really issued for. */
  readonly tenantId: string;
  /** `roles` claim: application permissions granted by admin consent (empty when removed). */
  readonly roles: readonly string[];
  readonly expiresOn: Date | null;
}

/** Options of the token source. */
export interface AppTokenSourceOptions {
  /** e.g. `https://login.microsoftonline.com` or the emulator's `https://127.0.0.1:5443`. */
  authorityHost: string;
  clientId: string;
  clientSecret: string;
  /** A token or discovery request without an answer after this many ms fails (`request_timeout`); default 10 000. */
  timeoutMs?: number;
}

/** Default timeout of one request to Entra. */
export const DEFAULT_ENTRA_TIMEOUT_MS = 10_000;

/** Creates a token source; one msal application per tenant authority, each with its own cache. */
export function createAppTokenSource(options: AppTokenSourceOptions) {
  const host = new URL(options.authorityHost).host;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENTRA_TIMEOUT_MS;
  const applications = new Map<
    string,
    { application: ConfidentialClientApplication; network: EntraNetworkClient }
  >();

  function applicationFor(tenantId: string): {
    application: ConfidentialClientApplication;
    network: EntraNetworkClient;
  } {
    let entry = applications.get(tenantId);
    if (!entry) {
      // One network client per tenant, so a timeout is told apart from other tenants' calls.
      const networkClient = createEntraNetworkClient(timeoutMs);
      const application = new ConfidentialClientApplication({
        auth: {
          clientId: options.clientId,
          clientSecret: options.clientSecret,
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
      applications.set(tenantId, entry);
    }
    return entry;
  }

  return {
    /**
     * Acquires an app-only token for the tenant. `fresh` bypasses msal's cache: used right after a
     * consent and by health checks, where a cached token would hide a revoked grant.
     */
    async acquire(
      tenantId: string,
      resource: TokenResource,
      options: { fresh?: boolean } = {},
    ): Promise<AppToken> {
      let result;
      const { application, network } = applicationFor(tenantId);
      const timeoutsBefore = network.timeouts;
      try {
        result = await application.acquireTokenByClientCredential({
          scopes: [RESOURCE_SCOPES[resource]],
          skipCache: options.fresh ?? false,
        });
      } catch (error) {
        if (network.timeouts > timeoutsBefore) {
          throw new EntraError(
            `Token request for tenant ${tenantId} failed: ${ENTRA_TIMEOUT_CODE} (no answer from Entra within ${timeoutMs} ms)`,
            ENTRA_TIMEOUT_CODE,
            undefined,
            error,
          );
        }
        throw EntraError.fromMsal(error, `Token request for tenant ${tenantId}`);
      }
      if (!result?.accessToken) {
        throw new EntraError(`Token request for tenant ${tenantId} returned no token`, 'no_token', undefined);
      }
      const claims = readClaims(result.accessToken);
      return {
        accessToken: result.accessToken,
        tenantId: typeof claims.tid === 'string' ? claims.tid.toLowerCase() : '',
        roles: Array.isArray(claims.roles)
          ? claims.roles.filter((role): role is string => typeof role === 'string')
          : [],
        expiresOn: result.expiresOn ?? null,
      };
    },
  };
}

/** Token source as seen by its users (for `Pick<>`-style fakes in unit tests). */
export type AppTokenSource = ReturnType<typeof createAppTokenSource>;

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
