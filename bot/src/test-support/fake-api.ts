/** A scripted CasApi for unit tests of commands, actions and the turn handler. */
import { err, ok, scopeExtendedNotification } from '@cas/core';
import type { ApiRefusal, CasApi } from '../cas-api/cas-api-client.js';
import type { ExtendResult, ProvisioningView, QueuedSyncRunView } from '@cas/contracts';
import type { ServiceId } from '@cas/core';

/** A dashboard with every service in `status`, all in `scope`. */
export function provisioningView(
  scope: 'allUsersAndGroups' | 'selectedUsers' | null,
  overrides: Partial<ProvisioningView> = {},
): ProvisioningView {
  const names: Record<ServiceId, string> = {
    exchangeOnline: 'Exchange Online',
    sharePointOnline: 'SharePoint Online',
    oneDrive: 'OneDrive',
  };
  return {
    tenantId: 'tenant-1',
    version: 'r3-3f9a1c0e5b7d2a41',
    services: (Object.keys(names) as ServiceId[]).map((service) => ({
      service,
      name: names[service],
      status: scope === null ? 'notProvisioned' : 'protected',
      scope,
      targets: [],
      sites: [],
      protectedAt: scope === null ? null : '2026-11-27T10:00:00.000Z',
      lastVerifiedAt: scope === null ? null : '2026-11-27T11:00:00.000Z',
      tokenFailure: null,
      consentSteps: [],
      lastSync: null,
      protectedUsers: null,
      protectedTargets: null,
    })),
    scopeLock: null,
    extend: { available: scope === 'selectedUsers', reason: null },
    manualSync:
      scope === 'allUsersAndGroups'
        ? { allowed: true, reason: null }
        : { allowed: false, reason: 'Manual synchronization is not available with selected users.' },
    unreadNotifications: 0,
    ...overrides,
  };
}

/** A synchronization run. */
export function syncRun(overrides: Partial<QueuedSyncRunView> = {}): QueuedSyncRunView {
  return {
    id: 'run-1',
    tenantId: 'tenant-1',
    service: 'exchangeOnline',
    trigger: 'manual',
    scope: 'allUsersAndGroups',
    status: 'pending',
    requestedAt: '2026-11-27T12:00:00.000Z',
    requestedBy: {
      kind: 'user',
      userId: 'admin-object-id',
      userPrincipalName: 'admin@contoso.onmicrosoft.com',
    },
    startedAt: null,
    finishedAt: null,
    added: 0,
    updated: 0,
    removed: 0,
    graphRequests: 0,
    error: null,
    cancelReason: null,
    missingTargets: [],
    protectedTargets: null,
    alreadyQueued: false,
    ...overrides,
  };
}

/** What `POST /api/extend` answers after extending `services`, with the API's own message. */
export function extendResult(services: readonly ServiceId[]): ExtendResult {
  return {
    provisioning: provisioningView('allUsersAndGroups'),
    services,
    syncRuns: [],
    message:
      services.length === 0
        ? null
        : scopeExtendedNotification(
            { id: 'n-1', tenantId: 'tenant-1', createdAt: '2026-11-27T12:00:00.000Z' },
            { services, extendedAt: '2026-11-27T12:00:00.000Z' },
          ).message,
  };
}

/** A refusal as the API states it. */
export function refusal(
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): ApiRefusal {
  return { status, code, message, details };
}

/** The calls a FakeApi received, by method name. */
export type ApiCall = keyof CasApi;

/** Answers from a script; records every call. */
export function fakeApi(
  script: Partial<{
    [K in keyof CasApi]: Awaited<ReturnType<CasApi[K]>> | (() => Promise<Awaited<ReturnType<CasApi[K]>>>);
  }>,
): CasApi & {
  calls: ApiCall[];
  /** The arguments of every `setChannelNotifications` call. */
  channelNotificationRequests: { conversationId: string; enabled: boolean }[];
} {
  const calls: ApiCall[] = [];
  const channelNotificationRequests: { conversationId: string; enabled: boolean }[] = [];
  const answer = <K extends keyof CasApi>(name: K) =>
    (async () => {
      calls.push(name);
      const scripted = script[name];
      if (scripted === undefined) return err(refusal(500, 'not_scripted', `${name} was not expected`));
      return typeof scripted === 'function' ? scripted() : scripted;
    }) as CasApi[K];
  const setChannelNotifications = answer('setChannelNotifications');
  return {
    calls,
    channelNotificationRequests,
    provisioning: answer('provisioning'),
    sync: answer('sync'),
    extend: answer('extend'),
    syncRuns: answer('syncRuns'),
    globalAdministrator: answer('globalAdministrator'),
    setChannelNotifications: (conversationId, enabled) => {
      channelNotificationRequests.push({ conversationId, enabled });
      return setChannelNotifications(conversationId, enabled);
    },
  };
}

export { err, ok };
