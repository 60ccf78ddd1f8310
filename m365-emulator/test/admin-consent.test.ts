/**
 * Contract: the browser side of admin consent (v2 and v1) driven like a user would — open the URL,
 * fill the sign-in form, press Accept or Cancel — ending at the app's callback redirect.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_PASSWORD,
  CONTOSO_USER_UPN,
  DEVELOPMENT_CONSENT_APPS,
  FABRIKAM_ADMIN_PASSWORD,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_TENANT_ID,
  type RunningEmulator,
} from '../src/index.js';
import { confidentialClient, control, decodeJwt, launchEmulator } from './support/emulator-fixture.js';
import { FormBrowser, pageText, type BrowserResult } from './support/form-browser.js';

/** The API's callback on some port: Entra ignores the port of registered localhost URIs. */
const CALLBACK = 'https://localhost:7443/api/consent/callback';
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await launchEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await control(emulator, 'POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
  await control(emulator, 'POST', `/tenants/${FABRIKAM_TENANT_ID}/reset`);
  await control(emulator, 'POST', '/apps/reset');
});

function consentUrl(version: 'v1' | 'v2', tenant: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    client_id: CLOUD_APP_SECURITY_CLIENT_ID,
    redirect_uri: CALLBACK,
    state: 'state-123',
    ...(version === 'v2' ? { scope: 'https://graph.microsoft.com/.default' } : {}),
    ...params,
  });
  return `${emulator.origin}/${tenant}${version === 'v2' ? '/v2.0' : ''}/adminconsent?${query}`;
}

async function signIn(
  browser: FormBrowser,
  url: string,
  upn: string,
  password: string,
): Promise<BrowserResult> {
  const page = await browser.open(url);
  expect(pageText(page.html)).toContain('Sign in');
  return browser.submit(page, { loginfmt: upn, passwd: password }, 'Sign in');
}

async function principalRoles(
  tenantId: string,
  appId: string = CLOUD_APP_SECURITY_CLIENT_ID,
): Promise<Record<string, string[]> | undefined> {
  const { value } = await control<{
    value: { appId: string; appRoleAssignments: Record<string, string[]> }[];
  }>(emulator, 'GET', `/tenants/${tenantId}/service-principals`);
  return value.find((principal) => principal.appId === appId)?.appRoleAssignments;
}

