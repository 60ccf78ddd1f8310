// Token health (R9/R10) against the emulator: each cause driven through its control API gives
// exactly one notification and one captured email per admin, whatever the number of services it
// breaks; a single role removed is named; recovery closes the incident and says so once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  emptyProvisioning,
  SERVICE_IDS,
  type ServiceAccount,
  type ServiceId,
  type TenantProvisioning,
  type TokenFailureCause,
} from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_TENANT_ID,
  FABRIKAM_TENANT_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { createAppTokenSource } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmailDeliverer } from '../mail/email-deliverer.js';
import { startMailCapture, type MailCapture } from '../mail/mail-capture.js';
import { silentLogger } from '../test-support/sync-fixtures.js';
import { TokenHealthMonitor } from './token-health-monitor.js';

const TENANT = FABRIKAM_TENANT_ID;
const ADMIN = 'admin@fabrikam.onmicrosoft.com';
let emulator: RunningEmulator;
let store: DurableStore;
let capture: MailCapture;
let dataDir: string;
let monitor: TokenHealthMonitor;
let email: EmailDeliverer;
let monitorFor: (options: { ewsEnabled: boolean }) => TokenHealthMonitor;

const control = (method: string, path: string, body?: unknown) =>
  emulatorControl(emulator.origin, method, path, body);
