/**
 * The Graph SDK clients of our app: one per tenant, because each carries that tenant's app-only
 * token. The SDK's default middleware retries 429/503/504 honouring Retry-After.
 */
import { Client } from '@microsoft/microsoft-graph-client';
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
          getAccessToken: async () => (await options.tokens.acquire(tenantId, 'microsoftGraph')).accessToken,
        },
      });
      clients.set(tenantId, client);
    }
    return client;
  };
}

/** Runs one Graph call; any failure becomes a GraphError naming the call. */
export async function callGraph<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw GraphError.from(error, name);
  }
}
