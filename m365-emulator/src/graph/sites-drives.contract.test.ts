/**
 * Contract tests with the real Graph SDK for what each service protects: SharePoint site
 * collections (`getAllSites`, search, by URL), OneDrive (`/users/{id}/drive`), mailboxes
 * (`/users/{id}/mailFolders/inbox`), licences (`assignedPlans`) and the control routes that change
 * them — including every error case with Graph's status, code and message.
 */
import {
  Client,
  GraphError as SdkGraphError,
  PageIterator,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTOSO_SPEC, FABRIKAM_SPEC } from '../directory/development-tenants.js';
import { hasOneDrive } from '../directory/licence-plans.js';
import { sitesOf } from '../directory/site-collections.js';
import { startGraphTestServer, type GraphTestServer } from './test-support/graph-test-server.js';
import type { GraphCaller } from '../contracts.js';
import type { InMemoryTenantDirectory } from '../directory/tenant-directory.js';
import type { Drive, MailboxSettings, MailFolder, Site, User } from '@microsoft/microsoft-graph-types';

const CONTOSO = CONTOSO_SPEC.id as string;
const FABRIKAM = FABRIKAM_SPEC.id as string;
const APP = '11111111-2222-3333-4444-555555555555';
const PRODUCT: Omit<GraphCaller, 'tid'> = {
  appId: APP,
  roles: ['User.Read.All', 'GroupMember.Read.All', 'Sites.Read.All', 'Files.Read.All', 'Mail.ReadWrite'],
  scopes: [],
};

let server: GraphTestServer;
let contoso: InMemoryTenantDirectory;

beforeAll(async () => {
  server = await startGraphTestServer({ https: true });
  contoso = server.registry.get(CONTOSO) as InMemoryTenantDirectory;
});
afterAll(() => server.close());

function client(caller: Partial<GraphCaller> = {}, tid = CONTOSO): Client {
  const token = server.token({ tid, ...PRODUCT, ...caller });
  return Client.init({
    baseUrl: `${server.origin}/`,
    customHosts: new Set(['127.0.0.1']),
    defaultVersion: 'v1.0',
    authProvider: (done) => done(null, token),
  });
}

async function graphError(promise: Promise<unknown>): Promise<SdkGraphError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SdkGraphError) return error;
    throw error;
  }
  throw new Error('expected a Graph error');
}

