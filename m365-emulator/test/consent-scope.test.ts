/**
 * Contract: what admin consent grants, as Entra documents it. `{resource}/.default` consents to
 * every permission of the registration on every API it names (not only the named resource),
 * dynamic scopes on the admin-consent endpoint are delegated only, and each resource's
 * client-credentials token carries that resource's granted roles alone. Driven with the form
 * browser, msal-node and the Graph SDK.
 */
import { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  DEVELOPMENT_CONSENT_APPS,
  EXCHANGE_ONLINE_APP_ID,
  MICROSOFT_GRAPH_APP_ID,
  type RunningEmulator,
} from '../src/index.js';
import { confidentialClient, control, decodeJwt, launchEmulator } from './support/emulator-fixture.js';
import { FormBrowser, pageText, type BrowserResult } from './support/form-browser.js';

const CALLBACK = 'https://localhost:7443/api/consent/callback';
const EWS_SCOPE = 'https://outlook.office365.com/.default';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await launchEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await control(emulator, 'POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
  await control(emulator, 'POST', '/apps/reset');
});

function consentUrl(clientId: string, scope: string): string {
  const query = new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, state: 's', scope });
  return `${emulator.origin}/${CONTOSO_TENANT_ID}/v2.0/adminconsent?${query}`;
}

async function consentPage(browser: FormBrowser, clientId: string, scope: string): Promise<BrowserResult> {
  const page = await browser.open(consentUrl(clientId, scope));
  if (!page.html.includes('name="passwd"')) return page;
  return browser.submit(page, { loginfmt: CONTOSO_ADMIN_UPN, passwd: CONTOSO_ADMIN_PASSWORD }, 'Sign in');
}

/** Permission values listed on the consent page, grouped by API as the page groups them. */
function listed(html: string): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const group of html.split('<li data-resource="').slice(1)) {
    const name = group.slice(0, group.indexOf('"'));
    groups[name] = [...group.matchAll(/data-permission="([^"]+)"/g)].map((match) => match[1] ?? '');
  }
  return groups;
}

async function grantsOf(appId: string): Promise<
  | {
      appRoleAssignments: Record<string, string[]>;
      delegatedGrants: Record<string, string[]>;
    }
  | undefined
> {
  const { value } = await control<{
    value: {
      appId: string;
      appRoleAssignments: Record<string, string[]>;
      delegatedGrants: Record<string, string[]>;
    }[];
  }>(emulator, 'GET', `/tenants/${CONTOSO_TENANT_ID}/service-principals`);
  return value.find((principal) => principal.appId === appId);
}

async function appOnlyRoles(clientId: string, clientSecret: string, scope: string): Promise<unknown> {
  const result = await confidentialClient(emulator, CONTOSO_TENANT_ID, {
    clientId,
    clientSecret,
  }).acquireTokenByClientCredential({ scopes: [scope], skipCache: true });
  return decodeJwt(result?.accessToken ?? '').payload.roles;
}

describe('one registration holding EWS and Graph permissions (why the product has one per step)', () => {
  it('consenting the EWS step lists and grants the Graph roles too', async () => {
    const browser = new FormBrowser(emulator.origin);
    const page = await consentPage(browser, CLOUD_APP_SECURITY_CLIENT_ID, EWS_SCOPE);
    expect(listed(page.html)).toEqual({
      'Office 365 Exchange Online': ['full_access_as_app'],
      'Microsoft Graph': [
        'User.Read.All',
        'GroupMember.Read.All',
        'Mail.ReadWrite',
        'Sites.Read.All',
        'Files.Read.All',
        'RoleManagement.Read.Directory',
      ],
    });
    const done = await browser.submit(page, {}, 'Accept');
    expect(done.callback?.searchParams.get('scope')?.split(' ')).toContain(
      'https://graph.microsoft.com/Sites.Read.All',
    );

    const granted = await grantsOf(CLOUD_APP_SECURITY_CLIENT_ID);
    expect(granted?.appRoleAssignments[MICROSOFT_GRAPH_APP_ID]).toEqual(
      expect.arrayContaining(['Mail.ReadWrite', 'Sites.Read.All', 'Files.Read.All']),
    );
    // "Step 2" then finds everything granted already: a Graph token carries every Graph role.
    const { CLOUD_APP_SECURITY_CLIENT_SECRET } = await import('../src/index.js');
    expect(
      await appOnlyRoles(CLOUD_APP_SECURITY_CLIENT_ID, CLOUD_APP_SECURITY_CLIENT_SECRET, GRAPH_SCOPE),
    ).toEqual(expect.arrayContaining(['Sites.Read.All', 'Files.Read.All']));
  });

  it('each resource’s token carries only that resource’s roles', async () => {
    const browser = new FormBrowser(emulator.origin);
    await browser.submit(await consentPage(browser, CLOUD_APP_SECURITY_CLIENT_ID, GRAPH_SCOPE), {}, 'Accept');
    const { CLOUD_APP_SECURITY_CLIENT_SECRET } = await import('../src/index.js');
    expect(
      await appOnlyRoles(CLOUD_APP_SECURITY_CLIENT_ID, CLOUD_APP_SECURITY_CLIENT_SECRET, EWS_SCOPE),
    ).toEqual(['full_access_as_app']);
    const graphRoles = await appOnlyRoles(
      CLOUD_APP_SECURITY_CLIENT_ID,
      CLOUD_APP_SECURITY_CLIENT_SECRET,
      GRAPH_SCOPE,
    );
    expect(graphRoles).not.toContain('full_access_as_app');
    expect(graphRoles).toContain('User.Read.All');
  });
});

