// Provisioning over real HTTP: startApi against the in-process emulator, consent through the
// emulator's sign-in and consent forms, targets found through the real Graph client, SQLite store.
import { randomUUID } from 'node:crypto';
import { openOrUpdateIncident, recordTokenFailure, recordTokenVerified } from '@cas/core';
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_APOSTROPHE_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  DEVELOPMENT_CONSENT_APPS,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_TENANT_ID,
} from '@cas/m365-emulator';
import { consentAppEnvironment } from '@cas/microsoft365';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import type { ProvisioningView } from './provisioning-view.js';
import type { ConsentAppId, ServiceId, Target, TokenFailureCause } from '@cas/core';

let harness: ApiHarness;
let admin: string;

/** A user of Contoso as the By User picker returns it, turned into a Selected Target. */
async function targetByUpn(upn: string): Promise<Target> {
  const found = await harness.call<{ user: { id: string; userPrincipalName: string; displayName: string } }>(
    'GET',
    `/api/targets/users?upn=${encodeURIComponent(upn)}`,
    admin,
  );
  expect(found.status).toBe(200);
  const { user } = found.body;
  return {
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    source: { kind: 'user' },
  };
}

async function view(token = admin): Promise<ProvisioningView> {
  const answer = await harness.call<ProvisioningView>('GET', '/api/provisioning', token);
  expect(answer.status).toBe(200);
  return answer.body;
}

function done(service: string, body: Record<string, unknown>, token = admin) {
  return harness.call<{ message: string; syncRuns: { trigger: string; status: string }[] }>(
    'PUT',
    `/api/services/${service}/provisioning`,
    token,
    body,
  );
}

/**
 * What the worker's token health monitor records when a check fails (R9): each broken service
 * invalid, one incident for the tenant.
 */