/** The fields of control answers these tests read. */
interface ControlAnswer {
  id?: string;
  webUrl?: string;
  mailboxType?: string | null;
  mailboxes?: number;
  oneDriveAccounts?: number;
  siteCollections?: number;
  error?: { code: string };
}

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: ControlAnswer }> {
  const response = await fetch(`${server.origin}/_emulator/tenants/${CONTOSO}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as ControlAnswer };
}

async function allSites(graph: Client, top = 2): Promise<Site[]> {
  const first = (await graph.api('/sites/getAllSites').top(top).get()) as PageCollection;
  const sites: Site[] = [];
  await new PageIterator(graph, first, (site: Site) => {
    sites.push(site);
    return true;
  }).iterate();
  return sites;
}

const firstUser = (
  predicate: (user: NonNullable<InMemoryTenantDirectory['userSlots'][number]>) => boolean,
) => {
  const found = contoso.userSlots.find((user) => user !== undefined && predicate(user));
  if (!found) throw new Error('no such user in Contoso');
  return found;
};

describe('site collections', () => {
  it('generates about one site collection per 20 users, the root site first, with Graph’s properties', async () => {
    const sites = (await allSites(client())).filter((site) => site.isPersonalSite === false);
    expect(sites).toHaveLength(Math.round(CONTOSO_SPEC.users / 20));
    const [root, ...others] = sites;
    expect(root?.webUrl).toBe('https://contoso.sharepoint.com');
    expect(root?.siteCollection).toEqual({ hostname: 'contoso.sharepoint.com' });
    expect(root?.root).toEqual({});
    for (const site of sites) {
      expect(site.id).toMatch(/^contoso\.sharepoint\.com,[0-9a-f-]{36},[0-9a-f-]{36}$/);
      expect(site.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(typeof site.displayName).toBe('string');
    }
    for (const site of others)
      expect(site.webUrl).toMatch(/^https:\/\/contoso\.sharepoint\.com\/sites\/\w+$/);
  });

  it('getAllSites pages with absolute nextLinks and lists the OneDrive personal sites after the site collections', async () => {
    const graph = client();
    const first = (await graph.api('/sites/getAllSites').top(2).get()) as PageCollection;
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${server.origin}/v1\\.0/sites/getAllSites\\?`));
    const sites = await allSites(graph, 7);
    const personal = sites.filter((site) => site.isPersonalSite === true);
    expect(personal).toHaveLength(contoso.userSlots.filter((user) => user && hasOneDrive(user)).length);
    expect(personal[0]?.webUrl).toMatch(/^https:\/\/contoso-my\.sharepoint\.com\/personal\/\w+$/);
    expect(new Set(sites.map((site) => site.id)).size).toBe(sites.length);
  });

  it('getAllSites refuses delegated tokens and tokens without Sites.Read.All with SharePoint’s 403', async () => {
    const delegated = await graphError(
      client({
        roles: [],
        scopes: ['Sites.Read.All'],
        userId: contoso.findUserByUpn('admin@contoso.onmicrosoft.com')?.id,
      })
        .api('/sites/getAllSites')
        .get(),
    );
    expect([delegated.statusCode, delegated.code, delegated.message]).toEqual([
      403,
      'accessDenied',
      'Access denied',
    ]);
    const unpermitted = await graphError(
      client({ roles: ['User.Read.All'] })
        .api('/sites/getAllSites')
        .get(),
    );
    expect([unpermitted.statusCode, unpermitted.code]).toEqual([403, 'accessDenied']);
    const search = await graphError(
      client({ roles: ['Files.Read.All'] })
        .api('/sites')
        .query({ search: '*' })
        .get(),
    );
    expect([search.statusCode, search.code]).toEqual([403, 'accessDenied']);
  });

  it('rejects a $top out of range and an unknown $select property', async () => {
    const top = await graphError(client().api('/sites/getAllSites').top(1000).get());
    expect([top.statusCode, top.code]).toEqual([400, 'invalidRequest']);
    const select = await graphError(client().api('/sites/root').select('colour').get());
    expect([select.statusCode, select.message]).toEqual([
      400,
      "Could not find a property named 'colour' on type 'microsoft.graph.site'.",
    ]);
  });

  it('finds sites by search, `*` lists every site collection', async () => {
    const found = (await client().api('/sites').query({ search: 'marketing' }).get()) as { value: Site[] };
    expect(found.value.map((site) => site.webUrl)).toEqual([
      'https://contoso.sharepoint.com/sites/Marketing',
    ]);
    const all = (await client().api('/sites').query({ search: '*' }).get()) as { value: Site[] };
    expect(all.value).toHaveLength(sitesOf(contoso).size);
    const none = (await client().api('/sites').query({ search: 'nothing-like-this' }).get()) as {
      value: Site[];
    };
    expect(none.value).toEqual([]);
  });

  it('reads a site by hostname and server-relative path, case-insensitively; by id; the root by hostname or root', async () => {
    const graph = client();
    const site = (await graph.api('/sites/contoso.sharepoint.com:/sites/marketing').get()) as Site;
    expect(site.displayName).toBe('Marketing');
    expect(site.webUrl).toBe('https://contoso.sharepoint.com/sites/Marketing');
    const trailingColon = (await graph.api('/sites/contoso.sharepoint.com:/sites/Marketing:').get()) as Site;
    expect(trailingColon.id).toBe(site.id);
    const byId = (await graph.api(`/sites/${site.id}`).get()) as Site;
    expect(byId.webUrl).toBe(site.webUrl);
    const root = (await graph.api('/sites/root').get()) as Site;
    const byHost = (await graph.api('/sites/contoso.sharepoint.com').get()) as Site;
    expect(root.webUrl).toBe('https://contoso.sharepoint.com');
    expect(byHost.id).toBe(root.id);
    const selected = (await graph.api('/sites/root').select(['id', 'webUrl']).get()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(selected).filter((key) => !key.startsWith('@'))).toEqual(['id', 'webUrl']);
  });

  it('answers 404 itemNotFound for an unknown path, id or another tenant’s hostname', async () => {
    for (const path of [
      '/sites/contoso.sharepoint.com:/sites/DoesNotExist',
      '/sites/contoso.sharepoint.com,00000000-0000-0000-0000-000000000000,00000000-0000-0000-0000-000000000000',
      '/sites/fabrikam.sharepoint.com:/sites/Marketing',
    ]) {
      const error = await graphError(client().api(path).get());
      expect([error.statusCode, error.code, error.message]).toEqual([
        404,
        'itemNotFound',
        'Requested site could not be found',
      ]);
    }
    // Fabrikam's own token does read Fabrikam's sites.
    const fabrikamRoot = (await client({}, FABRIKAM).api('/sites/root').get()) as Site;
    expect(fabrikamRoot.webUrl).toBe('https://fabrikam.sharepoint.com');
  });
});