describe('one registration per consent step', () => {
  const ews = DEVELOPMENT_CONSENT_APPS.exchangeOnlineEws;
  const exchangeGraph = DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph;

  it('the EWS app’s page lists only full_access_as_app, and grants nothing on Graph', async () => {
    const browser = new FormBrowser(emulator.origin);
    const page = await consentPage(browser, ews.clientId, EWS_SCOPE);
    expect(listed(page.html)).toEqual({ 'Office 365 Exchange Online': ['full_access_as_app'] });
    expect(pageText(page.html)).toContain(ews.displayName);
    await browser.submit(page, {}, 'Accept');
    expect((await grantsOf(ews.clientId))?.appRoleAssignments).toEqual({
      [EXCHANGE_ONLINE_APP_ID]: ['full_access_as_app'],
    });
    expect(await grantsOf(exchangeGraph.clientId)).toBeUndefined();
  });

  it('the Exchange Online Graph app’s page lists its four Graph roles and nothing of SharePoint or OneDrive', async () => {
    const browser = new FormBrowser(emulator.origin);
    const page = await consentPage(browser, exchangeGraph.clientId, GRAPH_SCOPE);
    expect(listed(page.html)).toEqual({
      'Microsoft Graph': [
        'User.Read.All',
        'GroupMember.Read.All',
        'RoleManagement.Read.Directory',
        'Mail.ReadWrite',
      ],
    });
    await browser.submit(page, {}, 'Accept');
    const roles = await appOnlyRoles(exchangeGraph.clientId, exchangeGraph.clientSecret, GRAPH_SCOPE);
    expect(roles).toEqual([
      'User.Read.All',
      'GroupMember.Read.All',
      'RoleManagement.Read.Directory',
      'Mail.ReadWrite',
    ]);
    for (const other of [
      DEVELOPMENT_CONSENT_APPS.sharePointOnlineGraph,
      DEVELOPMENT_CONSENT_APPS.oneDriveGraph,
    ]) {
      expect(await grantsOf(other.clientId)).toBeUndefined();
    }

    // The Graph SDK with that app's token reads the directory.
    const msal = confidentialClient(emulator, CONTOSO_TENANT_ID, {
      clientId: exchangeGraph.clientId,
      clientSecret: exchangeGraph.clientSecret,
    });
    const graph = Client.init({
      baseUrl: `${emulator.origin}/`,
      customHosts: new Set([new URL(emulator.origin).hostname]),
      authProvider: (done) => {
        msal
          .acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] })
          .then((result) => done(null, result?.accessToken ?? null))
          .catch((error: Error) => done(error, null));
      },
    });
    const users = (await graph.api('/users').top(5).get()) as { value: unknown[] };
    expect(users.value).toHaveLength(5);
  });

  it('the EWS app has no Graph roles: its Graph token carries no roles claim', async () => {
    await control(emulator, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${ews.clientId}`, {});
    expect(await appOnlyRoles(ews.clientId, ews.clientSecret, GRAPH_SCOPE)).toBeUndefined();
    expect(await appOnlyRoles(ews.clientId, ews.clientSecret, EWS_SCOPE)).toEqual(['full_access_as_app']);
  });
});

describe('dynamic scopes on the admin-consent endpoint', () => {
  it('grant delegated permissions only: no app role, so client credentials get no roles', async () => {
    const app = DEVELOPMENT_CONSENT_APPS.sharePointOnlineGraph;
    const browser = new FormBrowser(emulator.origin);
    const page = await consentPage(
      browser,
      app.clientId,
      'https://graph.microsoft.com/Sites.Read.All https://graph.microsoft.com/User.Read.All',
    );
    expect(page.html).toContain('data-kind="delegated"');
    expect(page.html).not.toContain('data-kind="application"');
    const done = await browser.submit(page, {}, 'Accept');
    expect(done.callback?.searchParams.get('scope')).toBe(
      'https://graph.microsoft.com/Sites.Read.All https://graph.microsoft.com/User.Read.All',
    );
    const granted = await grantsOf(app.clientId);
    expect(granted?.appRoleAssignments).toEqual({});
    expect(granted?.delegatedGrants).toEqual({
      [MICROSOFT_GRAPH_APP_ID]: ['Sites.Read.All', 'User.Read.All'],
    });
    expect(await appOnlyRoles(app.clientId, app.clientSecret, GRAPH_SCOPE)).toBeUndefined();
  });

  it('mixed with /.default → AADSTS70011 back to the app', async () => {
    const app = DEVELOPMENT_CONSENT_APPS.oneDriveGraph;
    const browser = new FormBrowser(emulator.origin);
    const done = await consentPage(
      browser,
      app.clientId,
      `${GRAPH_SCOPE} https://graph.microsoft.com/User.Read`,
    );
    expect(done.callback?.searchParams.get('error')).toBe('invalid_scope');
    expect(done.callback?.searchParams.get('error_description')).toMatch(/^AADSTS70011:/);
    expect(await grantsOf(app.clientId)).toBeUndefined();
  });
});
