/**
 * The tab's only door to the API: the shared contract client (`@cas/contracts`) over fetch with the
 * user's bearer token (Teams SSO or MSAL). Answers are parsed with the contract's schemas; expected
 * failures (the API's refusals, an unreachable API, an answer outside the contract) come back as
 * Result values with words for the screen.
 */
import {
  callApi,
  ContractViolation,
  createFetchTransport,
  routes,
  type AnswerOf,
  type RequestOf,
  type RouteContract,
} from '@cas/contracts';
import { err } from '@cas/core';
import type { ConsentStep, ServiceId, SiteTarget, SyncScope, Target, Result } from '@cas/core';

/** An API refusal or an unreachable API, with words for the screen. */
export interface ApiFailure {
  /** HTTP status; 0 when the API could not be reached. */
  readonly status: number;
  /** The API's error code, or `network_error` / `token_error` / `unexpected_answer`. */
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
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

type Answer<C> = Promise<ApiResult<AnswerOf<C>>>;

/** The routes the tab calls. */
export interface ApiClient {
  me(): Answer<typeof routes.me>;
  provisioning(): Answer<typeof routes.provisioning>;
  startConsent(service: ServiceId, step: ConsentStep): Answer<typeof routes.startConsent>;
  startTokenRenewal(service: ServiceId, step: ConsentStep): Answer<typeof routes.startTokenRenewal>;
  /** By User; with `service`, a user that service has nothing of (no mailbox, no OneDrive) is refused (422). */
  findUser(upn: string, service?: ServiceId): Answer<typeof routes.findUser>;
  /** SharePoint Online's Selected Targets: verifies a pasted site collection URL. */
  findSite(url: string): Answer<typeof routes.findSite>;
  findGroups(query: string): Answer<typeof routes.findGroups>;
  /** With `service`, the users that service has nothing of come back as `excluded`. */
  groupUsers(groupId: string, service?: ServiceId): Answer<typeof routes.groupUsers>;
  targetsSummary(): Answer<typeof routes.targetsSummary>;
  saveProvisioning(
    service: ServiceId,
    body: {
      scope: SyncScope;
      targets?: readonly Target[];
      sites?: readonly SiteTarget[];
      expectedVersion: string;
    },
  ): Answer<typeof routes.done>;
  /** R13: answers the run queued now, or the one already queued (`alreadyQueued`). */
  startSync(service: ServiceId): Answer<typeof routes.syncService>;
  syncRuns(service?: ServiceId, limit?: number): Answer<typeof routes.syncRuns>;
  policies(): Answer<typeof routes.policies>;
  extend(): Answer<typeof routes.extend>;
  serviceAccount(): Answer<typeof routes.serviceAccount>;
  notifications(): Answer<typeof routes.notifications>;
  markRead(id: string): Answer<typeof routes.markNotificationRead>;
}

/** Thrown by the transport when no answer came; turned into a failure Result. */
class Unanswered extends Error {
  constructor(readonly failure: ApiFailure) {
    super(failure.message);
  }
}

/** Creates the API client. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const transport = createFetchTransport({
    baseUrl: options.baseUrl ?? '',
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    async authorization() {
      try {
        return `Bearer ${await options.getToken()}`;
      } catch (error) {
        throw new Unanswered({
          status: 401,
          code: 'token_error',
          message: `Could not sign you in: ${messageOf(error)}`,
        });
      }
    },
    unanswered: () =>
      new Unanswered({
        status: 0,
        code: 'network_error',
        message: 'Cloud App Security cannot be reached. Check your connection and try again.',
      }),
  });

  async function call<C extends RouteContract>(route: C, input: RequestOf<C>): Answer<C> {
    try {
      return await callApi(transport, route, input);
    } catch (error) {
      if (error instanceof Unanswered) return err(error.failure);
      if (error instanceof ContractViolation) {
        return err({
          status: error.status,
          code: 'unexpected_answer',
          message: 'Cloud App Security answered in a way this page does not understand. Reload the page.',
        });
      }
      throw error;
    }
  }

  return {
    me: () => call(routes.me, {}),
    provisioning: () => call(routes.provisioning, {}),
    startConsent: (service, step) => call(routes.startConsent, { params: { service, step } }),
    startTokenRenewal: (service, step) => call(routes.startTokenRenewal, { params: { service, step } }),
    findUser: (upn, service) =>
      call(routes.findUser, { query: { upn, ...(service === undefined ? {} : { service }) } }),
    findSite: (url) => call(routes.findSite, { query: { url } }),
    findGroups: (query) => call(routes.findGroups, { query: { query } }),
    groupUsers: (groupId, service) =>
      call(routes.groupUsers, { params: { groupId }, query: service === undefined ? {} : { service } }),
    targetsSummary: () => call(routes.targetsSummary, {}),
    saveProvisioning: (service, body) =>
      call(routes.done, {
        params: { service },
        body,
      }),
    startSync: (service) => call(routes.syncService, { params: { service } }),
    syncRuns: (service, limit = 20) =>
      call(routes.syncRuns, { query: { ...(service === undefined ? {} : { service }), limit } }),
    policies: () => call(routes.policies, {}),
    extend: () => call(routes.extend, {}),
    serviceAccount: () => call(routes.serviceAccount, {}),
    notifications: () => call(routes.notifications, { query: { limit: 50 } }),
    markRead: (id) => call(routes.markNotificationRead, { params: { id } }),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