describe('admin consent, accepted', () => {
  it.each([
    ['v2 on the tenant id', 'v2' as const, () => CONTOSO_TENANT_ID],
    ['v2 on organizations', 'v2' as const, () => 'organizations'],
    ['v1 on common', 'v1' as const, () => 'common'],
    ['v1 on the domain', 'v1' as const, () => 'contoso.onmicrosoft.com'],
  ])(
    '%s: sign-in, consent page, Accept → callback with admin_consent=True and the tenant',
    async (_name, version, tenant) => {
      const browser = new FormBrowser(emulator.origin);
      const consentPage = await signIn(
        browser,
        consentUrl(version, tenant()),
        CONTOSO_ADMIN_UPN,
        CONTOSO_ADMIN_PASSWORD,
      );
      const text = pageText(consentPage.html);
      expect(text).toContain('Permissions requested');
      expect(text).toContain('Cloud App Security');
      expect(text).toContain("Read all users' full profiles");
      const done = await browser.submit(consentPage, {}, 'Accept');

      expect(done.callback?.origin + (done.callback?.pathname ?? '')).toBe(CALLBACK);
      const query = Object.fromEntries(done.callback?.searchParams ?? []);
      if (version === 'v2') {
        expect(query).toEqual({
          admin_consent: 'True',
          tenant: CONTOSO_TENANT_ID,
          // `/.default` names Graph but consents to the whole registration, Exchange Online included.
          scope:
            'https://outlook.office365.com/full_access_as_app https://graph.microsoft.com/User.Read.All https://graph.microsoft.com/GroupMember.Read.All https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Sites.Read.All https://graph.microsoft.com/Files.Read.All https://graph.microsoft.com/RoleManagement.Read.Directory',
          state: 'state-123',
        });
        expect(await principalRoles(CONTOSO_TENANT_ID)).toEqual({
          '00000002-0000-0ff1-ce00-000000000000': ['full_access_as_app'],
          '00000003-0000-0000-c000-000000000000': [
            'User.Read.All',
            'GroupMember.Read.All',
            'Mail.ReadWrite',
            'Sites.Read.All',
            'Files.Read.All',
            'RoleManagement.Read.Directory',
          ],
        });
      } else {
        expect(query).toEqual({ admin_consent: 'True', tenant: CONTOSO_TENANT_ID, state: 'state-123' });
        expect(Object.keys((await principalRoles(CONTOSO_TENANT_ID)) ?? {}).sort()).toEqual([
          '00000002-0000-0ff1-ce00-000000000000',
          '00000003-0000-0000-c000-000000000000',
        ]);
      }

      // The proof the API runs after the callback (R6): an app-only token for that tenant, with roles.
      const token = await confidentialClient(emulator, query.tenant ?? '').acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      });
      expect(decodeJwt(token?.accessToken ?? '').payload).toMatchObject({
        tid: CONTOSO_TENANT_ID,
        roles: expect.arrayContaining(['User.Read.All']),
      });
    },
  );

  it('the EWS and the Graph steps consent to two registrations, each granted on its own', async () => {
    const ewsApp = DEVELOPMENT_CONSENT_APPS.exchangeOnlineEws;
    const graphApp = DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph;
    const browser = new FormBrowser(emulator.origin);
    const ews = await signIn(
      browser,
      consentUrl('v2', CONTOSO_TENANT_ID, {
        client_id: ewsApp.clientId,
        scope: 'https://outlook.office365.com/.default',
      }),
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
    );
    expect(pageText(ews.html)).toContain('Use Exchange Web Services with full access to all mailboxes');
    const first = await browser.submit(ews, {}, 'Accept');
    expect(first.callback?.searchParams.get('scope')).toBe(
      'https://outlook.office365.com/full_access_as_app',
    );

    // Same browser: the session cookie skips the sign-in page.
    const graph = await browser.open(consentUrl('v2', CONTOSO_TENANT_ID, { client_id: graphApp.clientId }));
    expect(pageText(graph.html)).toContain('Permissions requested');
    await browser.submit(graph, {}, 'Accept');
    expect(await principalRoles(CONTOSO_TENANT_ID, ewsApp.clientId)).toEqual({
      '00000002-0000-0ff1-ce00-000000000000': ['full_access_as_app'],
    });
    expect(Object.keys((await principalRoles(CONTOSO_TENANT_ID, graphApp.clientId)) ?? {})).toEqual([
      '00000003-0000-0000-c000-000000000000',
    ]);
  });
});

