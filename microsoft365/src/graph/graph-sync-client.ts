/**
 * Graph reads for directory synchronization, over `fetch`: pages followed by their absolute
 * `@odata.nextLink`/`@odata.deltaLink`, `$batch` of up to 20 requests, requests paced to stay
 * under the throttling quota, `Retry-After` honoured on 429/503/504, and one fresh token after a
 * 401. The SDK's retry middleware is not used here: the engine must count every request it
 * sends and decide itself how long to wait.
 */
import {
  DEFAULT_APP_PACING_QUOTA,
  DEFAULT_PACING_QUOTA,
  fullPacingBudget,
  GRAPH_MAX_BATCH_SIZE,
  retryAfterMs,
  spendPacingBudget,
  type PacingBudget,
  type PacingQuota,
} from '@cas/core';
import { ANY_GRAPH_APP, type AppTokenSource, type TokenRequestApp } from '../entra/app-token-source.js';
import { DEFAULT_GRAPH_TIMEOUT_MS } from './graph-client.js';
import { GraphError, GraphTimeoutError } from './graph-error.js';

/** Options of the sync client. */
export interface GraphSyncClientOptions {
  /** `https://graph.microsoft.com` in production, the emulator's origin locally. */
  readonly graphBaseUrl: string;
  readonly tokens: Pick<AppTokenSource, 'acquire'>;
  /** Resource units per window the pacer keeps under, per tenant. Default `DEFAULT_PACING_QUOTA`. */
  readonly pacingQuota?: PacingQuota;
  /**
   * Resource units per window this process keeps under across all tenants (Graph's per-app limit).
   * Default `DEFAULT_APP_PACING_QUOTA`.
   */
  readonly appPacingQuota?: PacingQuota;
  /** Retries of one request after 429/503/504 or a network error. Default 8. */
  readonly maxRetries?: number;
  /** One request without an answer after this many ms counts as a network error; default 30 000. */
  readonly timeoutMs?: number;
  /** Waits `ms` (tests may shorten it). Default `setTimeout`. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Clock in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** What a session sent and received, for the sync run record and the benchmark. */
export interface GraphSyncMeter {
  /** HTTP requests sent, retries included (a `$batch` is one). */
  requests: number;
  /** 429 answers received (outer or inner). */
  throttled: number;
  /** 503/504 answers and network errors that were retried. */
  unavailable: number;
  /** Resource units Graph reported charging (`x-ms-resource-unit`). */
  resourceUnits: number;
  /** Milliseconds spent waiting for the pacer or `Retry-After`. */
  waitedMs: number;
}

/** One inner response of a `$batch`. */
export interface GraphBatchResponse {
  readonly id: string;
  readonly status: number;
  readonly body: unknown;
}

/** Graph reads of one tenant, metered. */
export interface GraphSyncSession {
  readonly tenantId: string;
  readonly meter: GraphSyncMeter;
  /** GETs a path under `/v1.0` or an absolute link Graph returned; throws GraphError on failure. */
  get(pathOrLink: string): Promise<Record<string, unknown>>;
  /** GETs up to 20 paths in one `$batch`; inner 429/503 are retried, other inner statuses returned. */
  batchGet(paths: readonly string[]): Promise<GraphBatchResponse[]>;
}

/** The client: a metered session per tenant, with one pacer per tenant shared by its sessions. */
export interface GraphSyncClient {
  /**
   * A new session (with a fresh meter) for the tenant, reading with one app's token (a service's
   * sync uses that service's Graph app); default: any Graph app the tenant granted.
   */
  session(tenantId: string, app?: TokenRequestApp): GraphSyncSession;
}

const RETRYABLE = new Set([429, 503, 504]);

/** Creates the sync client. */
export function createGraphSyncClient(options: GraphSyncClientOptions): GraphSyncClient {
  const origin = options.graphBaseUrl.replace(/\/+$/, '');
  const quota = options.pacingQuota ?? DEFAULT_PACING_QUOTA;
  const maxRetries = options.maxRetries ?? 8;
  const timeoutMs = options.timeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const appQuota = options.appPacingQuota ?? DEFAULT_APP_PACING_QUOTA;
  const budgets = new Map<string, PacingBudget>();
  let appBudget: PacingBudget | undefined;

  /** Waits until both the tenant's and the app's bucket hold `cost`, then spends it from both. */
  async function pace(tenantId: string, cost: number, meter: GraphSyncMeter): Promise<void> {
    const at = now();
    const tenant = budgets.get(tenantId) ?? fullPacingBudget(quota, at);
    const app = appBudget ?? fullPacingBudget(appQuota, at);
    const waitMs = Math.max(
      spendPacingBudget(tenant, cost, at, quota).waitMs,
      spendPacingBudget(app, cost, at, appQuota).waitMs,
    );
    // Spent as of the time the request goes, so neither bucket is charged before it refilled
    // (both hold `cost` by then, so these spends wait no further).
    budgets.set(tenantId, spendPacingBudget(tenant, cost, at + waitMs, quota).budget);
    appBudget = spendPacingBudget(app, cost, at + waitMs, appQuota).budget;
    if (waitMs > 0) {
      meter.waitedMs += waitMs;
      await sleep(waitMs);
    }
  }

  function urlOf(pathOrLink: string): string {
    if (/^https?:\/\//i.test(pathOrLink)) return pathOrLink;
    return `${origin}/v1.0${pathOrLink.startsWith('/') ? '' : '/'}${pathOrLink}`;
  }

  return {
    session(tenantId, app = ANY_GRAPH_APP) {
      const meter: GraphSyncMeter = {
        requests: 0,
        throttled: 0,
        unavailable: 0,
        resourceUnits: 0,
        waitedMs: 0,
      };
      let fresh = false;

      /** Sends one request with pacing and retries; returns the parsed JSON body of a 2xx answer. */
      async function send(
        call: string,
        url: string,
        init: { method: string; body?: string },
        cost: number,
      ): Promise<Record<string, unknown>> {
        let refreshedAfter401 = false;
        for (let attempt = 1; ; attempt++) {
          await pace(tenantId, cost, meter);
          const token = await options.tokens.acquire(tenantId, app, { fresh });
          fresh = false;
          meter.requests += 1;
          let response: Response;
          const timeout = AbortSignal.timeout(timeoutMs);
          try {
            response = await fetch(url, {
              signal: timeout,
              method: init.method,
              headers: {
                authorization: `Bearer ${token.accessToken}`,
                accept: 'application/json',
                ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              body: init.body,
            });
          } catch (error) {
            // A dropped connection, or one that never answers, is as transient as a 503.
            const failure = timeout.aborted ? new GraphTimeoutError(timeoutMs) : error;
            if (attempt > maxRetries) throw GraphError.from(failure, call);
            meter.unavailable += 1;
            const wait = retryAfterMs(null, attempt, now());
            meter.waitedMs += wait;
            await sleep(wait);
            continue;
          }
          meter.resourceUnits += Number(response.headers.get('x-ms-resource-unit') ?? 0) || 0;
          if (response.ok) return (await response.json()) as Record<string, unknown>;
          const text = await response.text();
          if (RETRYABLE.has(response.status) && attempt <= maxRetries) {
            if (response.status === 429) meter.throttled += 1;
            else meter.unavailable += 1;
            const wait = retryAfterMs(response.headers.get('retry-after'), attempt, now());
            meter.waitedMs += wait;
            await sleep(wait);
            continue;
          }
          if (response.status === 401 && !refreshedAfter401) {
            // A cached token the service no longer accepts (expired by its clock, or revoked):
            // one fresh token, then the answer stands.
            refreshedAfter401 = true;
            fresh = true;
            continue;
          }
          throw graphErrorOf(call, response.status, text, response.headers.get('location'));
        }
      }

      return {
        tenantId,
        meter,
        get(pathOrLink) {
          return send('Graph GET', urlOf(pathOrLink), { method: 'GET' }, 1);
        },
        async batchGet(paths) {
          if (paths.length > GRAPH_MAX_BATCH_SIZE) {
            throw new RangeError(
              `A Graph $batch holds at most ${GRAPH_MAX_BATCH_SIZE} requests, got ${paths.length}`,
            );
          }
          const results = new Map<string, GraphBatchResponse>();
          let pending = paths.map((url, index) => ({ id: String(index + 1), url }));
          for (let attempt = 1; pending.length > 0; attempt++) {
            const body = await send(
              'Graph $batch',
              urlOf('/$batch'),
              {
                method: 'POST',
                body: JSON.stringify({ requests: pending.map((each) => ({ ...each, method: 'GET' })) }),
              },
              pending.length,
            );
            const responses = (body.responses ?? []) as {
              id: string;
              status: number;
              headers?: Record<string, string>;
              body?: unknown;
            }[];
            const retry: typeof pending = [];
            let wait = 0;
            for (const response of responses) {
              const request = pending.find((each) => each.id === response.id);
              if (request === undefined) continue;
              if (RETRYABLE.has(response.status) && attempt <= maxRetries) {
                if (response.status === 429) meter.throttled += 1;
                else meter.unavailable += 1;
                const header = Object.entries(response.headers ?? {}).find(
                  ([name]) => name.toLowerCase() === 'retry-after',
                )?.[1];
                wait = Math.max(wait, retryAfterMs(header, attempt, now()));
                retry.push(request);
              } else {
                results.set(response.id, {
                  id: response.id,
                  status: response.status,
                  body: response.body ?? null,
                });
              }
            }
            pending = retry;
            if (pending.length > 0 && wait > 0) {
              meter.waitedMs += wait;
              await sleep(wait);
            }
          }
          return paths.map(
            (_, index) => results.get(String(index + 1)) ?? { id: String(index + 1), status: 0, body: null },
          );
        },
      };
    },
  };
}

function graphErrorOf(call: string, status: number, text: string, location: string | null): GraphError {
  let code = 'GraphRequestFailed';
  let message = text.slice(0, 200);
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = parsed.error?.code ?? code;
    message = parsed.error?.message ?? message;
  } catch {
    // Not JSON: keep the first characters of the body.
  }
  const error = new GraphError(call, status, code, message);
  if (location !== null) Object.assign(error, { location });
  return error;
}

/** True when Graph says a delta link can no longer be followed and a full round must start. */
export function isDeltaExpired(error: unknown): boolean {
  return (
    error instanceof GraphError &&
    (error.statusCode === 410 || error.code === 'syncStateNotFound' || error.code === 'resyncRequired')
  );
}
