// Who may read what (R15: read views are for admins), over HTTP against the emulator: the whole
// API as `npm start` runs it, tokens minted by the emulator for users with the roles each case
// needs, and the admin check both from the token's `wids` and, when the registration does not ask
// for them, from Microsoft Graph's role assignments.
import { randomUUID } from 'node:crypto';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  GLOBAL_ADMINISTRATOR_ROLE_ID,
} from '@cas/m365-emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';

const GLOBAL_READER_ROLE_ID = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const SECURITY_READER_ROLE_ID = '5d6b6bb7-de71-4623-b4af-96380a352509';

/** Every read view of the tenant's protection (method, path). */
const READ_ROUTES: readonly [string, string][] = [
  ['GET', '/api/provisioning'],
  ['GET', '/api/sync-runs'],
  ['GET', '/api/policies'],
  ['GET', '/api/service-account'],
  ['GET', '/api/notifications'],
];

const servicePrincipal = `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`;
const apiRegistration = `/apps/${CLOUD_APP_SECURITY_API_CLIENT_ID}`;

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.close();
});

beforeEach(async () => {
  await harness.freshApi();
});

afterEach(async () => {
  await harness.control('PATCH', apiRegistration, { groupMembershipClaims: 'DirectoryRole' });
  await harness.control('DELETE', servicePrincipal).catch(() => undefined);
});

/** A new Contoso user holding the given directory roles; returns its UPN. */
async function userWithRoles(roles: readonly string[]): Promise<string> {
  const upn = `reader-${randomUUID().slice(0, 8)}@contoso.onmicrosoft.com`;
  await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
    userPrincipalName: upn,
    displayName: `Role holder ${upn}`,
    directoryRoleTemplateIds: [...roles],
  });
  return upn;
}

/** A notification of Contoso, raised the way a state change raises it. */
async function raiseNotification(message: string): Promise<string> {
  const id = randomUUID();
  await harness.api.store.notifications.raise({
    id,
    tenantId: CONTOSO_TENANT_ID,
    kind: 'serviceProtected',
    service: 'exchangeOnline',
    message,
    dedupeKey: `test:${id}`,
    createdAt: new Date().toISOString(),
    readAt: null,
  });
  return id;
}

/** How many times Graph's role assignments were asked since the last stats reset. */
async function roleAssignmentRequests(): Promise<number> {
  const stats = (await harness.control('GET', '/stats')) as {
    routes: Record<string, { requests: number }>;
  };
  return Object.entries(stats.routes)
    .filter(([route]) => route.includes('roleAssignments'))
    .reduce((sum, [, counters]) => sum + counters.requests, 0);
}

describe('read views are for admins', () => {
  it('a signed-in employee who is no administrator cannot read the protection settings', async () => {
    const employee = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_USER_UPN);
    const notificationId = await raiseNotification('Exchange Online protected.');
    for (const [method, path] of [
      ...READ_ROUTES,
      ['POST', `/api/notifications/${notificationId}/read`] as [string, string],
    ]) {
      const answer = await harness.call(method, path, employee);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({
        path,
        status: 403,
        code: 'administrator_required',
      });
    }
    // The tab still learns who they are, to say why there is nothing to see.
    const me = await harness.call('GET', '/api/me', employee);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ isGlobalAdministrator: false, access: 'none', rolesKnown: true });
  });

  it.each([
    ['Global Reader', GLOBAL_READER_ROLE_ID],
    ['Security Reader', SECURITY_READER_ROLE_ID],
  ])('a %s sees every read view but changes nothing', async (_role, roleId) => {
    const reader = await harness.ssoToken(CONTOSO_TENANT_ID, await userWithRoles([roleId]));
    for (const [method, path] of READ_ROUTES) {
      expect({ path, status: (await harness.call(method, path, reader)).status }).toEqual({
        path,
        status: 200,
      });
    }
    expect((await harness.call('GET', '/api/me', reader)).body).toMatchObject({
      isGlobalAdministrator: false,
      access: 'reader',
    });
    const sync = await harness.call('POST', '/api/sync', reader, {});
    expect(sync).toMatchObject({ status: 403, body: { error: { code: 'global_administrator_required' } } });
  });

  it('read state is per admin: one admin reading a notification leaves it unread for another', async () => {
    const first = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const second = await harness.ssoToken(
      CONTOSO_TENANT_ID,
      await userWithRoles([GLOBAL_ADMINISTRATOR_ROLE_ID]),
    );
    const id = await raiseNotification('Exchange Online protected.');
    expect((await harness.call('POST', `/api/notifications/${id}/read`, first, {})).status).toBe(200);

    type List = { notifications: { id: string; readAt: string | null }[]; unread: number };
    const mine = await harness.call<List>('GET', '/api/notifications', first);
    const theirs = await harness.call<List>('GET', '/api/notifications', second);
    expect(mine.body.notifications.find((each) => each.id === id)?.readAt).toEqual(expect.any(String));
    expect(theirs.body.notifications.find((each) => each.id === id)?.readAt).toBeNull();
    expect(theirs.body.unread).toBe(mine.body.unread + 1);
    const unreadOnly = await harness.call<List>('GET', '/api/notifications?unreadOnly=true', first);
    expect(unreadOnly.body.notifications.map((each) => each.id)).not.toContain(id);

    // The dashboard's ring count is the caller's own too.
    type Dashboard = { unreadNotifications: number };
    const myDashboard = await harness.call<Dashboard>('GET', '/api/provisioning', first);
    const theirDashboard = await harness.call<Dashboard>('GET', '/api/provisioning', second);
    expect(theirDashboard.body.unreadNotifications).toBe(myDashboard.body.unreadNotifications + 1);
  });
});

