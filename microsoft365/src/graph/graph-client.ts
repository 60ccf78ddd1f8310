/**
 * The Graph SDK clients of our app: one per tenant, because each carries that tenant's app-only
 * token. The SDK's default middleware retries 429/503/504 honouring Retry-After; ours, just before
 * the request goes out, gives every attempt its own timeout.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Client,
  MiddlewareFactory,
  type AuthenticationProvider,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { ANY_GRAPH_APP, type AppTokenSource } from '../entra/app-token-source.js';
import { EntraError } from '../entra/entra-error.js';
import { GraphError, GraphTimeoutError } from './graph-error.js';

/** Where Graph is and how to get a token for it. */
export interface GraphClientOptions {
  /** `https://graph.microsoft.com` in production, the emulator's origin locally. */
  graphBaseUrl: string;
  tokens: Pick<AppTokenSource, 'acquire'>;
  /** One Graph request without an answer after this many ms fails (`RequestTimeout`); default 30 000. */
  timeoutMs?: number;
}

/** Default timeout of one Graph request (each retry gets its own). */
export const DEFAULT_GRAPH_TIMEOUT_MS = 30_000;

/** Aborts the request that follows it in the chain after `timeoutMs` and says why. */
class RequestTimeoutHandler implements Middleware {
  #next: Middleware | undefined;

  constructor(private readonly timeoutMs: number) {}

  async execute(context: Context): Promise<void> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const given = context.options?.signal;
    context.options = { ...context.options, signal: given ? AbortSignal.any([given, timeout]) : timeout };
    try {
      await this.#next?.execute(context);
    } catch (error) {
      if (timeout.aborted) throw new GraphTimeoutError(this.timeoutMs);
      throw error;
    }
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}

/** The SDK's default chain with the timeout right before the request is sent. */
function middlewareChain(authProvider: AuthenticationProvider, timeoutMs: number): Middleware[] {
  const chain = MiddlewareFactory.getDefaultMiddlewareChain(authProvider);
  chain.splice(chain.length - 1, 0, new RequestTimeoutHandler(timeoutMs));
  return chain;
}

/** Returns a function giving the (cached) SDK client of a tenant. */
export function createTenantGraphClients(options: GraphClientOptions): (tenantId: string) => Client {
  const base = options.graphBaseUrl.replace(/\/?$/, '/');
  const clients = new Map<string, Client>();
  return (tenantId) => {
    let client = clients.get(tenantId);
    if (!client) {
      const authProvider: AuthenticationProvider = {
        getAccessToken: async () => {
          try {
            return (await options.tokens.acquire(tenantId, ANY_GRAPH_APP)).accessToken;
          } catch (error) {
            // The SDK turns whatever this throws into its own error and drops the original, so the
            // Entra failure (and its AADSTS code) is handed to callGraph around the SDK.
            const call = tokenFailures.getStore();
            if (call !== undefined && error instanceof EntraError) call.tokenError = error;
            throw error;
          }
        },
      };
      client = Client.initWithMiddleware({
        baseUrl: base,
        // Without customHosts the SDK silently drops the Authorization header for non-Graph hosts.
        customHosts: new Set([new URL(base).hostname]),
        middleware: middlewareChain(authProvider, options.timeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS),
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