const principal = `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  await control('PUT', principal, {});
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-health-'));
  store = await createStore({ dataDir, encryptionKey: SecretCipher.generateKey() });
  capture = await startMailCapture({ directory: join(dataDir, 'mail'), smtpPort: 0, viewerPort: 0 });
  const base = emptyProvisioning(TENANT);
  await store.provisioning.save(
    {
      ...base,
      services: {
        ...base.services,
        exchangeOnline: {
          ...base.services.exchangeOnline,
          status: 'protected',
          scope: 'allUsersAndGroups',
          protectedAt: '2025-01-01T00:00:00.000Z',
          consents: [
            {
              step: 'microsoftGraph',
              grantedAt: '2025-01-01T00:00:00.000Z',
              grantedBy: { kind: 'user', userId: 'admin-id', userPrincipalName: ADMIN },
              roles: ['User.Read.All'],
            },
          ],
        },
      },
    },
    0,
  );
  const tokens = createAppTokenSource({
    authorityHost: emulator.origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
  });
  const now = () => new Date().toISOString();
  monitorFor = ({ ewsEnabled }) =>
    new TokenHealthMonitor({
      store,
      tokens,
      graphBaseUrl: emulator.origin,
      ewsEnabled,
      now,
      logger: silentLogger,
    });
  monitor = monitorFor({ ewsEnabled: true });
  email = new EmailDeliverer({
    store,
    smtpUrl: capture.smtpUrl,
    from: 'cas@test.local',
    now,
    logger: silentLogger,
  });
}, 60_000);

afterAll(async () => {
  email?.close();
  await capture?.close();
  await store?.close();
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('token health monitor', () => {
  it.each<[string, TokenFailureCause, () => Promise<unknown>]>([
    ['enterprise app deleted (AADSTS7000229)', 'consentRevoked', () => control('DELETE', principal)],
    [
      'roles removed (token without roles)',
      'rolesRemoved',
      () => control('POST', `${principal}/revoke-consent`),
    ],
    [
      'our secret expired (AADSTS7000222)',
      'secretExpired',
      () => control('POST', `/apps/${CLOUD_APP_SECURITY_CLIENT_ID}/secrets/expire`),
    ],
    [
      'enterprise app disabled (AADSTS7000112)',
      'appDisabled',
      () => control('PATCH', principal, { accountEnabled: false }),
    ],
  ])('%s: one notification and one email per incident, then restored', async (_label, cause, breakIt) => {
    const mailBefore = (await capture.list()).length;
    await breakIt();
    // Failing three times is still one incident.
    for (let check = 0; check < 3; check++)
      expect(await monitor.checkTenant(TENANT)).toMatchObject({ ok: false, cause });
    const provisioning = await store.provisioning.get(TENANT);
    expect(provisioning?.services.exchangeOnline).toMatchObject({
      status: 'tokenInvalid',
      tokenFailure: cause,
    });
    const incidents = await store.tokenIncidents.list(TENANT, { openOnly: true });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ cause, failureCount: 3 });
    const invalid = (await store.notifications.list(TENANT)).filter(
      (each) => each.kind === 'tokenInvalid' && each.dedupeKey === `tokenInvalid:${incidents[0]?.id}`,
    );
    expect(invalid).toHaveLength(1);
    expect(await email.deliverAll()).toBe(1);
    expect(await email.deliverAll()).toBe(0);
    const mails = await capture.list();
    expect(mails).toHaveLength(mailBefore + 1);
    expect(mails[0]).toMatchObject({
      to: ADMIN,
      subject: 'Cloud App Security: Action required: access token invalid',
    });

    // Recovery: the emulator back to its start-up state, consent granted again.
    await control('POST', '/apps/reset');
    await control('PUT', principal, {});
    await control('PATCH', principal, { accountEnabled: true });
    expect(await monitor.checkTenant(TENANT)).toEqual({ ok: true });
    expect(await store.tokenIncidents.list(TENANT, { openOnly: true })).toEqual([]);
    expect((await store.provisioning.get(TENANT))?.services.exchangeOnline.status).toBe('protected');
    const restored = (await store.notifications.list(TENANT)).filter(
      (each) => each.dedupeKey === `tokenRestored:${incidents[0]?.id}`,
    );
    expect(restored).toHaveLength(1);
    expect(await email.deliverAll()).toBe(1);
    expect((await capture.list())[0]?.subject).toBe('Cloud App Security: Access token valid again');
    const audit = await store.audit.list(TENANT, { limit: 2 });
    expect(audit.map((entry) => entry.action).sort()).toEqual(['token.invalidated', 'token.restored']);
  });

  it('lists captured mail in the outbox viewer', async () => {
    const response = await fetch(`${capture.viewerUrl}/messages.json`);
    const listed = (await response.json()) as { subject: string }[];
    expect(listed.length).toBeGreaterThanOrEqual(8);
    const page = await (await fetch(capture.viewerUrl)).text();
    expect(page).toContain('Action required: access token invalid');
  });
});

/** A tenant whose three services are protected; `grantedBy` maps each service to the admin who consented. */
function protectedServices(tenantId: string, grantedBy: Record<ServiceId, string>): TenantProvisioning {
  const base = emptyProvisioning(tenantId);
  const at = '2025-01-01T00:00:00.000Z';
  const account = (service: ServiceId): ServiceAccount => ({
    ...base.services[service],
    status: 'protected',
    scope: 'allUsersAndGroups',
    protectedAt: at,
    consents: [
      {
        step: 'microsoftGraph',
        grantedAt: at,
        grantedBy: {
          kind: 'user',
          userId: `${grantedBy[service]}-id`,
          userPrincipalName: grantedBy[service],
        },
        roles: [],
      },
    ],
  });
  return {
    ...base,
    services: Object.fromEntries(SERVICE_IDS.map((service) => [service, account(service)])) as Record<
      ServiceId,
      ServiceAccount
    >,
  };
}

describe('one alert per outage of a tenant (R9, R15)', () => {
  const CONTOSO = CONTOSO_TENANT_ID;
  const contosoPrincipal = `/tenants/${CONTOSO}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`;
  const admins = ['admin@contoso.onmicrosoft.com', 'second.admin@contoso.onmicrosoft.com'];
  let contosoMonitor: TokenHealthMonitor;

  beforeAll(async () => {
    await control('PUT', contosoPrincipal, {});
    const saved = await store.provisioning.save(
      protectedServices(CONTOSO, {
        exchangeOnline: admins[0] ?? '',
        sharePointOnline: admins[1] ?? '',
        oneDrive: admins[0] ?? '',
      }),
      0,
    );
    expect(saved.ok).toBe(true);
    contosoMonitor = monitorFor({ ewsEnabled: true });
  });

  beforeEach(async () => {
    // Every case starts from a working consent, whatever the one before left behind.
    await control('PUT', contosoPrincipal, {});
    await contosoMonitor.checkTenant(CONTOSO);
    await email.deliverAll();
  });

  /** Mail captured after the first `before` messages (the capture lists newest first). */
  const mailSince = async (before: number) => {
    const all = await capture.list();
    return all
      .slice(0, all.length - before)
      .map((mail) => `${mail.to} ${mail.subject}`)
      .sort();
  };

  it('one outage of three services is one notification and one email per admin; its recovery one more each', async () => {
    const mailBefore = (await capture.list()).length;
    await control('DELETE', contosoPrincipal);
    for (let check = 0; check < 3; check++) await contosoMonitor.checkTenant(CONTOSO);

    const provisioning = await store.provisioning.get(CONTOSO);
    for (const service of SERVICE_IDS)
      expect(provisioning?.services[service]).toMatchObject({
        status: 'tokenInvalid',
        tokenFailure: 'consentRevoked',
      });
    const open = await store.tokenIncidents.list(CONTOSO, { openOnly: true });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ services: [...SERVICE_IDS], cause: 'consentRevoked', failureCount: 3 });
    const invalid = (await store.notifications.list(CONTOSO)).filter((one) => one.kind === 'tokenInvalid');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.message).toContain(
      'The access token for Exchange Online, SharePoint Online and OneDrive is invalid.',
    );
    expect(await email.deliverAll()).toBe(2);
    expect(await email.deliverAll()).toBe(0);
    expect(await mailSince(mailBefore)).toEqual(
      admins.map((admin) => `${admin} Cloud App Security: Action required: access token invalid`).sort(),
    );

    await control('PUT', contosoPrincipal, {});
    expect(await contosoMonitor.checkTenant(CONTOSO)).toEqual({ ok: true });
    expect(await contosoMonitor.checkTenant(CONTOSO)).toEqual({ ok: true });
    expect(await store.tokenIncidents.list(CONTOSO, { openOnly: true })).toEqual([]);
    const restored = (await store.notifications.list(CONTOSO)).filter((one) => one.kind === 'tokenRestored');
    expect(restored).toHaveLength(1);
    expect(restored[0]?.message).toContain(
      'The access token for Exchange Online, SharePoint Online and OneDrive is valid again',
    );
    for (const service of SERVICE_IDS)
      expect((await store.provisioning.get(CONTOSO))?.services[service].status).toBe('protected');
    expect(await email.deliverAll()).toBe(2);
    expect(await email.deliverAll()).toBe(0);
  });

  it.each<[string, { resource: string; role: string }, readonly ServiceId[]]>([
    [
      'removing Mail.ReadWrite alone',
      { resource: 'https://graph.microsoft.com', role: 'Mail.ReadWrite' },
      ['exchangeOnline'],
    ],
    [
      'removing the Exchange full_access_as_app alone',
      { resource: 'https://outlook.office365.com', role: 'full_access_as_app' },
      ['exchangeOnline'],
    ],
    [
      'removing Sites.Read.All alone',
      { resource: 'https://graph.microsoft.com', role: 'Sites.Read.All' },
      ['sharePointOnline'],
    ],
    [
      'removing Files.Read.All alone',
      { resource: 'https://graph.microsoft.com', role: 'Files.Read.All' },
      ['oneDrive'],
    ],
    [
      'removing GroupMember.Read.All alone',
      { resource: 'https://graph.microsoft.com', role: 'GroupMember.Read.All' },
      [...SERVICE_IDS],
    ],
    [
      'removing RoleManagement.Read.Directory (the bot’s administrator check) alone',
      { resource: 'https://graph.microsoft.com', role: 'RoleManagement.Read.Directory' },
      [...SERVICE_IDS],
    ],
  ])(
    '%s raises the incident "roles removed" within one health interval, naming the role',
    async (_label, removed, affected) => {
      await control('POST', `${contosoPrincipal}/remove-roles`, {
        resource: removed.resource,
        roles: [removed.role],
      });
      // One health interval is one check.
      expect(await contosoMonitor.checkTenant(CONTOSO)).toMatchObject({ ok: false, cause: 'rolesRemoved' });
      const open = await store.tokenIncidents.list(CONTOSO, { openOnly: true });
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({
        cause: 'rolesRemoved',
        services: affected,
        missingRoles: [removed.role],
      });
      expect(open[0]?.detail).toContain(removed.role);
      const provisioning = await store.provisioning.get(CONTOSO);
      for (const service of SERVICE_IDS)
        expect(provisioning?.services[service].status).toBe(
          affected.includes(service) ? 'tokenInvalid' : 'protected',
        );
      const invalid = (await store.notifications.list(CONTOSO)).filter(
        (one) => one.dedupeKey === `tokenInvalid:${open[0]?.id}`,
      );
      expect(invalid).toHaveLength(1);
      expect(invalid[0]?.message).toContain(removed.role);

      // The role granted again: the next check closes the incident and says so once.
      await control('PUT', contosoPrincipal, {});
      expect(await contosoMonitor.checkTenant(CONTOSO)).toEqual({ ok: true });
      expect(await store.tokenIncidents.list(CONTOSO, { openOnly: true })).toEqual([]);
      expect(
        (await store.notifications.list(CONTOSO)).filter(
          (one) => one.dedupeKey === `tokenRestored:${open[0]?.id}`,
        ),
      ).toHaveLength(1);
    },
  );

  it('with EWS disabled, full_access_as_app is not asked for', async () => {
    await control('POST', `${contosoPrincipal}/remove-roles`, {
      resource: 'https://outlook.office365.com',
      roles: ['full_access_as_app'],
    });
    expect(await monitorFor({ ewsEnabled: false }).checkTenant(CONTOSO)).toEqual({ ok: true });
    expect(await store.tokenIncidents.list(CONTOSO, { openOnly: true })).toEqual([]);
    await control('PUT', contosoPrincipal, {});
  });
});
