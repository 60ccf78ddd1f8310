// The targets reader against the Microsoft 365 emulator, with the real msal-node and Graph SDK.
import {
  parseSiteCollectionUrl,
  type ServiceTargetsReader,
  type SiteCollectionUrl,
  type SiteTarget,
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenSource } from '../entra/app-token-source.js';
import { GraphError } from './graph-error.js';
import { createGraphTargets } from './graph-targets.js';

let emulator: RunningEmulator;
let targets: ServiceTargetsReader;

function control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  return emulatorControl<T>(emulator.origin, method, path, body);
}

const url = (text: string): SiteCollectionUrl => {
  const parsed = parseSiteCollectionUrl(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
};

async function everySite(
  tenantId: string,
  pageSize: number,
): Promise<{ sites: SiteTarget[]; pages: number }> {
  const sites: SiteTarget[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await targets.listSiteCollections(tenantId, { pageSize, ...(cursor ? { cursor } : {}) });
    sites.push(...page.sites);
    cursor = page.next ?? undefined;
    pages += 1;
  } while (cursor);
  return { sites, pages };
}

async function createUser(local: string): Promise<string> {
  const user = await control<{ id: string }>('POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
    userPrincipalName: `${local}@contoso.onmicrosoft.com`,
    displayName: local,
  });
  return user.id;
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  await control(
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
  // Fabrikam consented to the directory only: no Sites.Read.All, no Files.Read.All, no Mail.ReadWrite.
  await control('PUT', `/tenants/${FABRIKAM_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`, {
    grants: { 'https://graph.microsoft.com': ['User.Read.All'] },
  });
  const tokens = createAppTokenSource({
    authorityHost: emulator.origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
  });
  targets = createGraphTargets({ graphBaseUrl: emulator.origin, tokens, sleep: async () => {} });
});

afterAll(async () => {
  await emulator?.close();
});

describe('SharePoint site collections', () => {
  it('verifies a pasted URL and gives the site’s name; an unknown URL is undefined', async () => {
    const marketing = await targets.findSiteCollection(
      CONTOSO_TENANT_ID,
      url('https://contoso.sharepoint.com/sites/marketing/SitePages/Home.aspx'),
    );
    expect(marketing).toMatchObject({
      displayName: 'Marketing',
      webUrl: 'https://contoso.sharepoint.com/sites/Marketing',
    });
    expect(marketing?.siteId).toMatch(/^contoso\.sharepoint\.com,/);
    const root = await targets.findSiteCollection(CONTOSO_TENANT_ID, url('https://contoso.sharepoint.com/'));
    expect(root?.webUrl).toBe('https://contoso.sharepoint.com');
    expect(
      await targets.findSiteCollection(
        CONTOSO_TENANT_ID,
        url('https://contoso.sharepoint.com/sites/Nowhere'),
      ),
    ).toBeUndefined();
    // Another tenant's site is not found through this tenant's token.
    expect(
      await targets.findSiteCollection(
        CONTOSO_TENANT_ID,
        url('https://fabrikam.sharepoint.com/sites/Marketing'),
      ),
    ).toBeUndefined();
  });

  it('reads site collections by id in batches of 20, in order; unknown and other tenants’ ids are undefined', async () => {
    const { value } = await control<{ value: { id: string; webUrl: string; displayName: string }[] }>(
      'GET',
      `/tenants/${CONTOSO_TENANT_ID}/sites`,
    );
    const fabrikam = await control<{ value: { id: string }[] }>(
      'GET',
      `/tenants/${FABRIKAM_TENANT_ID}/sites`,
    );
    // 22 reads of the tenant's sites (in two batches), then an unknown id and Fabrikam's root site.
    const picked = Array.from({ length: 22 }, (_, index) => value[index % value.length]!);
    const ids = [
      ...picked.map((site) => site.id),
      'contoso.sharepoint.com,00000000-0000-0000-0000-000000000000,00000000-0000-0000-0000-000000000001',
      fabrikam.value[0]!.id,
    ];
    const found = await targets.findSitesById(CONTOSO_TENANT_ID, ids);
    expect(found).toEqual([
      ...picked.map((site) => ({ siteId: site.id, webUrl: site.webUrl, displayName: site.displayName })),
      undefined,
      undefined,
    ]);
  });

  it('enumerates every site collection page by page, without personal sites, equal to the emulator’s', async () => {
    const { value } = await control<{ value: { id: string }[] }>(
      'GET',
      `/tenants/${CONTOSO_TENANT_ID}/sites`,
    );
    const { sites, pages } = await everySite(CONTOSO_TENANT_ID, 1);
    expect(sites.map((site) => site.siteId)).toEqual(value.map((site) => site.id));
    expect(pages).toBeGreaterThan(value.length);
    const counts = await control<{ siteCollections: number }>('GET', `/tenants/${CONTOSO_TENANT_ID}/targets`);
    expect(sites).toHaveLength(counts.siteCollections);
  });

  it('follows changes: a site added, renamed and removed', async () => {
    const added = await control<{ id: string }>('POST', `/tenants/${CONTOSO_TENANT_ID}/sites`, {
      name: 'Audit',
      displayName: 'Audit',
    });
    await control('PATCH', `/tenants/${CONTOSO_TENANT_ID}/sites/${added.id}`, {
      displayName: 'Internal audit',
    });
    const after = await everySite(CONTOSO_TENANT_ID, 200);
    expect(after.sites.find((site) => site.siteId === added.id)?.displayName).toBe('Internal audit');
    await control('DELETE', `/tenants/${CONTOSO_TENANT_ID}/sites/${added.id}`);
    expect((await everySite(CONTOSO_TENANT_ID, 200)).sites.some((site) => site.siteId === added.id)).toBe(
      false,
    );
  });

  it('refuses a cursor that is not a Graph sites link, without fetching it', async () => {
    for (const cursor of [
      'not a url',
      'https://evil.example/v1.0/sites/getAllSites',
      `${emulator.origin}/v1.0/users`,
    ]) {
      const failure = await targets
        .listSiteCollections(CONTOSO_TENANT_ID, { pageSize: 5, cursor })
        .catch((e) => e);
      expect(failure).toBeInstanceOf(GraphError);
      expect((failure as GraphError).code).toBe('InvalidCursor');
    }
  });

  it('without Sites.Read.All Graph refuses with 403 accessDenied', async () => {
    const failure = await targets.listSiteCollections(FABRIKAM_TENANT_ID, { pageSize: 5 }).catch((e) => e);
    expect(failure).toBeInstanceOf(GraphError);
    expect([(failure as GraphError).statusCode, (failure as GraphError).code]).toEqual([403, 'accessDenied']);
  });
});