/** Removes every granted role of these consent apps in Contoso (their principals stay). */
async function revokeConsent(...apps: (keyof typeof DEVELOPMENT_CONSENT_APPS)[]): Promise<void> {
  for (const app of apps)
    await harness.control(
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${DEVELOPMENT_CONSENT_APPS[app].clientId}/revoke-consent`,
    );
}

async function recordOutage(
  services: readonly ServiceId[],
  cause: TokenFailureCause,
  missingRoles: readonly string[] = [],
  apps: readonly ConsentAppId[] = [],
): Promise<void> {
  const store = harness.api.store;
  const stored = await store.provisioning.get(CONTOSO_TENANT_ID);
  if (stored === undefined) throw new Error('no provisioning record');
  let next = stored;
  for (const service of services) {
    const failure = recordTokenFailure(next, service, cause);
    if (!failure.ok) throw new Error(failure.error.message);
    next = failure.value.provisioning;
  }
  expect((await store.provisioning.save(next, stored.version)).ok).toBe(true);
  const { incident } = openOrUpdateIncident(
    undefined,
    { tenantId: CONTOSO_TENANT_ID, services, apps, cause, detail: 'AADSTS7000229', missingRoles },
    { incidentId: randomUUID() },
    new Date().toISOString(),
  );
  await store.tokenIncidents.put(incident);
}

beforeAll(async () => {
  // One registration per consent step, as in production: each step re-grants its own app only.
  harness = await startApiHarness({ environment: consentAppEnvironment(DEVELOPMENT_CONSENT_APPS) });
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

beforeEach(async () => {
  // Each test gets a fresh Contoso: consent in the emulator and the tenant's records are reset.
  await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
  await harness.freshApi();
  admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
});

describe('Done (R1, R2, R8)', () => {
  it('R1/R8: selected users by exact UPN (apostrophe included) and from a group → "Exchange Online protected."', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const before = await view();
    expect(before.services[0]).toMatchObject({ service: 'exchangeOnline', status: 'consented' });

    const groups = await harness.call<{ groups: { id: string; displayName: string }[] }>(
      'GET',
      '/api/targets/groups?query=Fin',
      admin,
    );
    const group = groups.body.groups[0];
    if (group === undefined) throw new Error('Contoso has no group starting with "Fin"');
    const members = await harness.call<{
      users: { id: string; userPrincipalName: string; displayName: string }[];
    }>('GET', `/api/targets/groups/${group.id}/users`, admin);
    const fromGroup: Target[] = members.body.users.slice(0, 2).map((user) => ({
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      source: { kind: 'group', groupId: group.id, groupName: group.displayName },
    }));
    const targets = [
      await targetByUpn(CONTOSO_APOSTROPHE_UPN),
      await targetByUpn(CONTOSO_USER_UPN),
      ...fromGroup,
    ];

    const saved = await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets,
      expectedVersion: before.version,
    });
    expect(saved.status).toBe(200);
    expect(saved.body.message).toBe('Exchange Online protected.');
    expect(saved.body.syncRuns).toEqual([expect.objectContaining({ trigger: 'initial', status: 'pending' })]);

    const after = await view();
    expect(after.services[0]).toMatchObject({ status: 'protected', scope: 'selectedUsers' });
    expect(after.services[0]?.targets.map((target) => target.userId)).toEqual(targets.map((t) => t.userId));
    expect(after.scopeLock).toMatchObject({ scope: 'selectedUsers', service: 'exchangeOnline' });
    expect(after.manualSync.allowed).toBe(false);
    expect(after.extend.available).toBe(true);

    const notifications = await harness.call<{
      notifications: { id: string; message: string; readAt: string | null }[];
      unread: number;
    }>('GET', '/api/notifications', admin);
    expect(notifications.body.notifications.map((n) => n.message)).toEqual(
      expect.arrayContaining([
        'Exchange Online protected.',
        'Extend to protect all your Office 365 service targets.',
      ]),
    );
    expect(notifications.body.unread).toBe(2);
    const protectedNote = notifications.body.notifications.find(
      (n) => n.message === 'Exchange Online protected.',
    );
    expect((await harness.call('POST', `/api/notifications/${protectedNote?.id}/read`, admin)).status).toBe(
      200,
    );
    expect((await view()).unreadNotifications).toBe(1);

    const audit = await harness.call<{ events: { action: string; actor: { userPrincipalName?: string } }[] }>(
      'GET',
      '/api/audit',
      admin,
    );
    expect(audit.body.events.map((event) => event.action)).toEqual(
      expect.arrayContaining(['consent.granted', 'scope.saved', 'sync.requested']),
    );
    expect(audit.body.events.every((event) => event.actor.userPrincipalName === CONTOSO_ADMIN_UPN)).toBe(
      true,
    );
  });

  it('R8: the 101st target is refused with 422 and nothing changes', async () => {
    await harness.consentService(admin, 'oneDrive', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const before = await view();
    // 101 licensed users that exist in Contoso: Done verifies every target (and their OneDrive) in Graph.
    const targets: Target[] = [];
    for (let index = 0; index < 101; index += 1) {
      const created = await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
        userPrincipalName: `r8.user${index}@contoso.onmicrosoft.com`,
        displayName: `R8 User ${index}`,
        // Office 365 E3: the user has a OneDrive, which OneDrive's Selected Targets require.
        assignedLicenses: [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: [] }],
      });
      targets.push({
        userId: String(created.id),
        userPrincipalName: `r8.user${index}@contoso.onmicrosoft.com`,
        displayName: `R8 User ${index}`,
        source: { kind: 'user' },
      });
    }
    const refused = await done('oneDrive', {
      scope: 'selectedUsers',
      targets,
      expectedVersion: before.version,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'target_limit_exceeded', limit: 100 });
    expect(await view()).toEqual(before);
    const accepted = await done('oneDrive', {
      scope: 'selectedUsers',
      targets: targets.slice(0, 100),
      expectedVersion: before.version,
    });
    expect(accepted.status).toBe(200);
  });

  it('R1: selected users with no target is refused; an unconsented service cannot be protected', async () => {
    expect(
      (
        await done('sharePointOnline', {
          scope: 'allUsersAndGroups',
          expectedVersion: (await view()).version,
        })
      ).body.error,
    ).toMatchObject({
      code: 'consent_required',
    });
    await harness.consentService(admin, 'sharePointOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const version = (await view()).version;
    const empty = await done('sharePointOnline', {
      scope: 'selectedUsers',
      targets: [],
      expectedVersion: version,
    });
    expect(empty.status).toBe(422);
    expect(empty.body.error?.code).toBe('targets_required');
  });

  it('R2: the scope is locked across services with the reason', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await harness.consentService(admin, 'sharePointOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    expect(
      (await done('exchangeOnline', { scope: 'allUsersAndGroups', expectedVersion: (await view()).version }))
        .status,
    ).toBe(200);
    const locked = await done('sharePointOnline', {
      scope: 'selectedUsers',
      targets: [await targetByUpn(CONTOSO_USER_UPN)],
      expectedVersion: (await view()).version,
    });
    expect(locked.status).toBe(409);
    expect(locked.body.error).toMatchObject({
      code: 'scope_locked',
      message:
        'Exchange Online already synchronizes all users and groups; all three services use the same option.',
    });
    expect(
      (
        await done('sharePointOnline', {
          scope: 'allUsersAndGroups',
          expectedVersion: (await view()).version,
        })
      ).body.message,
    ).toBe('SharePoint Online protected.');
  });

  it('two admins clicking Done at once: one wins, the other gets 409 version_conflict', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const { version } = await view();
    const answers = await Promise.all([
      done('exchangeOnline', { scope: 'allUsersAndGroups', expectedVersion: version }),
      done('exchangeOnline', {
        scope: 'selectedUsers',
        targets: [await targetByUpn(CONTOSO_USER_UPN)],
        expectedVersion: version,
      }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(answers.find((answer) => answer.status === 409)?.body.error?.code).toBe('version_conflict');
    expect((await harness.call<{ runs: unknown[] }>('GET', '/api/sync-runs', admin)).body.runs).toHaveLength(
      1,
    );
  });

  it('a health check refreshing "last verified" while the wizard is open does not make Done stale', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const opened = await view();
    // What the worker's token health monitor saves every few minutes.
    const stored = await harness.api.store.provisioning.get(CONTOSO_TENANT_ID);
    if (stored === undefined) throw new Error('no provisioning record');
    const verified = recordTokenVerified(stored, 'exchangeOnline', new Date().toISOString());
    if (!verified.ok) throw new Error(verified.error.message);
    expect((await harness.api.store.provisioning.save(verified.value.provisioning, stored.version)).ok).toBe(
      true,
    );
    const saved = await done('exchangeOnline', {
      scope: 'allUsersAndGroups',
      expectedVersion: opened.version,
    });
    expect(saved.status).toBe(200);
  });

  it('a tenant sees only its own provisioning, and cannot touch another tenant’s notifications', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await done('exchangeOnline', { scope: 'allUsersAndGroups', expectedVersion: (await view()).version });
    const contosoNote = (
      await harness.call<{ notifications: { id: string }[] }>('GET', '/api/notifications', admin)
    ).body.notifications[0];
    const fabrikam = await harness.ssoToken(FABRIKAM_TENANT_ID, FABRIKAM_ADMIN_UPN);
    expect((await view(fabrikam)).services.map((service) => service.status)).not.toContain('protected');
    expect((await harness.call('POST', `/api/notifications/${contosoNote?.id}/read`, fabrikam)).status).toBe(
      404,
    );
    expect(
      (await harness.call<{ notifications: unknown[] }>('GET', '/api/notifications', fabrikam)).body
        .notifications,
    ).toEqual([]);
  });
});

describe('manual sync (R3, R4) and Extend (R11, R12)', () => {
  it('R3: manual sync is refused in selected mode; R11/R12: Submit extends every service and syncs it', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [await targetByUpn(CONTOSO_USER_UPN)],
      expectedVersion: (await view()).version,
    });
    const refused = await harness.call('POST', '/api/sync', admin);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'manual_sync_not_allowed',
      reason: 'sync_selected_users',
    });
    const policies = await harness.call<{
      general: { manualSync: { allowed: boolean; reason: string; label: string } };
    }>('GET', '/api/policies', admin);
    expect(policies.body.general.manualSync).toMatchObject({
      allowed: false,
      label: 'Click here to manually synchronize all your targets',
      reason: refused.body.error?.message,
    });

    const extended = await harness.call<{
      services: string[];
      syncRuns: { trigger: string }[];
      message: string;
    }>('POST', '/api/extend', admin);
    expect(extended.status).toBe(200);
    expect(extended.body.services).toEqual(['exchangeOnline']);
    expect(extended.body.syncRuns).toEqual([expect.objectContaining({ trigger: 'extend' })]);
    expect(extended.body.message).toBe(
      'Protection extended: Exchange Online now synchronizes all users and groups.',
    );
    const after = await view();
    expect(after.services[0]).toMatchObject({ scope: 'allUsersAndGroups', targets: [] });
    expect(after.extend).toEqual({
      available: false,
      reason: 'All services already synchronize all users and groups.',
    });
    expect((await harness.call('POST', '/api/extend', admin)).status).toBe(409);

    // R13: the extend run is still queued, so the manual request is answered with it.
    const sync = await harness.call<{ syncRuns: { trigger: string; service: string }[] }>(
      'POST',
      '/api/sync',
      admin,
    );
    expect(sync.status).toBe(200);
    expect(sync.body.syncRuns).toEqual([
      expect.objectContaining({ trigger: 'extend', service: 'exchangeOnline', alreadyQueued: true }),
    ]);
    const history = await harness.call<{ runs: { trigger: string; status: string }[] }>(
      'GET',
      '/api/sync-runs?service=exchangeOnline',
      admin,
    );
    // R14: the selected-users run queued by Done no longer applied after Extend.
    expect(history.body.runs.map((run) => [run.trigger, run.status])).toEqual([
      ['extend', 'pending'],
      ['initial', 'cancelled'],
    ]);
  });

  it('R13: seven manual syncs with three services queue one run per service; the repeats answer the queued runs', async () => {
    for (const service of ['exchangeOnline', 'sharePointOnline', 'oneDrive'] as const) {
      await harness.consentService(admin, service, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
      await done(service, { scope: 'allUsersAndGroups', expectedVersion: (await view()).version });
    }
    // The worker finished the first syncs.
    for (const run of await harness.api.store.syncRuns.list(CONTOSO_TENANT_ID))
      await harness.api.store.syncRuns.update({ ...run, status: 'succeeded' });

    type Queued = { id: string; service: string; trigger: string; alreadyQueued: boolean };
    const answers = [];
    for (let request = 0; request < 7; request += 1)
      answers.push(await harness.call<{ syncRuns: Queued[] }>('POST', '/api/sync', admin));
    const [first, ...repeats] = answers;
    expect(first?.status).toBe(202);
    expect(first?.body.syncRuns.map((run) => [run.service, run.trigger, run.alreadyQueued])).toEqual([
      ['exchangeOnline', 'manual', false],
      ['sharePointOnline', 'manual', false],
      ['oneDrive', 'manual', false],
    ]);
    for (const repeat of repeats) {
      expect(repeat.status).toBe(200);
      expect(repeat.body.syncRuns.map((run) => [run.id, run.alreadyQueued])).toEqual(
        first?.body.syncRuns.map((run) => [run.id, true]),
      );
    }
    const runs = await harness.api.store.syncRuns.list(CONTOSO_TENANT_ID, { status: 'pending' });
    expect(runs).toHaveLength(3);
    // One service on its own is answered with its queued run too.
    const one = await harness.call<{ syncRuns: Queued[] }>('POST', '/api/services/oneDrive/sync', admin);
    expect(one.body.syncRuns).toEqual([
      expect.objectContaining({ id: first?.body.syncRuns[2]?.id, alreadyQueued: true }),
    ]);
  });

  it("R14: a scope change cancels the service's queued runs in the same transaction", async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const first = await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [await targetByUpn(CONTOSO_USER_UPN)],
      expectedVersion: (await view()).version,
    });
    const [initial] = first.body.syncRuns as unknown as { id: string }[];
    // Manage: other targets. The run of the old selection no longer applies.
    const managed = await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [await targetByUpn(CONTOSO_APOSTROPHE_UPN)],
      expectedVersion: (await view()).version,
    });
    expect(managed.status).toBe(200);
    const runs = await harness.call<{
      runs: { id: string; status: string; cancelReason: string | null; finishedAt: string | null }[];
    }>('GET', '/api/sync-runs?service=exchangeOnline', admin);
    expect(runs.body.runs.map((run) => [run.status, run.cancelReason])).toEqual([
      ['pending', null],
      ['cancelled', 'scopeChanged'],
    ]);
    expect(runs.body.runs[1]).toMatchObject({ id: initial?.id, finishedAt: expect.any(String) });
  });
});

describe('Selected Targets verified in Graph on Done', () => {
  it('R3: Done with the same targets in another order queues no new sync', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const targets = [await targetByUpn(CONTOSO_USER_UPN), await targetByUpn(CONTOSO_APOSTROPHE_UPN)];
    await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets,
      expectedVersion: (await view()).version,
    });
    const again = await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [...targets].reverse(),
      expectedVersion: (await view()).version,
    });
    expect(again.status).toBe(200);
    expect(again.body.syncRuns).toEqual([]);
    expect((await harness.call<{ runs: unknown[] }>('GET', '/api/sync-runs', admin)).body.runs).toHaveLength(
      1,
    );
  });

  it("stores Graph's user principal name and display name, not the client's", async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const real = await targetByUpn(CONTOSO_USER_UPN);
    const saved = await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [{ ...real, userPrincipalName: 'ceo@contoso.onmicrosoft.com', displayName: 'Forged Name' }],
      expectedVersion: (await view()).version,
    });
    expect(saved.status).toBe(200);
    expect((await view()).services[0]?.targets).toEqual([
      {
        userId: real.userId,
        userPrincipalName: real.userPrincipalName,
        displayName: real.displayName,
        source: { kind: 'user' },
      },
    ]);
  });

  it('refuses an id Graph does not know with targets_not_found naming it, and changes nothing', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const before = await view();
    const ghost: Target = {
      userId: randomUUID(),
      userPrincipalName: 'ghost@contoso.onmicrosoft.com',
      displayName: 'Ghost',
      source: { kind: 'user' },
    };
    const refused = await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [await targetByUpn(CONTOSO_USER_UPN), ghost],
      expectedVersion: before.version,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'targets_not_found',
      unknown: [{ userId: ghost.userId, userPrincipalName: 'ghost@contoso.onmicrosoft.com' }],
    });
    expect(refused.body.error?.message).toContain('ghost@contoso.onmicrosoft.com');
    expect(await view()).toEqual(before);
    expect((await harness.call<{ runs: unknown[] }>('GET', '/api/sync-runs', admin)).body.runs).toEqual([]);
  });
});

describe('Administration > Service Account (R10)', () => {
  it('R10: Create new access token after the emulator revoked consent restores the account', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await done('exchangeOnline', { scope: 'allUsersAndGroups', expectedVersion: (await view()).version });
    await revokeConsent('exchangeOnlineEws', 'exchangeOnlineGraph');
    await recordOutage(['exchangeOnline'], 'consentRevoked');
    const store = harness.api.store;

    const account = await harness.call<{
      services: { service: string; tenantId: string; status: string; consentSteps: { step: string }[] }[];
    }>('GET', '/api/service-account', admin);
    expect(account.body.services[0]).toMatchObject({
      tenantId: CONTOSO_TENANT_ID,
      status: 'tokenInvalid',
      tokenFailure: { cause: 'consentRevoked' },
    });

    const step1 = await harness.consentStep(
      admin,
      '/api/services/exchangeOnline/service-account/token/exchangeWebServices',
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
    );
    // Step 1 proves Exchange Web Services only; Graph has no roles yet, so Step 2 is still needed.
    expect(step1).toMatchObject({
      ok: true,
      code: 'accepted',
      message: 'Step 1 done. Now accept Step 2 to create the new access token.',
    });
    const step2 = await harness.consentStep(
      admin,
      '/api/services/exchangeOnline/service-account/token/microsoftGraph',
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
    );
    expect(step2).toMatchObject({
      ok: true,
      code: 'reauthorised',
      message: 'A new access token for Exchange Online is created and verified.',
    });
    const audit = await harness.call<{ events: { action: string }[] }>('GET', '/api/audit', admin);
    expect(audit.body.events.map((event) => event.action)).toEqual(
      expect.arrayContaining(['serviceAccount.reauthorised', 'token.restored']),
    );
    expect((await view()).services[0]).toMatchObject({ status: 'protected', tokenFailure: null });
    expect(await store.tokenIncidents.findOpen(CONTOSO_TENANT_ID)).toBeUndefined();
    const messages = (
      await harness.call<{ notifications: { message: string }[] }>('GET', '/api/notifications', admin)
    ).body.notifications.map((notification) => notification.message);
    expect(messages).toContain(
      'The access token for Exchange Online is valid again; protection has resumed.',
    );
  });

  it('R9/R10: an outage of two services is one incident; it closes, and says so once, when the last has a new access token', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await done('exchangeOnline', { scope: 'allUsersAndGroups', expectedVersion: (await view()).version });
    await harness.consentService(admin, 'sharePointOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await done('sharePointOnline', { scope: 'allUsersAndGroups', expectedVersion: (await view()).version });
    await revokeConsent('exchangeOnlineEws', 'exchangeOnlineGraph', 'sharePointOnlineGraph');
    await recordOutage(['exchangeOnline', 'sharePointOnline'], 'rolesRemoved', [
      'full_access_as_app',
      'Mail.ReadWrite',
      'Sites.Read.All',
    ]);
    const store = harness.api.store;

    // Each service account shows its own missing permissions.
    const account = await harness.call<{
      services: { service: string; tokenFailure: { message: string; missingRoles: string[] } | null }[];
    }>('GET', '/api/service-account', admin);
    expect(account.body.services.map((one) => [one.service, one.tokenFailure?.missingRoles ?? null])).toEqual(
      [
        ['exchangeOnline', ['full_access_as_app', 'Mail.ReadWrite']],
        ['sharePointOnline', ['Sites.Read.All']],
        ['oneDrive', null],
      ],
    );
    expect(account.body.services[1]?.tokenFailure?.message).toBe(
      'The permissions granted to Cloud App Security were removed from its enterprise application. Missing permissions: Sites.Read.All.',
    );

    for (const step of ['exchangeWebServices', 'microsoftGraph'])
      await harness.consentStep(
        admin,
        `/api/services/exchangeOnline/service-account/token/${step}`,
        CONTOSO_ADMIN_UPN,
        CONTOSO_ADMIN_PASSWORD,
      );
    expect((await view()).services.map((one) => one.status)).toEqual([
      'protected',
      'tokenInvalid',
      'notProvisioned',
    ]);
    // SharePoint Online is still invalid: the tenant's incident stays open, nothing said yet.
    expect(await store.tokenIncidents.findOpen(CONTOSO_TENANT_ID)).toBeDefined();
    const restoredSoFar = async () =>
      (await store.notifications.list(CONTOSO_TENANT_ID)).filter((one) => one.kind === 'tokenRestored');
    expect(await restoredSoFar()).toEqual([]);

    await harness.consentStep(
      admin,
      '/api/services/sharePointOnline/service-account/token/microsoftGraph',
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
    );
    expect(await store.tokenIncidents.findOpen(CONTOSO_TENANT_ID)).toBeUndefined();
    expect((await restoredSoFar()).map((one) => one.message)).toEqual([
      'The access token for Exchange Online and SharePoint Online is valid again; protection has resumed.',
    ]);
  });

  it("R10: one row per app; only the Graph app's consent removed: that row is invalid, and re-consenting it alone restores the service", async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await done('exchangeOnline', { scope: 'allUsersAndGroups', expectedVersion: (await view()).version });
    await harness.control(
      'DELETE',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph.clientId}`,
    );
    await recordOutage(['exchangeOnline'], 'consentRevoked', [], ['exchangeOnlineGraph']);

    type Row = {
      step: string;
      app: string;
      appName: string;
      token: { status: string; failure: { cause: string } | null };
    };
    const rows = async (): Promise<Row[]> =>
      (
        await harness.call<{ services: { service: string; consentSteps: Row[] }[] }>(
          'GET',
          '/api/service-account',
          admin,
        )
      ).body.services[0]?.consentSteps ?? [];
    expect(
      (await rows()).map((row) => [row.app, row.appName, row.token.status, row.token.failure?.cause ?? null]),
    ).toEqual([
      ['exchangeOnlineEws', 'Cloud App Security for Exchange Online (EWS)', 'healthy', null],
      ['exchangeOnlineGraph', 'Cloud App Security for Exchange Online', 'invalid', 'consentRevoked'],
    ]);

    // Create new access token for the Graph row: that step's consent only.
    const renewed = await harness.consentStep(
      admin,
      '/api/services/exchangeOnline/service-account/token/microsoftGraph',
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
    );
    expect(renewed).toMatchObject({ ok: true, code: 'reauthorised' });
    expect((await view()).services[0]).toMatchObject({ status: 'protected', tokenFailure: null });
    expect((await rows()).map((row) => row.token.status)).toEqual(['healthy', 'healthy']);
    expect(await harness.api.store.tokenIncidents.findOpen(CONTOSO_TENANT_ID)).toBeUndefined();
  });

  it('R10: refuses to create a new token for a service that is not provisioned', async () => {
    const refused = await harness.call(
      'POST',
      '/api/services/oneDrive/service-account/token/microsoftGraph',
      admin,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'service_not_provisioned',
      message: 'Provision OneDrive before creating a new access token.',
    });
  });
});