describe('admin consent, not granted', () => {
  it('Cancel → access_denied with AADSTS65004, admin_consent=True, the state and no tenant', async () => {
    const browser = new FormBrowser(emulator.origin);
    const consentPage = await signIn(
      browser,
      consentUrl('v2', CONTOSO_TENANT_ID),
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
    );
    const done = await browser.submit(consentPage, {}, 'Cancel');
    const query = Object.fromEntries(done.callback?.searchParams ?? []);
    expect(Object.keys(query)).toEqual(['error', 'error_description', 'error_uri', 'admin_consent', 'state']);
    expect(query.error).toBe('access_denied');
    expect(query.error_description).toMatch(
      /^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: /,
    );
    expect(query.admin_consent).toBe('True');
    expect(query.state).toBe('state-123');
    expect(await principalRoles(CONTOSO_TENANT_ID)).toBeUndefined();
  });

  it('a non-admin gets Entra’s AADSTS90094 page and no redirect', async () => {
    const browser = new FormBrowser(emulator.origin);
    const page = await signIn(
      browser,
      consentUrl('v2', CONTOSO_TENANT_ID),
      CONTOSO_USER_UPN,
      CONTOSO_USER_PASSWORD,
    );
    expect(page.callback).toBeUndefined();
    expect(page.html).toContain('data-aadsts="90094"');
    expect(pageText(page.html)).toContain('Need admin approval');
    expect(await principalRoles(CONTOSO_TENANT_ID)).toBeUndefined();
  });

  it('a user of another directory → redirect with AADSTS50020 and no tenant', async () => {
    const browser = new FormBrowser(emulator.origin);
    const done = await signIn(
      browser,
      consentUrl('v1', CONTOSO_TENANT_ID),
      FABRIKAM_ADMIN_UPN,
      FABRIKAM_ADMIN_PASSWORD,
    );
    const query = Object.fromEntries(done.callback?.searchParams ?? []);
    expect(query.error).toBe('access_denied');
    expect(query.error_description).toMatch(/^AADSTS50020: User account 'admin@fabrikam\.onmicrosoft\.com'/);
    expect(query.admin_consent).toBe('True');
    expect(query).not.toHaveProperty('tenant');
    expect(await principalRoles(FABRIKAM_TENANT_ID)).toBeUndefined();
  });

  it('an unregistered redirect_uri → AADSTS50011 page, no redirect, before any sign-in', async () => {
    const page = await new FormBrowser(emulator.origin).open(
      consentUrl('v2', CONTOSO_TENANT_ID, { redirect_uri: 'https://evil.example/api/consent/callback' }),
    );
    expect(page.callback).toBeUndefined();
    expect(page.html).toContain('data-aadsts="50011"');
    expect(pageText(page.html)).toContain(
      "The redirect URI 'https://evil.example/api/consent/callback' specified in the request does not match",
    );
  });

  it('a redirect URI added through the control API is accepted', async () => {
    await control(emulator, 'POST', `/apps/${CLOUD_APP_SECURITY_CLIENT_ID}/redirect-uris`, {
      uri: 'https://api.test.example/api/consent/callback',
    });
    const browser = new FormBrowser(emulator.origin);
    const consentPage = await signIn(
      browser,
      consentUrl('v2', CONTOSO_TENANT_ID, { redirect_uri: 'https://api.test.example/api/consent/callback' }),
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
    );
    const done = await browser.submit(consentPage, {}, 'Accept');
    expect(done.callback?.host).toBe('api.test.example');
  });
});

describe('sign-in page errors', () => {
  it.each([
    ['wrong password', 50126, CONTOSO_ADMIN_UPN, 'nope', 'Your account or password is incorrect.'],
    ['unknown user', 50034, 'nobody@contoso.onmicrosoft.com', 'x', 'This username may be incorrect.'],
    ['unknown domain', 50034, 'someone@unknown.example', 'x', 'This username may be incorrect.'],
  ])('%s → the form again with AADSTS%s', async (_name, code, upn, password, message) => {
    const page = await signIn(
      new FormBrowser(emulator.origin),
      consentUrl('v2', CONTOSO_TENANT_ID),
      upn,
      password,
    );
    expect(page.callback).toBeUndefined();
    expect(page.html).toContain(`data-aadsts="${code}"`);
    expect(pageText(page.html)).toContain(message);
    expect(page.html).toContain('name="passwd"');
  });

  it('a disabled account → AADSTS50057 on the sign-in page', async () => {
    await control(
      emulator,
      'PATCH',
      `/tenants/${CONTOSO_TENANT_ID}/users/${encodeURIComponent(CONTOSO_USER_UPN)}`,
      { accountEnabled: false },
    );
    const page = await signIn(
      new FormBrowser(emulator.origin),
      consentUrl('v2', CONTOSO_TENANT_ID),
      CONTOSO_USER_UPN,
      CONTOSO_USER_PASSWORD,
    );
    expect(page.html).toContain('data-aadsts="50057"');
    expect(pageText(page.html)).toContain('Your account has been disabled.');
  });

  it('"Have an admin account?" after the 90094 page signs in again and reaches the consent page', async () => {
    const browser = new FormBrowser(emulator.origin);
    const refused = await signIn(
      browser,
      consentUrl('v2', CONTOSO_TENANT_ID),
      CONTOSO_USER_UPN,
      CONTOSO_USER_PASSWORD,
    );
    const link = /href="([^"]+)">Have an admin account\?/.exec(refused.html)?.[1]?.replace(/&#38;/g, '&');
    expect(link).toBeDefined();
    const again = await browser.open(link ?? '');
    const consentPage = await browser.submit(
      again,
      { loginfmt: CONTOSO_ADMIN_UPN, passwd: CONTOSO_ADMIN_PASSWORD },
      'Sign in',
    );
    expect(pageText(consentPage.html)).toContain('Permissions requested');
  });
});