describe('mailboxes and OneDrive accounts', () => {
  it('reads holdings from licence plans in batches of 20; probes mailbox and OneDrive; follows unlicensing', async () => {
    const licensed = await createUser('targets.licensed');
    await control('POST', `/tenants/${CONTOSO_TENANT_ID}/users/${licensed}/license`, {});
    const unlicensed = await createUser('targets.unlicensed');
    await control('POST', `/tenants/${CONTOSO_TENANT_ID}/users/${unlicensed}/unlicense`);
    const ids = [licensed, unlicensed, '00000000-0000-0000-0000-000000000000', ...Array(20).fill(licensed)];
    const holdings = await targets.findUserHoldings(CONTOSO_TENANT_ID, ids);
    expect(holdings.slice(0, 3)).toEqual([
      { mailbox: true, oneDrive: true },
      { mailbox: false, oneDrive: false },
      undefined,
    ]);
    expect(holdings).toHaveLength(23);
    expect(holdings.slice(3).every((each) => each?.mailbox === true)).toBe(true);

    expect(await targets.hasMailbox(CONTOSO_TENANT_ID, licensed)).toBe(true);
    expect(await targets.hasOneDrive(CONTOSO_TENANT_ID, licensed)).toBe(true);
    expect(await targets.hasMailbox(CONTOSO_TENANT_ID, unlicensed)).toBe(false);
    expect(await targets.hasOneDrive(CONTOSO_TENANT_ID, unlicensed)).toBe(false);

    await control('POST', `/tenants/${CONTOSO_TENANT_ID}/users/${licensed}/unlicense`);
    expect(await targets.hasMailbox(CONTOSO_TENANT_ID, licensed)).toBe(false);
    expect(await targets.hasOneDrive(CONTOSO_TENANT_ID, licensed)).toBe(false);
    expect((await targets.findUserHoldings(CONTOSO_TENANT_ID, [licensed]))[0]).toEqual({
      mailbox: false,
      oneDrive: false,
    });
  });

  it('a probe without its permission fails with Graph’s 403, not as "none"', async () => {
    const failure = await targets
      .hasOneDrive(FABRIKAM_TENANT_ID, 'admin@fabrikam.onmicrosoft.com')
      .catch((e) => e);
    expect([(failure as GraphError).statusCode, (failure as GraphError).code]).toEqual([403, 'accessDenied']);
    const mail = await targets
      .hasMailbox(FABRIKAM_TENANT_ID, 'admin@fabrikam.onmicrosoft.com')
      .catch((e) => e);
    expect([(mail as GraphError).statusCode, (mail as GraphError).code]).toEqual([403, 'ErrorAccessDenied']);
  });
});