describe('the admin check with real Entra tokens', () => {
  it('an admin whose token carries wids is recognised from the token alone, without asking Graph', async () => {
    const admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    await harness.control('DELETE', '/stats');
    expect((await harness.call('GET', '/api/me', admin)).body).toMatchObject({
      isGlobalAdministrator: true,
      access: 'administrator',
    });
    expect((await harness.call('GET', '/api/provisioning', admin)).status).toBe(200);
    expect(await roleAssignmentRequests()).toBe(0);
  });

  it('an admin whose token carries no wids is recognised through Graph role assignments, asked once', async () => {
    await harness.control('PATCH', apiRegistration, { groupMembershipClaims: 'None' });
    await harness.control('PUT', servicePrincipal, {});
    const admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    await harness.control('DELETE', '/stats');
    expect((await harness.call('GET', '/api/me', admin)).body).toMatchObject({
      isGlobalAdministrator: true,
      access: 'administrator',
    });
    expect((await harness.call('GET', '/api/provisioning', admin)).status).toBe(200);
    const consent = await harness.call(
      'POST',
      '/api/services/exchangeOnline/consent/exchangeWebServices',
      admin,
    );
    expect(consent.status).toBe(200);
    // One Graph question for three requests: the answer is cached briefly.
    expect(await roleAssignmentRequests()).toBe(1);
  });

  it('a Global Reader whose token carries no wids is recognised as a reader through Graph', async () => {
    await harness.control('PATCH', apiRegistration, { groupMembershipClaims: 'None' });
    await harness.control('PUT', servicePrincipal, {});
    const reader = await harness.ssoToken(CONTOSO_TENANT_ID, await userWithRoles([GLOBAL_READER_ROLE_ID]));
    expect((await harness.call('GET', '/api/provisioning', reader)).status).toBe(200);
    expect((await harness.call('POST', '/api/sync', reader, {})).body.error?.code).toBe(
      'global_administrator_required',
    );
  });

  it('an employee whose token carries no wids is refused once Graph says they hold no role', async () => {
    await harness.control('PATCH', apiRegistration, { groupMembershipClaims: 'None' });
    await harness.control('PUT', servicePrincipal, {});
    const employee = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_USER_UPN);
    expect(await harness.call('GET', '/api/provisioning', employee)).toMatchObject({
      status: 403,
      body: { error: { code: 'administrator_required' } },
    });
  });

  it('without wids and without consent the roles cannot be told: 403 directory_roles_unavailable', async () => {
    await harness.control('PATCH', apiRegistration, { groupMembershipClaims: 'None' });
    const admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const answer = await harness.call('GET', '/api/provisioning', admin);
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'directory_roles_unavailable' } } });
    expect((await harness.call('GET', '/api/me', admin)).body).toMatchObject({
      access: 'none',
      rolesKnown: false,
    });
  });
});
