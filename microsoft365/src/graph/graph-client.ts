/**
 * The Graph SDK clients of our app: one per tenant, because each carries that tenant's app-only
 * token. The SDK's default middleware retries 429/503/504 honouring Retry-After.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from '@microsoft/microsoft-graph-client';
import { EntraError } from '../entra/entra-error.js';
import { GraphError } from './graph-error.js';
import type { AppTokenSource } from '../entra/app-token-source.js';

/** Where Graph is and how to get a token for it. */
export interface GraphClientOptions {
  /** `https://graph.microsoft.com` in production, the emulator's origin locally. */
  graphBaseUrl: string;
  tokens: Pick<AppTokenSource, 'acquire'>;
}

/** Returns a function giving the (cached) SDK client of a tenant. */
export function createTenantGraphClients(options: GraphClientOptions): (tenantId: string) => Client {
  const base = options.graphBaseUrl.replace(/\/?$/, '/');
  const clients = new Map<string, Client>();
  return (tenantId) => {
    let client = clients.get(tenantId);
    if (!client) {
      client = Client.initWithMiddleware({
        baseUrl: base,
        // Without customHosts the SDK silently drops the Authorization header for non-Graph hosts.
        customHosts: new Set([new URL(base).hostname]),
        authProvider: {
          getAccessToken: async () => {
            try {
              return (await options.tokens.acquire(tenantId, 'microsoftGraph')).accessToken;
            } catch (error) {
              // The SDK turns whatever this throws into its own error and drops the original, so the
              // Entra failure (and its AADSTS code) is handed to callGraph around the SDK.
              const call = tokenFailures.getStore();
              if (call !== undefined && error instanceof EntraError) call.tokenError = error;
              throw error;
            }
          },
        },
      });
      clients.set(tenantId, client);
    }
    return client;
  };
}

/** What one callGraph saw of the token acquisition inside the SDK. */
interface GraphCallContext {
  tokenError?: EntraError;
}

const tokenFailures = new AsyncLocalStorage<GraphCallContext>();

/**
 * Runs one Graph call; any failure becomes a GraphError naming the call, except a failed token
 * request, which stays the EntraError it is (Entra refused us a token; Graph was never asked).
 */
export async function callGraph<T>(name: string, work: () => Promise<T>): Promise<T> {
  const context: GraphCallContext = {};
  try {
    return await tokenFailures.run(context, work);
  } catch (error) {
    if (context.tokenError !== undefined) throw context.tokenError;
    throw GraphError.from(error, name);
  }
}