describe('OneDrive and mailboxes', () => {
  it('a licensed user has a OneDrive and a mailbox; assignedPlans shows the Exchange and SharePoint plans', async () => {
    const licensed = firstUser((user) => user.userType === 'Member' && user.assignedLicenses.length > 0);
    const graph = client();
    const drive = (await graph.api(`/users/${licensed.id}/drive`).get()) as Drive;
    expect(drive.driveType).toBe('business');
    expect(drive.owner?.user?.id).toBe(licensed.id);
    expect(drive.webUrl).toMatch(/^https:\/\/contoso-my\.sharepoint\.com\/personal\/\w+\/Documents$/);
    const inbox = (await graph.api(`/users/${licensed.id}/mailFolders/inbox`).get()) as MailFolder;
    expect(inbox.displayName).toBe('Inbox');
    const user = (await graph
      .api(`/users/${licensed.id}`)
      .select(['id', 'assignedLicenses', 'assignedPlans'])
      .get()) as User;
    expect(user.assignedLicenses?.[0]?.skuId).toBe(licensed.assignedLicenses[0]?.skuId);
    expect(user.assignedPlans?.map((plan) => plan.service).sort()).toEqual(['SharePoint', 'exchange']);
    expect(user.assignedPlans?.every((plan) => plan.capabilityStatus === 'Enabled')).toBe(true);
  });

  it('an unlicensed user has neither: 404 ResourceNotFound (mysiteNotFound) and 404 MailboxNotEnabledForRESTAPI', async () => {
    const unlicensed = firstUser((user) => user.userType === 'Member' && user.mailboxType === null);
    const drive = await graphError(client().api(`/users/${unlicensed.id}/drive`).get());
    expect([drive.statusCode, drive.code, drive.message]).toEqual([
      404,
      'ResourceNotFound',
      "User's mysite not found.",
    ]);
    expect((JSON.parse(String(drive.body)) as { innerError: { code: string } }).innerError.code).toBe(
      'mysiteNotFound',
    );
    const mailbox = await graphError(client().api(`/users/${unlicensed.id}/mailFolders/inbox`).get());
    expect([mailbox.statusCode, mailbox.code]).toEqual([404, 'MailboxNotEnabledForRESTAPI']);
  });

  it('a shared mailbox has a mailbox but no OneDrive; an unknown user is Request_ResourceNotFound', async () => {
    const shared = firstUser((user) => user.mailboxType === 'shared');
    expect(
      ((await client().api(`/users/${shared.id}/mailFolders/inbox`).get()) as MailFolder).displayName,
    ).toBe('Inbox');
    expect((await graphError(client().api(`/users/${shared.id}/drive`).get())).statusCode).toBe(404);
    const unknown = await graphError(client().api('/users/nobody@contoso.onmicrosoft.com/drive').get());
    expect([unknown.statusCode, unknown.code]).toEqual([404, 'Request_ResourceNotFound']);
    const folder = await graphError(client().api(`/users/${shared.id}/mailFolders/nofolder`).get());
    expect([folder.statusCode, folder.code]).toEqual([404, 'ErrorItemNotFound']);
  });

  it('without Files.Read.All a drive is 403 accessDenied; without a Mail permission a mail folder is 403 ErrorAccessDenied', async () => {
    const licensed = firstUser((user) => user.userType === 'Member' && user.assignedLicenses.length > 0);
    const drive = await graphError(
      client({ roles: ['User.Read.All'] })
        .api(`/users/${licensed.id}/drive`)
        .get(),
    );
    expect([drive.statusCode, drive.code, drive.message]).toEqual([403, 'accessDenied', 'Access denied']);
    const mail = await graphError(
      client({ roles: ['User.Read.All', 'MailboxSettings.Read'] })
        .api(`/users/${licensed.id}/mailFolders/inbox`)
        .get(),
    );
    expect([mail.statusCode, mail.code]).toEqual([403, 'ErrorAccessDenied']);
  });
});

