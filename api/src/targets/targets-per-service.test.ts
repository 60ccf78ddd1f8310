// Issue 17 over real HTTP: each service's own targets (mailboxes, site collections, OneDrive
// accounts) in the picker and on Done — startApi against the in-process emulator with one
// registration per consent step, so SharePoint Online's sites are read with its own Graph app.
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  DEVELOPMENT_CONSENT_APPS,
  FABRIKAM_TENANT_ID,
} from '@cas/m365-emulator';
import { consentAppEnvironment } from '@cas/microsoft365';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import type { ProvisioningView } from '../provisioning/provisioning-view.js';
import type { SiteTarget, Target } from '@cas/core';

let harness: ApiHarness;
let admin: string;

interface EmulatedSite {
  id: string;
  webUrl: string;
  displayName: string;
  isPersonalSite?: boolean;
}

interface DirectoryUserBody {
  id: string;
  userPrincipalName: string;
  displayName: string;
}

async function sitesOf(tenantId: string): Promise<EmulatedSite[]> {
  const { value } = (await harness.control('GET', `/tenants/${tenantId}/sites`)) as { value: EmulatedSite[] };
  return value.filter((site) => site.isPersonalSite !== true);
}

async function view(): Promise<ProvisioningView> {
  const answer = await harness.call<ProvisioningView>('GET', '/api/provisioning', admin);
  expect(answer.status).toBe(200);
  return answer.body;
}

function done(service: string, body: Record<string, unknown>) {
  return harness.call<{ message: string }>('PUT', `/api/services/${service}/provisioning`, admin, body);
}

function findSite(url: string) {
  return harness.call<{ site: SiteTarget }>(
    'GET',
    `/api/targets/sites?url=${encodeURIComponent(url)}`,
    admin,
  );
}

function findUser(upn: string, service?: string) {
  return harness.call<{ user: DirectoryUserBody }>(
    'GET',
    `/api/targets/users?upn=${encodeURIComponent(upn)}${service === undefined ? '' : `&service=${service}`}`,
    admin,
  );
}

async function targetOf(upn: string): Promise<Target> {
  const found = await findUser(upn);
  expect(found.status).toBe(200);
  const { user } = found.body;
  return {
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    source: { kind: 'user' },
  };
}

/** A Contoso shared mailbox: Exchange holds it without a licence, so it has no OneDrive. */
async function sharedMailboxUpn(): Promise<string> {
  const upn = 'accountspayable@contoso.onmicrosoft.com';
  const user = (await harness.control('GET', `/tenants/${CONTOSO_TENANT_ID}/users/${upn}`)) as {
    mailboxType?: string;
  };
  expect(user.mailboxType).toBe('shared');
  return upn;
}

