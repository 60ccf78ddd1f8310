/**
 * The tab's only door to the API: JSON over fetch with the user's bearer token (Teams SSO or
 * MSAL). Expected failures (4xx with the API's error body) come back as Result values.
 */
import { err, ok } from '@cas/core';
import type {
  ConsentStart,
  DirectoryGroup,
  DirectoryUser,
  DoneResult,
  ExtendResult,
  GroupUsersPage,
  Me,
  NotificationList,
  PoliciesView,
  ProvisioningView,
  ServiceAccountView,
  ChangeNotificationsView,
} from './api-types.js';
import type { ConsentStep, QueuedSyncRun, Result, ServiceId, SyncRun, SyncScope, Target } from '@cas/core';

/** An API refusal or an unreachable API, with words for the screen. */
export interface ApiFailure {
  /** HTTP status; 0 when the API could not be reached. */
  readonly status: number;
  /** The API's error code, or `network_error` / `token_error`. */
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** The outcome of one API call. */
export type ApiResult<T> = Result<T, ApiFailure>;

/** Gives a fresh bearer token for the API (Teams SSO or MSAL). */
export type TokenProvider = () => Promise<string>;

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  /** Where the API lives; default '' (same origin: the tab server proxies `/api`). */
  readonly baseUrl?: string;
  readonly getToken: TokenProvider;
  /** Injected for tests; default the global fetch. */
  readonly fetch?: typeof fetch;
}

/** Typed calls of docs/api.md used by the tab. */
export interface ApiClient {
  me(): Promise<ApiResult<Me>>;
  provisioning(): Promise<ApiResult<ProvisioningView>>;
  startConsent(service: ServiceId, step: ConsentStep): Promise<ApiResult<ConsentStart>>;
  startTokenRenewal(service: ServiceId, step: ConsentStep): Promise<ApiResult<ConsentStart>>;
  findUser(upn: string): Promise<ApiResult<{ user: DirectoryUser }>>;
  findGroups(query: string): Promise<ApiResult<{ groups: DirectoryGroup[] }>>;
  groupUsers(groupId: string): Promise<ApiResult<GroupUsersPage>>;
  /** Scope preview of **Synchronize all users and groups**: how many users the directory holds. */
  targetsSummary(): Promise<ApiResult<{ users: number }>>;
  saveProvisioning(
    service: ServiceId,
    body: { scope: SyncScope; targets?: readonly Target[]; expectedVersion: string },
  ): Promise<ApiResult<DoneResult>>;
  /** R13: answers the run queued now, or the one already queued (`alreadyQueued`). */
  startSync(service: ServiceId): Promise<ApiResult<{ syncRuns: QueuedSyncRun[] }>>;
  syncRuns(service?: ServiceId, limit?: number): Promise<ApiResult<{ runs: SyncRun[] }>>;
  policies(): Promise<ApiResult<PoliciesView>>;
  extend(): Promise<ApiResult<ExtendResult>>;
  serviceAccount(): Promise<
    ApiResult<{ services: ServiceAccountView[]; changeNotifications?: ChangeNotificationsView }>
  >;
  notifications(): Promise<ApiResult<NotificationList>>;
  markRead(id: string): Promise<ApiResult<{ id: string; read: true }>>;
}

/** Creates the API client. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    let token: string;
    try {
      token = await options.getToken();
    } catch (error) {
      return err({ status: 401, code: 'token_error', message: `Could not sign you in: ${messageOf(error)}` });
    }
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      return err({
        status: 0,
        code: 'network_error',
        message: 'Cloud App Security cannot be reached. Check your connection and try again.',
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      // A non-JSON body (a proxy's error page) is treated like no body.
    }
    if (response.ok) return ok(json as T);
    const error = (json as { error?: Record<string, unknown> } | undefined)?.error;
    const { code, message, ...details } = error ?? {};
    return err({
      status: response.status,
      code: typeof code === 'string' ? code : `http_${response.status}`,
      message:
        typeof message === 'string' ? message : `Cloud App Security answered ${response.status}. Try again.`,
      details,
    });
  }

  const q = encodeURIComponent;
  return {
    me: () => call('GET', '/api/me'),
    provisioning: () => call('GET', '/api/provisioning'),
    startConsent: (service, step) => call('POST', `/api/services/${service}/consent/${step}`, {}),
    startTokenRenewal: (service, step) =>
      call('POST', `/api/services/${service}/service-account/token/${step}`, {}),
    findUser: (upn) => call('GET', `/api/targets/users?upn=${q(upn)}`),
    findGroups: (query) => call('GET', `/api/targets/groups?query=${q(query)}`),
    groupUsers: (groupId) => call('GET', `/api/targets/groups/${q(groupId)}/users`),
    targetsSummary: () => call('GET', '/api/targets/summary'),
    saveProvisioning: (service, body) => call('PUT', `/api/services/${service}/provisioning`, body),
    startSync: (service) => call('POST', `/api/services/${service}/sync`, {}),
    syncRuns: (service, limit = 20) =>
      call('GET', `/api/sync-runs?${service ? `service=${service}&` : ''}limit=${limit}`),
    policies: () => call('GET', '/api/policies'),
    extend: () => call('POST', '/api/extend', {}),
    serviceAccount: () => call('GET', '/api/service-account'),
    notifications: () => call('GET', '/api/notifications?limit=50'),
    markRead: (id) => call('POST', `/api/notifications/${q(id)}/read`, {}),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
