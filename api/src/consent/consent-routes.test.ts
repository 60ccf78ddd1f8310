// The consent flow over real HTTP: the API (restify) with real token validation against the
// emulator's keys, msal-node proving each consent, a SQLite store, and the emulator's sign-in and
// consent forms driven like a browser.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_PASSWORD,
  CONTOSO_USER_UPN,
  DEVELOPMENT_CONSENT_APPS,
  FABRIKAM_ADMIN_PASSWORD,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_TENANT_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl, FormBrowser, pageText } from '@cas/m365-emulator/testing';
import { createAppTokenSource } from '@cas/microsoft365';
import { createStore, type DurableStore } from '@cas/store';
import { createRemoteJWKSet } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUserTokenValidator } from '../auth/user-token.js';
import { createLogger } from '../http/logger.js';
import { createApiServer } from '../http/server.js';
import { consentOutcomeOf, readAnswer } from '../test-support/contract-check.js';
import { consentRoutes } from './consent-routes.js';
import { createConsentStateCodec } from './consent-state.js';
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';

const TAB_ORIGIN = 'https://localhost:53000';
let emulator: RunningEmulator;
let store: DurableStore;
let server: Server;
let api: string;
let dataDir: string;
let clock = Date.now();

/** The emulator's control API (loopback only). */
function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  return emulatorControl(emulator.origin, method, path, body);
}

/** The token Teams SSO would hand the tab for this user. */
async function ssoToken(tenantId: string, upn: string): Promise<string> {
  return String((await control('POST', `/tenants/${tenantId}/sso-token`, { upn })).token);
}