beforeAll(async () => {
  harness = await startApiHarness({ environment: consentAppEnvironment(DEVELOPMENT_CONSENT_APPS) });
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

beforeEach(async () => {
  // A fresh Contoso (sites, licences, consent) and an empty store for every test.
  await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
  await harness.freshApi();
  admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
});

describe('SharePoint Online: verifying a pasted site collection URL', () => {
  it.each([
    ['an empty URL', '  ', 'site_url_empty'],
    ['http://', 'http://contoso.sharepoint.com/sites/Marketing', 'site_url_not_https'],
    ['another host', 'https://contoso.example.com/sites/Marketing', 'site_url_not_sharepoint'],
    ['a OneDrive address', 'https://contoso-my.sharepoint.com/personal/megan', 'site_url_onedrive'],
    ['a bad site name', 'https://contoso.sharepoint.com/sites/%20bad', 'site_url_invalid_path'],
    ['no URL at all', 'marketing', 'site_url_not_url'],
  ])('refuses %s with 400 and its own code, before consent or Graph is asked', async (_case, url, code) => {
    // Nothing is consented: a 400 (not 409) shows the URL is checked before anything else.
    const refused = await findSite(url);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe(code);
    expect(refused.body.error?.message.length).toBeGreaterThan(10);
  });

  it("answers 409 consent_required before SharePoint Online's Graph step is granted", async () => {
    // Exchange Online's consent holds the directory roles, but not Sites.Read.All.
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const [root] = await sitesOf(CONTOSO_TENANT_ID);
    const refused = await findSite(root?.webUrl ?? '');
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('consent_required');
    expect(refused.body.error?.message).toMatch(/SharePoint Online/);
  });

  it("finds a site from a page of it and shows Graph's name; an unknown or another tenant's site is 404", async () => {
    await harness.consentService(admin, 'sharePointOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const team = (await sitesOf(CONTOSO_TENANT_ID)).find((site) => /\/sites\//.test(site.webUrl));
    expect(team).toBeDefined();
    const found = await findSite(`${team?.webUrl}/SitePages/Home.aspx?web=1`);
    expect(found.status).toBe(200);
    expect(found.body.site).toEqual({
      siteId: team?.id,
      webUrl: team?.webUrl,
      displayName: team?.displayName,
    });

    const unknown = await findSite('https://contoso.sharepoint.com/sites/NoSuchSite');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('site_not_found');
    expect(unknown.body.error?.message).toContain('https://contoso.sharepoint.com/sites/NoSuchSite');

    // Fabrikam's site exists, but not in Contoso: Graph with Contoso's token does not see it.
    const [fabrikamSite] = await sitesOf(FABRIKAM_TENANT_ID);
    const foreign = await findSite(fabrikamSite?.webUrl ?? '');
    expect(foreign.status).toBe(404);
    expect(foreign.body.error?.code).toBe('site_not_found');
  });
});

describe('By User and By Group per service', () => {
  it('refuses a user without a mailbox for Exchange Online and without a OneDrive for OneDrive, with core’s sentence', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    expect((await findUser(CONTOSO_USER_UPN, 'exchangeOnline')).status).toBe(200);
    await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/users/${CONTOSO_USER_UPN}/unlicense`);

    const noMailbox = await findUser(CONTOSO_USER_UPN, 'exchangeOnline');
    expect(noMailbox.status).toBe(422);
    expect(noMailbox.body.error).toMatchObject({
      code: 'user_without_mailbox',
      message: `${CONTOSO_USER_UPN} has no Exchange Online mailbox, so Exchange Online has nothing to protect for this user.`,
    });
    const noOneDrive = await findUser(CONTOSO_USER_UPN, 'oneDrive');
    expect(noOneDrive.status).toBe(422);
    expect(noOneDrive.body.error?.code).toBe('user_without_onedrive');
    // Without a service the user is only looked up.
    expect((await findUser(CONTOSO_USER_UPN)).status).toBe(200);
  });

  it('a shared mailbox has no OneDrive: refused for OneDrive', async () => {
    await harness.consentService(admin, 'oneDrive', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const refused = await findUser(await sharedMailboxUpn(), 'oneDrive');
    expect(refused.status).toBe(422);
    expect(refused.body.error?.code).toBe('user_without_onedrive');
  });

  it("sets a group's users without a OneDrive apart, each with its reason; without a service nobody is", async () => {
    await harness.consentService(admin, 'oneDrive', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const groups = await harness.call<{ groups: { id: string }[] }>(
      'GET',
      '/api/targets/groups?query=Fin',
      admin,
    );
    const groupId = groups.body.groups[0]?.id;
    type Page = {
      users: DirectoryUserBody[];
      more: boolean;
      excluded: { user: DirectoryUserBody; code: string; message: string }[];
    };
    const all = await harness.call<Page>('GET', `/api/targets/groups/${groupId}/users`, admin);
    expect(all.status).toBe(200);
    expect(all.body.excluded).toEqual([]);
    const before = await harness.call<Page>(
      'GET',
      `/api/targets/groups/${groupId}/users?service=oneDrive`,
      admin,
    );
    // Each member is either protectable or set apart, never both.
    expect(before.body.users.length + before.body.excluded.length).toBe(all.body.users.length);
    const [unlicensed] = before.body.users;
    expect(unlicensed).toBeDefined();
    await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/users/${unlicensed?.id}/unlicense`);

    const page = await harness.call<Page>(
      'GET',
      `/api/targets/groups/${groupId}/users?service=oneDrive`,
      admin,
    );
    expect(page.status).toBe(200);
    expect(page.body.excluded).toContainEqual({
      user: unlicensed,
      code: 'user_without_onedrive',
      message: `${unlicensed?.userPrincipalName} has no OneDrive, so OneDrive has nothing to protect for this user.`,
    });
    expect(page.body.excluded).toHaveLength(before.body.excluded.length + 1);
    expect(page.body.users.map((user) => user.id)).not.toContain(unlicensed?.id);
    expect(page.body.users).toHaveLength(before.body.users.length - 1);
  });
});

describe('Done with each service’s own targets', () => {
  it('SharePoint Online with two sites → "SharePoint Online protected.", saved with Graph’s names', async () => {
    await harness.consentService(admin, 'sharePointOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const [first, second] = await sitesOf(CONTOSO_TENANT_ID);
    const before = await view();
    const saved = await done('sharePointOnline', {
      scope: 'selectedUsers',
      sites: [
        { siteId: first?.id, webUrl: first?.webUrl, displayName: 'what the client typed' },
        { siteId: second?.id, webUrl: second?.webUrl, displayName: second?.displayName },
        // The same site twice is one site.
        { siteId: second?.id, webUrl: second?.webUrl, displayName: second?.displayName },
      ],
      expectedVersion: before.version,
    });
    expect(saved.status).toBe(200);
    expect(saved.body.message).toBe('SharePoint Online protected.');
    const sharePoint = (await view()).services.find((service) => service.service === 'sharePointOnline');
    expect(sharePoint).toMatchObject({ status: 'protected', scope: 'selectedUsers', targets: [] });
    expect(sharePoint?.sites).toEqual([
      { siteId: first?.id, webUrl: first?.webUrl, displayName: first?.displayName },
      { siteId: second?.id, webUrl: second?.webUrl, displayName: second?.displayName },
    ]);
  });

  it('refuses an unknown site with sites_not_found naming it, 101 sites with site_limit_exceeded, users with target_kind_mismatch; nothing is saved', async () => {
    await harness.consentService(admin, 'sharePointOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const [known] = await sitesOf(CONTOSO_TENANT_ID);
    const before = await view();
    const gone = {
      siteId:
        'contoso.sharepoint.com,00000000-0000-4000-8000-000000000bad,00000000-0000-4000-8000-000000000bad',
      webUrl: 'https://contoso.sharepoint.com/sites/Deleted',
      displayName: 'Deleted',
    };
    const unknown = await done('sharePointOnline', {
      scope: 'selectedUsers',
      sites: [{ siteId: known?.id, webUrl: known?.webUrl, displayName: known?.displayName }, gone],
      expectedVersion: before.version,
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error?.code).toBe('sites_not_found');
    expect(unknown.body.error?.message).toContain('https://contoso.sharepoint.com/sites/Deleted');
    expect(await view()).toEqual(before);

    const tooMany = Array.from({ length: 101 }, (_, index) => ({
      siteId: `contoso.sharepoint.com,00000000-0000-4000-8000-${String(index).padStart(12, '0')},00000000-0000-4000-8000-000000000001`,
      webUrl: `https://contoso.sharepoint.com/sites/Site${index}`,
      displayName: `Site ${index}`,
    }));
    const limit = await done('sharePointOnline', {
      scope: 'selectedUsers',
      sites: tooMany,
      expectedVersion: before.version,
    });
    expect(limit.status).toBe(422);
    expect(limit.body.error).toMatchObject({ code: 'site_limit_exceeded', limit: 100 });
    expect(await view()).toEqual(before);

    const users = await done('sharePointOnline', {
      scope: 'selectedUsers',
      targets: [await targetOf(CONTOSO_USER_UPN)],
      expectedVersion: before.version,
    });
    expect(users.status).toBe(422);
    expect(users.body.error?.code).toBe('target_kind_mismatch');

    const none = await done('sharePointOnline', {
      scope: 'selectedUsers',
      sites: [],
      expectedVersion: before.version,
    });
    expect(none.status).toBe(422);
    expect(none.body.error?.code).toBe('targets_required');
    expect(await view()).toEqual(before);
  });

  it('Exchange Online refuses sites, and a user without a mailbox by name; nothing is saved', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const before = await view();
    const [site] = await sitesOf(CONTOSO_TENANT_ID);
    const sites = await done('exchangeOnline', {
      scope: 'selectedUsers',
      sites: [{ siteId: site?.id, webUrl: site?.webUrl, displayName: site?.displayName }],
      expectedVersion: before.version,
    });
    expect(sites.status).toBe(422);
    expect(sites.body.error?.code).toBe('target_kind_mismatch');

    const admins = await targetOf(CONTOSO_ADMIN_UPN);
    const user = await targetOf(CONTOSO_USER_UPN);
    await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/users/${CONTOSO_USER_UPN}/unlicense`);
    const refused = await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [admins, user],
      expectedVersion: before.version,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'user_without_mailbox',
      users: [{ userId: user.userId, userPrincipalName: CONTOSO_USER_UPN }],
    });
    expect(refused.body.error?.message).toContain(CONTOSO_USER_UPN);
    expect(await view()).toEqual(before);

    const accepted = await done('exchangeOnline', {
      scope: 'selectedUsers',
      targets: [admins],
      expectedVersion: before.version,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.message).toBe('Exchange Online protected.');
  });

  it('OneDrive refuses a shared mailbox and an unlicensed user (both named); all mode → "OneDrive protected."', async () => {
    await harness.consentService(admin, 'oneDrive', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const before = await view();
    const shared = await targetOf(await sharedMailboxUpn());
    const user = await targetOf(CONTOSO_USER_UPN);
    await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/users/${CONTOSO_USER_UPN}/unlicense`);
    const refused = await done('oneDrive', {
      scope: 'selectedUsers',
      targets: [shared, user],
      expectedVersion: before.version,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error?.code).toBe('user_without_onedrive');
    expect(refused.body.error?.message).toContain(shared.userPrincipalName);
    expect(refused.body.error?.message).toContain(CONTOSO_USER_UPN);
    expect(await view()).toEqual(before);

    const all = await done('oneDrive', { scope: 'allUsersAndGroups', expectedVersion: before.version });
    expect(all.status).toBe(200);
    expect(all.body.message).toBe('OneDrive protected.');
  });
});

describe('protected targets on the dashboard', () => {
  it("shows each service's recorded count in its own words, and forgets it when the selection changes", async () => {
    await harness.consentService(admin, 'sharePointOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const [first, second] = await sitesOf(CONTOSO_TENANT_ID);
    const pick = (site: EmulatedSite | undefined) => ({
      siteId: site?.id,
      webUrl: site?.webUrl,
      displayName: site?.displayName,
    });
    const saved = await done('sharePointOnline', {
      scope: 'selectedUsers',
      sites: [pick(first), pick(second)],
      expectedVersion: (await view()).version,
    });
    expect(saved.status).toBe(200);
    expect((await view()).services.map((service) => service.protectedTargets)).toEqual([null, null, null]);

    const at = '2026-12-01T10:00:00.000Z';
    await harness.api.store.protectedTargets.record({
      tenantId: CONTOSO_TENANT_ID,
      service: 'sharePointOnline',
      count: 2,
      lastSynchronizedAt: at,
    });
    await harness.api.store.protectedTargets.record({
      tenantId: FABRIKAM_TENANT_ID,
      service: 'exchangeOnline',
      count: 1204,
      lastSynchronizedAt: at,
    });
    const counted = await view();
    // Fabrikam's count is not Contoso's.
    expect(counted.services.map((service) => service.protectedTargets)).toEqual([
      null,
      { count: 2, text: '2 site collections', lastSynchronizedAt: at },
      null,
    ]);

    // One site fewer: the count of two is no longer what is protected, until the next run.
    const changed = await done('sharePointOnline', {
      scope: 'selectedUsers',
      sites: [pick(first)],
      expectedVersion: counted.version,
    });
    expect(changed.status).toBe(200);
    const after = await view();
    expect(after.services[1]?.protectedTargets).toBeNull();
    expect(after.services[1]?.sites.map((site) => site.siteId)).toEqual([first?.id]);
    expect(await harness.api.store.protectedTargets.countsFor(FABRIKAM_TENANT_ID)).toHaveLength(1);
  });
});