describe('the bot acting for a Teams user (service-to-service credential)', () => {
  async function botCredential(upn: string): Promise<string> {
    const minted = await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/sso-token`, { upn });
    const oid = String((minted.claims as { oid: string }).oid);
    return new SignJWT({ tid: CONTOSO_TENANT_ID, upn, name: upn })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('cas-bot')
      .setAudience('cas-api')
      .setSubject(oid)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(Buffer.from(harness.botKey, 'base64'));
  }

  it('Graph decides who is an admin: the admin may extend from chat, a user may neither extend nor read', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [await targetByUpn(CONTOSO_USER_UPN)],
      expectedVersion: (await view()).version,
    });
    // A bot credential is single-use: the bot signs one per request.
    expect((await harness.call('POST', '/api/extend', await botCredential(CONTOSO_USER_UPN))).status).toBe(
      403,
    );
    expect(
      await harness.call('GET', '/api/provisioning', await botCredential(CONTOSO_USER_UPN)),
    ).toMatchObject({
      status: 403,
      body: { error: { code: 'administrator_required' } },
    });

    expect(
      (
        await harness.call<ProvisioningView>(
          'GET',
          '/api/provisioning',
          await botCredential(CONTOSO_ADMIN_UPN),
        )
      ).body.extend.available,
    ).toBe(true);
    const extended = await harness.call<{ services: string[] }>(
      'POST',
      '/api/extend',
      await botCredential(CONTOSO_ADMIN_UPN),
    );
    expect(extended.status).toBe(200);
    expect(extended.body.services).toEqual(['exchangeOnline']);
    const audit = await harness.call<{ events: { action: string; actor: { userPrincipalName: string } }[] }>(
      'GET',
      '/api/audit',
      admin,
    );
    expect(
      audit.body.events.find((event) => event.action === 'scope.extended')?.actor.userPrincipalName,
    ).toBe(CONTOSO_ADMIN_UPN);
  });

  it('without consent in the tenant nobody can be shown to be an admin', async () => {
    expect((await harness.call('POST', '/api/sync', await botCredential(CONTOSO_ADMIN_UPN))).status).toBe(
      403,
    );
  });
});
