/**
 * HTTP client of the Cloud App Security API for the bot, acting for one Teams user. Refusals the
 * API states (409 manual_sync_not_allowed, 403 not an admin…) come back as Result errors; an API
 * that does not answer, or answers outside the contract, throws `CasApiError`.
 */
import {
  callApi,
  ContractViolation,
  createFetchTransport,
  routes,
  type AnswerOf,
  type ApiRefusal,
  type RequestOf,
  type RouteContract,
  type SyncRunView,
} from '@cas/contracts';
import { ok } from '@cas/core';
import { signBotCredential } from './bot-credential.js';
import { CasApiError } from './cas-api-error.js';
import type { ActingUser } from './bot-credential.js';
import type { Result, ServiceId } from '@cas/core';

export type { ApiRefusal } from '@cas/contracts';

type Answer<C> = Promise<Result<AnswerOf<C>, ApiRefusal>>;

/** What the bot asks of the API on behalf of one user; tests of commands fake this. */
export interface CasApi {
  /**
   * `GET /api/bot/global-administrator`: whether this user holds Global Administrator (Graph).
   * Throws `CasApiError` with code `role_check_unavailable` when Graph cannot tell.
   */
  globalAdministrator(): Answer<typeof routes.botGlobalAdministrator>;
  /** `POST /api/bot/channel-notifications`: `notify here` / `notify off` in a shared conversation, as this user. */
  setChannelNotifications(
    conversationId: string,
    enabled: boolean,
  ): Answer<typeof routes.botChannelNotifications>;
  /** `GET /api/provisioning`: the status of every service. */
  provisioning(): Answer<typeof routes.provisioning>;
  /** `POST /api/sync`: a manual synchronization of every service that may sync (R3, R4). */
  sync(): Answer<typeof routes.syncAll>;
  /** `POST /api/extend`: Extend protection to all targets (R11). */
  extend(): Answer<typeof routes.extend>;
  /** `GET /api/sync-runs`: newest first. */
  syncRuns(options?: {
    service?: ServiceId;
    limit?: number;
  }): Promise<Result<readonly SyncRunView[], ApiRefusal>>;
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

  /** Requests as `user`, each with a fresh bot credential and a time limit. */
  const transportFor = (user: ActingUser) =>
    createFetchTransport({
      baseUrl: options.origin,
      fetch: fetchImpl,
      authorization: async () => `Bearer ${await signBotCredential(options.botApiKey, user)}`,
      timeoutMs,
      unanswered: (request, cause) =>
        new CasApiError(`${request.method} ${request.path} did not answer`, { cause }),
      notJson: (request, status, cause) =>
        new CasApiError(`${request.method} ${request.path} answered ${status} with non-JSON`, {
          status,
          cause,
        }),
    });

  async function call<C extends RouteContract>(user: ActingUser, route: C, input: RequestOf<C>): Answer<C> {
    let result;
    try {
      result = await callApi(transportFor(user), route, input);
    } catch (error) {
      if (error instanceof ContractViolation) {
        throw new CasApiError(error.message, { status: error.status });
      }
      throw error;
    }
    // A server fault is not a refusal the user can act on: it is the unexpected case.
    if (!result.ok && result.error.status >= 500) {
      throw new CasApiError(
        `${route.method} ${route.path} failed with ${result.error.status} ${result.error.code}`,
        { status: result.error.status, code: result.error.code },
      );
    }
    return result;
  }

  return (user) => ({
    globalAdministrator: () => call(user, routes.botGlobalAdministrator, {}),
    setChannelNotifications: (conversationId, enabled) =>
      call(user, routes.botChannelNotifications, { body: { conversationId, enabled } }),
    provisioning: () => call(user, routes.provisioning, {}),
    sync: () => call(user, routes.syncAll, {}),
    extend: () => call(user, routes.extend, {}),
    async syncRuns(query = {}) {
      const result = await call(user, routes.syncRuns, { query });
      return result.ok ? ok(result.value.runs) : result;
    },
  });
}