describe('mailbox settings', () => {
  it('answer 200 for a mailbox (a user’s or a shared one), 404 MailboxNotEnabledForRESTAPI without one, 403 without MailboxSettings.Read', async () => {
    const licensed = firstUser((user) => user.userType === 'Member' && user.assignedLicenses.length > 0);
    const shared = firstUser((user) => user.mailboxType === 'shared');
    const unlicensed = firstUser((user) => user.userType === 'Member' && user.mailboxType === null);
    const graph = client({ roles: ['User.Read.All', 'MailboxSettings.Read'] });
    const settings = (await graph.api(`/users/${licensed.id}/mailboxSettings`).get()) as MailboxSettings;
    expect([settings.userPurpose, settings.timeZone]).toEqual(['user', 'UTC']);
    expect(
      ((await graph.api(`/users/${shared.id}/mailboxSettings`).get()) as MailboxSettings).userPurpose,
    ).toBe('shared');
    const none = await graphError(graph.api(`/users/${unlicensed.id}/mailboxSettings`).get());
    expect([none.statusCode, none.code]).toEqual([404, 'MailboxNotEnabledForRESTAPI']);
    const denied = await graphError(
      client({ roles: ['User.Read.All', 'Mail.ReadWrite'] })
        .api(`/users/${licensed.id}/mailboxSettings`)
        .get(),
    );
    expect([denied.statusCode, denied.code]).toEqual([403, 'ErrorAccessDenied']);
  });
});

