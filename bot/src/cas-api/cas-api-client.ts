/**
 * HTTP client of the Cloud App Security API for the bot, acting for one Teams user. Refusals the
 * API states (409 manual_sync_not_allowed, 403 not an admin…) come back as Result errors; an API
 * that does not answer, or answers outside the contract, throws `CasApiError`.
 */
import { err, ok } from '@cas/core';
import {
  channelNotificationsSchema,
  extendResultSchema,
  globalAdministratorSchema,
  provisioningViewSchema,
  syncAcceptedSchema,
  syncRunListSchema,
} from './api-types.js';
import { signBotCredential } from './bot-credential.js';
import { CasApiError } from './cas-api-error.js';
import type {
  ChannelNotificationsView,
  ExtendResult,
  GlobalAdministratorView,
  ProvisioningView,
  SyncAccepted,
  SyncRunView,
} from './api-types.js';
import type { ActingUser } from './bot-credential.js';
import type { Result, ServiceId } from '@cas/core';
import type { z } from 'zod';

/** A refusal the API stated: status, code and a message meant for people. */
export interface ApiRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Extra fields of the error body (e.g. `reason`, `service`). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** What the bot asks of the API on behalf of one user; tests of commands fake this. */
export interface CasApi {
  /**
   * `GET /api/bot/global-administrator`: whether this user holds Global Administrator (Graph).
   * Throws `CasApiError` with code `role_check_unavailable` when Graph cannot tell.
   */
  globalAdministrator(): Promise<Result<GlobalAdministratorView, ApiRefusal>>;
  /** `POST /api/bot/channel-notifications`: `notify here` / `notify off` in a shared conversation, as this user. */
  setChannelNotifications(
    conversationId: string,
    enabled: boolean,
  ): Promise<Result<ChannelNotificationsView, ApiRefusal>>;
  /** `GET /api/provisioning`: the status of every service. */
  provisioning(): Promise<Result<ProvisioningView, ApiRefusal>>;
  /** `POST /api/sync`: a manual synchronization of every service that may sync (R3, R4). */
  sync(): Promise<Result<SyncAccepted, ApiRefusal>>;
  /** `POST /api/extend`: Extend protection to all targets (R11). */
  extend(): Promise<Result<ExtendResult, ApiRefusal>>;
  /** `GET /api/sync-runs`: newest first. */
  syncRuns(options?: { service?: ServiceId; limit?: number }): Promise<Result<SyncRunView[], ApiRefusal>>;
}

/** Options of `createCasApiClient`. */
export interface CasApiClientOptions {
  /** `API_ORIGIN`, e.g. http://127.0.0.1:3979. */
  readonly origin: string;
  /** `SECRET_BOT_API_KEY` (base64, 32 bytes). */
  readonly botApiKey: string;
  /** Per-request time limit in ms. Default 15000 (Teams waits about 15 s for an invoke answer). */
  readonly timeoutMs?: number;
  /** fetch implementation. Default the global one. */
  readonly fetch?: typeof fetch;
}

/** Returns a factory of API clients, one per acting user. */
export function createCasApiClient(options: CasApiClientOptions): (user: ActingUser) => CasApi {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function call<T>(
    user: ActingUser,
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    payload: Record<string, unknown> = {},
  ): Promise<Result<T, ApiRefusal>> {
    const url = new URL(path, options.origin);
    const credential = await signBotCredential(options.botApiKey, user);
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers: {
          authorization: `Bearer ${credential}`,
          accept: 'application/json',
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: method === 'POST' ? JSON.stringify(payload) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new CasApiError(`${method} ${url.pathname} did not answer`, { cause: error });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      throw new CasApiError(`${method} ${url.pathname} answered ${response.status} with non-JSON`, {
        status: response.status,
        cause: error,
      });
    }
    if (!response.ok) {
      const parsedRefusal = parseRefusal(response.status, body);
      const retryAfter = Number(response.headers.get('retry-after'));
      // The per-user rate limit says when to come back in a header; keep it with the refusal.
      const refusal =
        response.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0
          ? { ...parsedRefusal, details: { ...parsedRefusal.details, retryAfterSeconds: retryAfter } }
          : parsedRefusal;
      // A server fault is not a refusal the user can act on: it is the unexpected case.
      if (response.status >= 500) {
        throw new CasApiError(`${method} ${url.pathname} failed with ${response.status} ${refusal.code}`, {
          status: response.status,
          code: refusal.code,
        });
      }
      return err(refusal);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new CasApiError(
        `${method} ${url.pathname} answered outside the contract: ${parsed.error.message}`,
        {
          status: response.status,
        },
      );
    }
    return ok(parsed.data);
  }

  return (user) => ({
    globalAdministrator: () => call(user, 'GET', '/api/bot/global-administrator', globalAdministratorSchema),
    setChannelNotifications: (conversationId, enabled) =>
      call(user, 'POST', '/api/bot/channel-notifications', channelNotificationsSchema, {
        conversationId,
        enabled,
      }),
    provisioning: () => call(user, 'GET', '/api/provisioning', provisioningViewSchema),
    sync: () => call(user, 'POST', '/api/sync', syncAcceptedSchema),
    extend: () => call(user, 'POST', '/api/extend', extendResultSchema),
    async syncRuns(query = {}) {
      const search = new URLSearchParams();
      if (query.service !== undefined) search.set('service', query.service);
      if (query.limit !== undefined) search.set('limit', String(query.limit));
      const suffix = search.size > 0 ? `?${search.toString()}` : '';
      const result = await call(user, 'GET', `/api/sync-runs${suffix}`, syncRunListSchema);
      return result.ok ? ok(result.value.runs) : result;
    },
  });
}

function parseRefusal(status: number, body: unknown): ApiRefusal {
  const error =
    typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'object'
      ? (body.error as Record<string, unknown>)
      : {};
  const { code, message, ...details } = error;
  return {
    status,
    code: typeof code === 'string' ? code : `http_${status}`,
    message: typeof message === 'string' ? message : `The request failed with status ${status}.`,
    details,
  };
}
