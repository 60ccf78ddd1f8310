// Token health with one app registration per consent step, against the emulator: one probe per
// app, so removing one app's consent breaks the service of that app only, and the tenant's one
// incident names the app and the permission. Credential expiry is the operators' business: a log
// alert, never a customer notification.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { emptyProvisioning, SERVICE_IDS, type ServiceAccount, type ServiceId } from '@cas/core';
import {
  CONTOSO_TENANT_ID,
  DEVELOPMENT_CONSENT_APPS,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { createAppTokenSource } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../test-support/sync-fixtures.js';
import { TokenHealthMonitor } from './token-health-monitor.js';

const TENANT = CONTOSO_TENANT_ID;
let emulator: RunningEmulator;
let store: DurableStore;
let dataDir: string;
let monitor: TokenHealthMonitor;

const control = (method: string, path: string, body?: unknown) =>
  emulatorControl(emulator.origin, method, path, body);
const principalOf = (app: keyof typeof DEVELOPMENT_CONSENT_APPS) =>
  `/tenants/${TENANT}/service-principals/${DEVELOPMENT_CONSENT_APPS[app].clientId}`;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-health-apps-'));
  store = await createStore({ dataDir, encryptionKey: SecretCipher.generateKey() });
  const base = emptyProvisioning(TENANT);
  const at = '2025-01-01T00:00:00.000Z';
  const account = (service: ServiceId): ServiceAccount => ({
    ...base.services[service],
    status: 'protected',
    scope: 'allUsersAndGroups',
    protectedAt: at,
  });
  await store.provisioning.save(
    {
      ...base,
      services: Object.fromEntries(SERVICE_IDS.map((service) => [service, account(service)])) as Record<
        ServiceId,
        ServiceAccount
      >,
    },
    0,
  );
  monitor = new TokenHealthMonitor({
    store,
    tokens: createAppTokenSource({ authorityHost: emulator.origin, apps: DEVELOPMENT_CONSENT_APPS }),
    graphBaseUrl: emulator.origin,
    ewsEnabled: true,
    now: () => new Date().toISOString(),
    logger: silentLogger,
  });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  // Every case starts from all four apps consented, and a healthy tenant.
  for (const app of Object.keys(DEVELOPMENT_CONSENT_APPS) as (keyof typeof DEVELOPMENT_CONSENT_APPS)[])
    await control('PUT', principalOf(app), {});
  expect(await monitor.checkTenant(TENANT)).toEqual({ ok: true });
});

describe('one probe per app (R9)', () => {
  it("removing Exchange Online's Graph app breaks Exchange Online only; the incident names that app", async () => {
    await control('DELETE', principalOf('exchangeOnlineGraph'));
    expect(await monitor.checkTenant(TENANT)).toMatchObject({
      ok: false,
      cause: 'consentRevoked',
      services: ['exchangeOnline'],
    });
    const provisioning = await store.provisioning.get(TENANT);
    expect(SERVICE_IDS.map((service) => provisioning?.services[service].status)).toEqual([
      'tokenInvalid',
      'protected',
      'protected',
    ]);
    const [incident, ...more] = await store.tokenIncidents.list(TENANT, { openOnly: true });
    expect(more).toEqual([]);
    expect(incident).toMatchObject({ apps: ['exchangeOnlineGraph'], services: ['exchangeOnline'] });
    expect(incident?.detail).toMatch(/^Cloud App Security for Exchange Online: .*AADSTS7000229/);

    await control('PUT', principalOf('exchangeOnlineGraph'), {});
    expect(await monitor.checkTenant(TENANT)).toEqual({ ok: true });
    expect(await store.tokenIncidents.list(TENANT, { openOnly: true })).toEqual([]);
  });

  it("a permission removed from SharePoint Online's app is named with the app, and no other service fails", async () => {
    await control('POST', `${principalOf('sharePointOnlineGraph')}/remove-roles`, {
      resource: 'https://graph.microsoft.com',
      roles: ['Sites.Read.All'],
    });
    expect(await monitor.checkTenant(TENANT)).toMatchObject({
      ok: false,
      cause: 'rolesRemoved',
      services: ['sharePointOnline'],
      apps: ['sharePointOnlineGraph'],
      missingRoles: ['Sites.Read.All'],
    });
    const [incident] = await store.tokenIncidents.list(TENANT, { openOnly: true });
    expect(incident?.detail).toBe(
      'The Cloud App Security for SharePoint Online token (Microsoft Graph) lacks Sites.Read.All.',
    );
  });

  it('without EWS, the EWS app is not probed at all', async () => {
    await control('DELETE', principalOf('exchangeOnlineEws'));
    const graphOnly = new TokenHealthMonitor({
      store,
      tokens: createAppTokenSource({ authorityHost: emulator.origin, apps: DEVELOPMENT_CONSENT_APPS }),
      graphBaseUrl: emulator.origin,
      ewsEnabled: false,
      now: () => new Date().toISOString(),
      logger: silentLogger,
    });
    expect(await graphOnly.checkTenant(TENANT)).toEqual({ ok: true });
  });
});

describe("credential expiry: the operators' warning", () => {
  it('logs one alert per expiring credential (at most daily) and tells no customer', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
            lines.push(JSON.parse(line) as Record<string, unknown>);
          callback();
        },
      }),
    );
    const now = Date.parse('2026-12-01T12:00:00.000Z');
    const expiring = new TokenHealthMonitor({
      store,
      tokens: createAppTokenSource({ authorityHost: emulator.origin, apps: DEVELOPMENT_CONSENT_APPS }),
      graphBaseUrl: emulator.origin,
      ewsEnabled: true,
      now: () => new Date(now).toISOString(),
      logger,
      secretWarningDays: 30,
      credentialExpiries: [
        { app: 'oneDriveGraph', kind: 'certificate', expiresAt: '2026-12-11T00:00:00.000Z' },
        { app: 'exchangeOnlineGraph', kind: 'secret', expiresAt: '2027-06-01T00:00:00.000Z' },
      ],
    });
    const notificationsBefore = (await store.notifications.list(TENANT)).length;
    await expiring.checkAll();
    await expiring.checkAll();
    const alerts = lines.filter((line) => line.alert === 'consentAppCredentialExpiring');
    expect(alerts).toEqual([
      expect.objectContaining({
        app: 'oneDriveGraph',
        appName: 'Cloud App Security for OneDrive',
        credential: 'certificate',
        expiresAt: '2026-12-11T00:00:00.000Z',
        daysLeft: 9,
      }),
    ]);
    expect((await store.notifications.list(TENANT)).length).toBe(notificationsBefore);
  });
});
