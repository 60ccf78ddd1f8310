import { describe, expect, it } from 'vitest';
import {
  EXTEND_OFFER_TEXT,
  extendOfferedNotification,
  scopeExtendedNotification,
  secretExpiringNotification,
  serviceProtectedNotification,
  syncFailedNotification,
  tokenInvalidNotification,
  tokenRestoredNotification,
} from './notifications.js';
import { ADMIN, START, TENANT_ID } from './test-support/fixtures.js';
import type { SyncRun, TokenIncident } from './model.js';

const base = { id: 'n-1', tenantId: TENANT_ID, createdAt: START };

const incident: TokenIncident = {
  id: 'inc-42',
  tenantId: TENANT_ID,
  services: ['sharePointOnline'],
  apps: ['sharePointOnlineGraph'],
  cause: 'rolesRemoved',
  detail: 'The Cloud App Security for SharePoint Online token (Microsoft Graph) lacks Sites.Read.All.',
  missingRoles: ['Sites.Read.All'],
  openedAt: START,
  lastFailureAt: START,
  failureCount: 3,
  closedAt: null,
};

describe('provisioning succeeded', () => {
  it.each([
    ['exchangeOnline', 'Exchange Online protected.'],
    ['sharePointOnline', 'SharePoint Online protected.'],
    ['oneDrive', 'OneDrive protected.'],
  ] as const)('R1: %s reads exactly "%s"', (service, text) => {
    expect(serviceProtectedNotification(base, { service, protectedAt: START })).toEqual({
      id: 'n-1',
      tenantId: TENANT_ID,
      kind: 'serviceProtected',
      service,
      message: text,
      dedupeKey: `serviceProtected:${TENANT_ID}:${service}:${START}`,
      createdAt: START,
      readAt: null,
    });
  });

  it('R1: the same protection raised twice has one key; a later protection has another', () => {
    const first = serviceProtectedNotification(base, { service: 'exchangeOnline', protectedAt: START });
    const retried = serviceProtectedNotification(
      { ...base, id: 'n-2' },
      { service: 'exchangeOnline', protectedAt: START },
    );
    const later = serviceProtectedNotification(base, {
      service: 'exchangeOnline',
      protectedAt: '2025-04-01T00:00:00.000Z',
    });
    expect(retried.dedupeKey).toBe(first.dedupeKey);
    expect(later.dedupeKey).not.toBe(first.dedupeKey);
  });
});

describe('token invalid and restored', () => {
  it('R9: the alert names the service, the cause and the missing role and points to Administration > Service Account', () => {
    const notification = tokenInvalidNotification({ id: 'n-2', createdAt: START }, incident);
    expect(notification).toMatchObject({ kind: 'tokenInvalid', tenantId: TENANT_ID, service: null });
    expect(notification.message).toBe(
      'The access token for SharePoint Online is invalid. The permissions granted to Cloud App Security were removed from its enterprise application. Missing permissions: Sites.Read.All. Go to Administration > Service Account to create a new access token.',
    );
  });

  it('R9: one outage of three services is one alert listing them', () => {
    const notification = tokenInvalidNotification(
      { id: 'n-2', createdAt: START },
      {
        ...incident,
        services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
        cause: 'consentRevoked',
        missingRoles: [],
      },
    );
    expect(notification.message).toBe(
      'The access token for Exchange Online, SharePoint Online and OneDrive is invalid. The admin consent was revoked or the Cloud App Security enterprise application was deleted from your tenant. Go to Administration > Service Account to create a new access token.',
    );
  });

  it('R9: one alert per incident, however many failures it counts', () => {
    const early = tokenInvalidNotification({ id: 'n-2', createdAt: START }, { ...incident, failureCount: 1 });
    const late = tokenInvalidNotification(
      { id: 'n-9', createdAt: START },
      { ...incident, failureCount: 12, cause: 'consentRevoked' },
    );
    expect(early.dedupeKey).toBe('tokenInvalid:inc-42');
    expect(late.dedupeKey).toBe(early.dedupeKey);
    expect(tokenInvalidNotification(base, { ...incident, id: 'inc-43' }).dedupeKey).toBe(
      'tokenInvalid:inc-43',
    );
  });

  it('R10: recovery says so for every affected service, once per incident', () => {
    const restored = tokenRestoredNotification(
      { id: 'n-3', createdAt: START },
      { ...incident, services: ['sharePointOnline', 'oneDrive'], closedAt: START },
    );
    expect(restored).toMatchObject({
      kind: 'tokenRestored',
      service: null,
      message: 'The access token for SharePoint Online and OneDrive is valid again; protection has resumed.',
      dedupeKey: 'tokenRestored:inc-42',
    });
  });
});

describe('extend', () => {
  it('R11: the offer uses the source text, once per selected-mode period', () => {
    const offer = extendOfferedNotification(base, { since: START });
    expect(EXTEND_OFFER_TEXT).toBe('Extend to protect all your Office 365 service targets.');
    expect(offer).toMatchObject({ kind: 'extendOffered', service: null, message: EXTEND_OFFER_TEXT });
    expect(offer.dedupeKey).toBe(`extendOffered:${TENANT_ID}:${START}`);
    expect(extendOfferedNotification(base, { since: '2025-05-01T00:00:00.000Z' }).dedupeKey).not.toBe(
      offer.dedupeKey,
    );
  });

  it.each([
    [['exchangeOnline'], 'Protection extended: Exchange Online now synchronizes all users and groups.'],
    [
      ['exchangeOnline', 'oneDrive'],
      'Protection extended: Exchange Online and OneDrive now synchronize all users and groups.',
    ],
    [
      ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
      'Protection extended: Exchange Online, SharePoint Online and OneDrive now synchronize all users and groups.',
    ],
  ] as const)('R11: confirms Submit for %j', (services, message) => {
    const notification = scopeExtendedNotification(base, { services, extendedAt: START });
    expect(notification.message).toBe(message);
    expect(notification.dedupeKey).toBe(`scopeExtended:${TENANT_ID}:${START}`);
  });
});

describe('other notifications', () => {
  const run: SyncRun = {
    id: 'run-7',
    tenantId: TENANT_ID,
    service: 'oneDrive',
    trigger: 'scheduled',
    scope: 'allUsersAndGroups',
    status: 'failed',
    requestedAt: START,
    requestedBy: ADMIN,
    startedAt: START,
    finishedAt: START,
    added: 0,
    updated: 0,
    removed: 0,
    graphRequests: 3,
    error: 'Graph answered 503 three times.',
    cancelReason: null,
    missingTargets: [],
    protectedTargets: null,
  };

  it('R4: a failing synchronization is reported by the run that opened the streak', () => {
    const notification = syncFailedNotification({ id: 'n-4', createdAt: START }, run);
    expect(notification).toMatchObject({
      kind: 'syncFailed',
      service: 'oneDrive',
      message: 'Synchronization of OneDrive failed: Graph answered 503 three times.',
      dedupeKey: 'syncFailed:run-7',
    });
    expect(syncFailedNotification(base, { ...run, error: null }).message).toBe(
      'Synchronization of OneDrive failed.',
    );
  });

  it('R9: the credential expiry warning is raised once per expiry', () => {
    const warning = secretExpiringNotification(base, { expiresAt: '2025-04-01T00:00:00.000Z' });
    expect(warning.message).toContain('expires on 2025-04-01');
    expect(warning.dedupeKey).toBe(`secretExpiring:${TENANT_ID}:2025-04-01T00:00:00.000Z`);
  });
});
