// Token health (R9/R10) against the emulator: each cause driven through its control API gives
// exactly one notification and one captured email; recovery closes the incident and says so.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning, type TokenFailureCause } from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  FABRIKAM_TENANT_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { createAppTokenSource } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  monitor = new TokenHealthMonitor({
    store,
    tokens,
    graphBaseUrl: emulator.origin,
    now,
    logger: silentLogger,
  });
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