async function startStep(token: string, service: string, step: string) {
  const response = await fetch(`${api}/api/services/${service}/consent/${step}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return readAnswer(response, 'POST');
}

/** Signs in on the emulator, answers the consent page, and returns where Entra sent the browser. */
async function consent(
  url: string,
  upn: string,
  password: string,
  button: 'Accept' | 'Cancel',
): Promise<URL> {
  const browser = new FormBrowser(emulator.origin);
  const signIn = await browser.open(url);
  const consentPage = await browser.submit(signIn, { loginfmt: upn, passwd: password }, 'Sign in');
  const done = await browser.submit(consentPage, {}, button);
  if (!done.callback) throw new Error(`no redirect: ${pageText(done.html).slice(0, 300)}`);
  return done.callback;
}

/** Opens the callback like the popup would (Entra redirects to localhost; we listen on 127.0.0.1). */
async function land(
  callback: URL,
): Promise<{ status: number; result: Record<string, unknown>; html: string }> {
  const target = new URL(callback);
  target.hostname = '127.0.0.1';
  const { status, text: html } = await readAnswer(await fetch(target));
  return { status, result: consentOutcomeOf(html) as unknown as Record<string, unknown>, html };
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, throttling: false });
  dataDir = mkdtempSync(join(tmpdir(), 'cas-consent-'));
  store = await createStore({ dataDir, encryptionKey: Buffer.alloc(32, 9).toString('base64') });
  const validateToken = createUserTokenValidator({
    keys: createRemoteJWKSet(new URL(`${emulator.origin}/common/discovery/v2.0/keys`)),
    audiences: [CLOUD_APP_SECURITY_API_CLIENT_ID, CLOUD_APP_SECURITY_API_ID_URI],
    issuersFor: (tid) => [`${emulator.origin}/${tid}/v2.0`],
    requiredScope: 'access_as_user',
    clockSkewSeconds: 60,
  });
  const routes = consentRoutes({
    store,
    states: createConsentStateCodec({ key: Buffer.alloc(32, 3), now: () => Math.floor(clock / 1000) }),
    tokens: createAppTokenSource({ authorityHost: emulator.origin, apps: DEVELOPMENT_CONSENT_APPS }),
    authorityHost: emulator.origin,
    clientIds: Object.fromEntries(
      Object.entries(DEVELOPMENT_CONSENT_APPS).map(([app, registration]) => [app, registration.clientId]),
    ),
    callbackUrl: 'http://localhost/api/consent/callback',
    tabOrigin: TAB_ORIGIN,
    ewsEnabled: true,
    newId: randomUUID,
  });
  server = createApiServer({ routes, validateToken, logger: createLogger('silent') });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await store?.close();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  clock = Date.now();
  await control('POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
});

/** Points the consent URL's redirect at the test's API port (Entra accepts any localhost port). */
function viaApi(url: string): string {
  const consentUrl = new URL(url);
  consentUrl.searchParams.set('redirect_uri', `http://localhost:${new URL(api).port}/api/consent/callback`);
  return consentUrl.toString();
}

describe('admin consent flow (R5, R6)', () => {
  it('R5/R6: Step 1 then Step 2 with the Global Administrator: both proven, Exchange Online consented', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const step1 = await startStep(token, 'exchangeOnline', 'exchangeWebServices');
    expect(step1).toMatchObject({ status: 200, body: { stepNumber: 1, roles: ['full_access_as_app'] } });
    expect(new URL(String(step1.body.url)).searchParams.get('client_id')).toBe(
      DEVELOPMENT_CONSENT_APPS.exchangeOnlineEws.clientId,
    );
    const landed1 = await land(
      await consent(viaApi(String(step1.body.url)), CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD, 'Accept'),
    );
    expect(landed1.result).toMatchObject({ ok: true, code: 'accepted', step: 'exchangeWebServices' });
    expect(landed1.html).toContain('postMessage');
    expect((await store.provisioning.get(CONTOSO_TENANT_ID))?.services.exchangeOnline.status).toBe(
      'consentStep1Done',
    );

    const step2 = await startStep(token, 'exchangeOnline', 'microsoftGraph');
    expect(step2).toMatchObject({ status: 200, body: { stepNumber: 2 } });
    expect(new URL(String(step2.body.url)).searchParams.get('client_id')).toBe(
      DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph.clientId,
    );
    const landed2 = await land(
      await consent(viaApi(String(step2.body.url)), CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD, 'Accept'),
    );
    expect(landed2.result).toMatchObject({ ok: true, code: 'accepted', step: 'microsoftGraph' });

    const account = (await store.provisioning.get(CONTOSO_TENANT_ID))?.services.exchangeOnline;
    expect(account?.status).toBe('consented');
    expect(account?.consents.map((grant) => grant.step)).toEqual(['exchangeWebServices', 'microsoftGraph']);
    const audit = await store.audit.list(CONTOSO_TENANT_ID);
    expect(audit.filter((event) => event.action === 'consent.granted')).toHaveLength(2);
    // Exchange Online alone granted nothing for SharePoint Online or OneDrive.
    const { value } = (await control('GET', `/tenants/${CONTOSO_TENANT_ID}/service-principals`)) as {
      value: { appId: string }[];
    };
    expect(value.map((principal) => principal.appId).sort()).toEqual(
      [
        DEVELOPMENT_CONSENT_APPS.exchangeOnlineEws.clientId,
        DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph.clientId,
      ].sort(),
    );
  });

  it('R6: each step is proven with its own app: a Graph step does not pass on another service’s consent', async () => {
    // SharePoint Online's app holds the directory roles too, but not Exchange Online's Mail.ReadWrite.
    await control(
      'PUT',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${DEVELOPMENT_CONSENT_APPS.sharePointOnlineGraph.clientId}`,
      {},
    );
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const started = await startStep(token, 'oneDrive', 'microsoftGraph');
    expect(new URL(String(started.body.url)).searchParams.get('client_id')).toBe(
      DEVELOPMENT_CONSENT_APPS.oneDriveGraph.clientId,
    );
    const callback = await consent(
      viaApi(String(started.body.url)),
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
      'Accept',
    );
    await control(
      'DELETE',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${DEVELOPMENT_CONSENT_APPS.oneDriveGraph.clientId}`,
    );
    expect((await land(callback)).result).toMatchObject({ ok: false, code: 'consent_not_effective' });
  });

  it('R5: refuses to start Step 2 before Step 1', async () => {
    const token = await ssoToken(FABRIKAM_TENANT_ID, FABRIKAM_ADMIN_UPN);
    expect(await startStep(token, 'exchangeOnline', 'microsoftGraph')).toMatchObject({
      status: 409,
      body: { error: { code: 'consent_step_out_of_order', message: 'Complete Step 1 before Step 2.' } },
    });
  });

  it('refuses a step the service does not use', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    expect(await startStep(token, 'sharePointOnline', 'exchangeWebServices')).toMatchObject({
      status: 409,
      body: { error: { code: 'consent_step_not_required' } },
    });
  });

  it('R5: a declined consent is reported as declined and changes nothing', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const before = await store.provisioning.get(CONTOSO_TENANT_ID);
    const started = await startStep(token, 'oneDrive', 'microsoftGraph');
    const landed = await land(
      await consent(viaApi(String(started.body.url)), CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD, 'Cancel'),
    );
    expect(landed.result).toMatchObject({ ok: false, code: 'declined' });
    expect(await store.provisioning.get(CONTOSO_TENANT_ID)).toEqual(before);
  });

  it('R5: an admin of another organization signing in is reported as the wrong tenant', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const started = await startStep(token, 'oneDrive', 'microsoftGraph');
    const browser = new FormBrowser(emulator.origin);
    const signedIn = await browser.submit(
      await browser.open(viaApi(String(started.body.url))),
      { loginfmt: FABRIKAM_ADMIN_UPN, passwd: FABRIKAM_ADMIN_PASSWORD },
      'Sign in',
    );
    expect(signedIn.callback?.searchParams.get('error_description')).toContain('AADSTS50020');
    const landed = await land(signedIn.callback ?? new URL(api));
    expect(landed.result).toMatchObject({ ok: false, code: 'wrong_tenant' });
    expect(
      (await store.provisioning.get(CONTOSO_TENANT_ID))?.services.oneDrive.status ?? 'notProvisioned',
    ).toBe('notProvisioned');
  });

  it('R5: a non-admin is stopped by Entra (AADSTS90094) and never reaches the callback', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const started = await startStep(token, 'oneDrive', 'microsoftGraph');
    const browser = new FormBrowser(emulator.origin);
    const page = await browser.submit(
      await browser.open(viaApi(String(started.body.url))),
      { loginfmt: CONTOSO_USER_UPN, passwd: CONTOSO_USER_PASSWORD },
      'Sign in',
    );
    expect(page.callback).toBeUndefined();
    expect(pageText(page.html)).toContain('AADSTS90094');
  });

  it('refuses a non-admin calling the start route (403)', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_USER_UPN);
    expect(await startStep(token, 'oneDrive', 'microsoftGraph')).toMatchObject({
      status: 403,
      body: { error: { code: 'global_administrator_required' } },
    });
  });

  it('refuses a replayed callback: the second landing changes nothing', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const started = await startStep(token, 'oneDrive', 'microsoftGraph');
    const callback = await consent(
      viaApi(String(started.body.url)),
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
      'Accept',
    );
    expect((await land(callback)).result).toMatchObject({ ok: true });
    const version = (await store.provisioning.get(CONTOSO_TENANT_ID))?.version;
    expect((await land(callback)).result).toMatchObject({ ok: false, code: 'state_replayed' });
    expect((await store.provisioning.get(CONTOSO_TENANT_ID))?.version).toBe(version);
  });

  it.each([
    [
      'a forged state',
      (callback: URL) => callback.searchParams.set('state', 'forged.state'),
      'state_invalid',
    ],
    [
      'a tenant swapped in the query',
      (callback: URL) => callback.searchParams.set('tenant', '99999999-2222-4333-8444-555555555555'),
      'wrong_tenant',
    ],
  ])('refuses %s and changes nothing', async (_case, tamper, code) => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const started = await startStep(token, 'sharePointOnline', 'microsoftGraph');
    const callback = await consent(
      viaApi(String(started.body.url)),
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
      'Accept',
    );
    const before = await store.provisioning.get(CONTOSO_TENANT_ID);
    tamper(callback);
    expect((await land(callback)).result).toMatchObject({ ok: false, code });
    expect(await store.provisioning.get(CONTOSO_TENANT_ID)).toEqual(before);
  });

  it('refuses an expired state', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const started = await startStep(token, 'sharePointOnline', 'microsoftGraph');
    const callback = await consent(
      viaApi(String(started.body.url)),
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
      'Accept',
    );
    clock += 11 * 60 * 1000;
    expect((await land(callback)).result).toMatchObject({ ok: false, code: 'state_expired' });
  });

  it('R6: a consent whose token lacks the roles is an error, not a success', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const started = await startStep(token, 'sharePointOnline', 'microsoftGraph');
    const callback = await consent(
      viaApi(String(started.body.url)),
      CONTOSO_ADMIN_UPN,
      CONTOSO_ADMIN_PASSWORD,
      'Accept',
    );
    await control(
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${DEVELOPMENT_CONSENT_APPS.sharePointOnlineGraph.clientId}/revoke-consent`,
    );
    const landed = await land(callback);
    expect(landed.result).toMatchObject({ ok: false, code: 'roles_missing' });
    expect(String(landed.result.message)).toContain('Sites.Read.All');
  });

  it('never puts the client secret or a token in the callback page', async () => {
    const token = await ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const started = await startStep(token, 'oneDrive', 'microsoftGraph');
    const landed = await land(
      await consent(viaApi(String(started.body.url)), CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD, 'Accept'),
    );
    for (const registration of Object.values(DEVELOPMENT_CONSENT_APPS))
      expect(landed.html).not.toContain(registration.clientSecret);
    expect(landed.html).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
  });
});