describe('control routes', () => {
  it('adds, renames and removes a site collection; Graph follows; bad input changes nothing', async () => {
    const before = (await control('GET', '/targets')).json.siteCollections as number;
    const created = await control('POST', '/sites', {
      name: 'Contracts',
      displayName: 'Contracts',
      template: 'team',
    });
    expect(created.status).toBe(201);
    expect(created.json.webUrl).toBe('https://contoso.sharepoint.com/sites/Contracts');
    expect((await control('POST', '/sites', { name: 'Contracts' })).status).toBe(409);
    expect((await control('POST', '/sites', { name: 'bad name/' })).json.error?.code).toBe('invalidInput');
    expect((await control('POST', '/sites', { name: 'X', template: 'wiki' })).status).toBe(400);
    expect((await control('GET', '/targets')).json.siteCollections).toBe(before + 1);

    const graph = client();
    expect(
      ((await graph.api('/sites/contoso.sharepoint.com:/sites/Contracts').get()) as Site).displayName,
    ).toBe('Contracts');
    expect(
      (await control('PATCH', `/sites/${created.json.id ?? ''}`, { displayName: 'Legal contracts' })).status,
    ).toBe(200);
    expect(
      ((await graph.api('/sites/contoso.sharepoint.com:/sites/Contracts').get()) as Site).displayName,
    ).toBe('Legal contracts');
    expect((await allSites(graph, 50)).some((site) => site.displayName === 'Legal contracts')).toBe(true);

    expect((await control('DELETE', `/sites/${created.json.id ?? ''}`)).status).toBe(200);
    expect((await graphError(graph.api('/sites/contoso.sharepoint.com:/sites/Contracts').get())).code).toBe(
      'itemNotFound',
    );
    expect((await control('DELETE', `/sites/${created.json.id ?? ''}`)).status).toBe(404);
    expect((await control('DELETE', `/sites/${sitesOf(contoso).root.id}`)).status).toBe(400);
    expect((await control('GET', '/targets')).json.siteCollections).toBe(before);
  });

  it('unlicensing a user takes their mailbox and OneDrive; licensing gives them back; disabling Exchange gives a OneDrive only', async () => {
    const user = firstUser(
      (candidate) =>
        candidate.userType === 'Member' &&
        candidate.assignedLicenses.length > 0 &&
        candidate.password !== null &&
        candidate.directoryRoleTemplateIds.length === 0,
    );
    const counts = (await control('GET', '/targets')).json as { mailboxes: number; oneDriveAccounts: number };
    const graph = client();
    try {
      expect((await control('POST', `/users/${user.id}/unlicense`)).status).toBe(200);
      expect((await graphError(graph.api(`/users/${user.id}/drive`).get())).code).toBe('ResourceNotFound');
      expect((await graphError(graph.api(`/users/${user.id}/mailFolders/inbox`).get())).code).toBe(
        'MailboxNotEnabledForRESTAPI',
      );
      const after = (await control('GET', '/targets')).json as typeof counts;
      expect([after.mailboxes, after.oneDriveAccounts]).toEqual([
        counts.mailboxes - 1,
        counts.oneDriveAccounts - 1,
      ]);
      const plans = (await graph.api(`/users/${user.id}`).select('assignedPlans').get()) as User;
      expect(plans.assignedPlans).toEqual([]);

      const exchangeOff = await control('POST', `/users/${user.id}/license`, {
        disabledPlans: ['efb87545-963c-4e0d-99df-69c6916d9eb0'],
      });
      expect(exchangeOff.json.mailboxType).toBeNull();
      expect(((await graph.api(`/users/${user.id}/drive`).get()) as Drive).driveType).toBe('business');
      expect((await graphError(graph.api(`/users/${user.id}/mailFolders/inbox`).get())).statusCode).toBe(404);

      expect((await control('POST', `/users/${user.id}/license`, { skuId: 'nope' })).status).toBe(400);
    } finally {
      expect((await control('POST', `/users/${user.id}/license`, {})).status).toBe(200);
    }
    expect(((await graph.api(`/users/${user.id}/mailFolders/inbox`).get()) as MailFolder).displayName).toBe(
      'Inbox',
    );
    expect((await control('GET', '/targets')).json).toMatchObject(counts);
    expect((await control('POST', '/users/nobody/license', {})).status).toBe(404);
  });

  it('the users listing and users delta return assignedPlans with $select; delta reports a licence change', async () => {
    const user = firstUser(
      (candidate) =>
        candidate.userType === 'Member' &&
        candidate.assignedLicenses.length > 0 &&
        candidate.directoryRoleTemplateIds.length === 0,
    );
    const graph = client();
    const select = 'id,userPrincipalName,displayName,mail,accountEnabled,userType,assignedPlans';
    const listed = (await graph.api('/users').select(select).top(999).get()) as { value: User[] };
    const mine = listed.value.find((each) => each.id === user.id);
    expect(mine?.assignedPlans?.map((plan) => plan.service).sort()).toEqual(['SharePoint', 'exchange']);
    const latest = (await graph
      .api('/users/delta')
      .query({ $select: select, $deltatoken: 'latest' })
      .get()) as {
      '@odata.deltaLink': string;
    };
    try {
      expect((await control('POST', `/users/${user.id}/unlicense`)).status).toBe(200);
      const changes = (await graph.api(latest['@odata.deltaLink']).get()) as { value: User[] };
      const changed = changes.value.find((each) => each.id === user.id);
      // The whole selected projection, plans now empty: the sync learns the mailbox is gone.
      expect(changed).toMatchObject({
        id: user.id,
        userPrincipalName: user.userPrincipalName,
        assignedPlans: [],
      });
    } finally {
      expect((await control('POST', `/users/${user.id}/license`, {})).status).toBe(200);
    }
  });
});
