import { randomUUID } from 'node:crypto';
import {
  emptyProvisioning,
  extendOfferedNotification,
  EXTEND_OFFER_TEXT,
  scopeExtendedNotification,
  secretExpiringNotification,
  serviceProtectedNotification,
  syncFailedNotification,
  tokenInvalidNotification,
  tokenRestoredNotification,
} from '@cas/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tabLinks } from '../cards/tab-links.js';
import { cardProblems, cardText, executeVerbs } from '../test-support/card-validation.js';
import { tempStore } from '../test-support/temp-store.js';
import { notificationCard } from './notification-cards.js';
import type { SyncRun, TokenIncident } from '@cas/core';
import type { DurableStore } from '@cas/store';

const TENANT = 'tenant-1';
const links = tabLinks('app-id');
let stored: Awaited<ReturnType<typeof tempStore>>;
let store: DurableStore;

const base = () => ({ id: randomUUID(), createdAt: '2026-11-27T12:00:00.000Z' });
const incident: TokenIncident = {
  id: 'incident-1',
  tenantId: TENANT,
  services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
  apps: ['exchangeOnlineGraph', 'sharePointOnlineGraph', 'oneDriveGraph'],
  cause: 'consentRevoked',
  detail: 'AADSTS7000229',
  missingRoles: [],
  openedAt: '2026-11-27T11:30:00.000Z',
  lastFailureAt: '2026-11-27T11:45:00.000Z',
  failureCount: 3,
  closedAt: null,
};
const run: SyncRun = {
  id: 'run-9',
  tenantId: TENANT,
  service: 'oneDrive',
  trigger: 'scheduled',
  scope: 'allUsersAndGroups',
  status: 'failed',
  requestedAt: '2026-11-27T11:00:00.000Z',
  requestedBy: { kind: 'system', component: 'scheduler' },
  startedAt: '2026-11-27T11:00:01.000Z',
  finishedAt: '2026-11-27T11:00:31.000Z',
  added: 3,
  updated: 0,
  removed: 0,
  graphRequests: 5,
  error: 'Graph answered 403 Authorization_RequestDenied.',
  cancelReason: null,
  missingTargets: [],
  protectedTargets: null,
};

beforeEach(async () => {
  stored = await tempStore();
  store = stored.store;
});

afterEach(async () => {
  await stored.dispose();
});

describe('notificationCard', () => {
  it('turns a token-invalid notification into one alert listing the services, with cause, since when, and Open Service Account', async () => {
    await store.tokenIncidents.put(incident);
    const card = await notificationCard(tokenInvalidNotification(base(), incident), store, links);
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain(
      'The access token for Exchange Online, SharePoint Online and OneDrive is invalid',
    );
    expect(cardText(card)).toContain('The admin consent was revoked');
    expect(cardText(card)).toContain('2026-11-27T11:30:00Z');
    expect(card.actions?.[0]).toMatchObject({ type: 'Action.OpenUrl', title: 'Open Service Account' });
  });

  it('names the missing permission of a partial loss', async () => {
    const partial = {
      ...incident,
      services: ['exchangeOnline'] as const,
      cause: 'rolesRemoved' as const,
      missingRoles: ['Mail.ReadWrite'],
    };
    await store.tokenIncidents.put(partial);
    const card = await notificationCard(tokenInvalidNotification(base(), partial), store, links);
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain('The access token for Exchange Online is invalid');
    expect(cardText(card)).toContain('Missing permissions');
    expect(cardText(card)).toContain('Mail.ReadWrite');
  });

  it('still renders a token-invalid card when the incident is gone', async () => {
    const card = await notificationCard(tokenInvalidNotification(base(), incident), store, links);
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain('2026-11-27T12:00:00Z');
  });

  it('says "Exchange Online protected." with the saved scope', async () => {
    const provisioning = emptyProvisioning(TENANT);
    await store.provisioning.save(
      {
        ...provisioning,
        services: {
          ...provisioning.services,
          exchangeOnline: {
            ...provisioning.services.exchangeOnline,
            status: 'protected',
            scope: 'selectedUsers',
            protectedAt: '2026-11-27T10:00:00.000Z',
          },
        },
      },
      0,
    );
    const notification = serviceProtectedNotification(
      { ...base(), tenantId: TENANT },
      { service: 'exchangeOnline', protectedAt: '2026-11-27T10:00:00.000Z' },
    );
    const card = await notificationCard(notification, store, links);
    expect(cardText(card)).toContain('Exchange Online protected.');
    expect(cardText(card)).toContain('Synchronize selected users');
  });

  it('offers Extend protection on the extend notification', async () => {
    const card = await notificationCard(
      extendOfferedNotification({ ...base(), tenantId: TENANT }, { since: 'x' }),
      store,
      links,
    );
    expect(cardText(card)).toContain(EXTEND_OFFER_TEXT);
    expect(executeVerbs(card)).toEqual(['extendProtection']);
  });

  it('shows the figures of a failed synchronization', async () => {
    await store.syncRuns.create(run);
    const card = await notificationCard(syncFailedNotification(base(), run), store, links);
    expect(cardText(card)).toContain('Synchronization failed');
    expect(cardText(card)).toContain('Graph answered 403 Authorization_RequestDenied.');
  });

  it.each([
    [
      'token restored',
      tokenRestoredNotification(base(), { ...incident, closedAt: '2026-11-27T12:00:00.000Z' }),
      'valid again',
    ],
    [
      'scope extended',
      scopeExtendedNotification(
        { ...base(), tenantId: TENANT },
        { services: ['exchangeOnline', 'oneDrive'], extendedAt: 'x' },
      ),
      'All targets protected',
    ],
    [
      'secret expiring',
      secretExpiringNotification({ ...base(), tenantId: TENANT }, { expiresAt: '2027-01-01T00:00:00.000Z' }),
      'expires on 2027-01-01',
    ],
    [
      'sync failed without its run',
      syncFailedNotification(base(), { ...run, id: 'unknown' }),
      'Synchronization of OneDrive failed',
    ],
  ])('renders %s as a valid card', async (_name, notification, words) => {
    const card = await notificationCard(notification, store, links);
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain(words);
  });
});
