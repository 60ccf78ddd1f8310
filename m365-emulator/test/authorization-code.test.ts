/**
 * Contract: authorization code + PKCE as msal-browser runs it (the tab signing in to our API), the
 * refresh grant, the Teams SSO stand-in, and the code redemption errors.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_PASSWORD,
  CONTOSO_USER_UPN,
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  TEAMS_WEB_CLIENT_ID,
  type RunningEmulator,
} from '../src/index.js';
import { control, decodeJwt, launchEmulator } from './support/emulator-fixture.js';
import { FormBrowser } from './support/form-browser.js';

const TAB = 'https://localhost:53000/auth-end.html';
const SCOPE = `${CLOUD_APP_SECURITY_API_ID_URI}/access_as_user openid profile offline_access`;
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await launchEmulator();
});
afterAll(async () => {
  await emulator.close();
});

interface CodeResult {
  code: string;
  verifier: string;
  query: URLSearchParams;
}

/** Runs /authorize with PKCE (S256) through the sign-in page, as msal-browser's redirect/popup does. */
async function authorize(
  upn: string,
  password: string,
  extra: Record<string, string> = {},
): Promise<CodeResult> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    client_id: CLOUD_APP_SECURITY_API_CLIENT_ID,
    response_type: 'code',
    redirect_uri: TAB,
    scope: SCOPE,
    state: 'tab-state',
    nonce: 'tab-nonce',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    response_mode: 'fragment',
    client_info: '1',
    ...extra,
  });
  const browser = new FormBrowser(emulator.origin);
  const page = await browser.open(`${emulator.origin}/organizations/oauth2/v2.0/authorize?${query}`);
  const done = await browser.submit(page, { loginfmt: upn, passwd: password }, 'Sign in');
  const fragment = new URLSearchParams(done.callback?.hash.slice(1) ?? '');
  return { code: fragment.get('code') ?? '', verifier, query: fragment };
}

async function redeem(
  fields: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.origin}/organizations/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://localhost:53000' },
    body: new URLSearchParams({ client_id: CLOUD_APP_SECURITY_API_CLIENT_ID, ...fields }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('authorization code + PKCE', () => {
  it('signs in, redirects with code and state in the fragment, and redeems a v2 token for our API', async () => {
    const { code, verifier, query } = await authorize(CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    expect(query.get('state')).toBe('tab-state');
    expect(query.get('client_info')).toBeTruthy();
    const { status, body } = await redeem({
      grant_type: 'authorization_code',
      code,
      redirect_uri: TAB,
      code_verifier: verifier,
      scope: SCOPE,
      client_info: '1',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      scope: `${CLOUD_APP_SECURITY_API_ID_URI}/access_as_user`,
      expires_in: 3599,
    });
    const access = decodeJwt(String(body.access_token)).payload;
    expect(access).toMatchObject({
      aud: CLOUD_APP_SECURITY_API_CLIENT_ID,
      iss: `${emulator.origin}/${CONTOSO_TENANT_ID}/v2.0`,
      tid: CONTOSO_TENANT_ID,
      preferred_username: CONTOSO_ADMIN_UPN,
      scp: 'access_as_user',
      azp: CLOUD_APP_SECURITY_API_CLIENT_ID,
      ver: '2.0',
    });
    expect(access.wids).toContain(GLOBAL_ADMINISTRATOR_ROLE_ID);
    const id = decodeJwt(String(body.id_token)).payload;
    expect(id).toMatchObject({
      aud: CLOUD_APP_SECURITY_API_CLIENT_ID,
      nonce: 'tab-nonce',
      tid: CONTOSO_TENANT_ID,
    });
    expect(JSON.parse(Buffer.from(String(body.client_info), 'base64url').toString())).toEqual({
      uid: access.oid,
      utid: CONTOSO_TENANT_ID,
    });

    // The refresh token rotates and keeps the user and scopes.
    const refreshed = await redeem({
      grant_type: 'refresh_token',
      refresh_token: String(body.refresh_token),
      scope: SCOPE,
    });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access_token)).payload.oid).toBe(access.oid);
    const replayed = await redeem({ grant_type: 'refresh_token', refresh_token: String(body.refresh_token) });
    expect(replayed.status).toBe(400);
  });

  it('a non-admin token carries no Global Administrator wids', async () => {
    const { code, verifier } = await authorize(CONTOSO_USER_UPN, CONTOSO_USER_PASSWORD);
    const { body } = await redeem({
      grant_type: 'authorization_code',
      code,
      redirect_uri: TAB,
      code_verifier: verifier,
      scope: SCOPE,
    });
    expect(decodeJwt(String(body.access_token)).payload.wids).not.toContain(GLOBAL_ADMINISTRATOR_ROLE_ID);
  });

  it.each([
    [
      'a wrong code_verifier',
      'AADSTS501481',
      (r: CodeResult) => ({ code: r.code, code_verifier: 'x'.repeat(43), redirect_uri: TAB }),
    ],
    [
      'a different redirect_uri',
      'AADSTS500112',
      (r: CodeResult) => ({
        code: r.code,
        code_verifier: r.verifier,
        redirect_uri: 'https://localhost:53000/',
      }),
    ],
    [
      'an unknown code',
      'AADSTS9002313',
      (r: CodeResult) => ({ code: 'made-up', code_verifier: r.verifier, redirect_uri: TAB }),
    ],
  ])('rejects %s with invalid_grant %s', async (_name, aadstsCode, fields) => {
    const result = await authorize(CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const { status, body } = await redeem({
      grant_type: 'authorization_code',
      scope: SCOPE,
      ...fields(result),
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(String(body.error_description)).toMatch(new RegExp(`^${aadstsCode}:`));
  });

  it('a code works once (AADSTS54005 on reuse)', async () => {
    const { code, verifier } = await authorize(CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const fields = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: TAB,
      code_verifier: verifier,
      scope: SCOPE,
    };
    expect((await redeem(fields)).status).toBe(200);
    expect(String((await redeem(fields)).body.error_description)).toMatch(/^AADSTS54005:/);
  });

  it('a public (SPA) client without PKCE is refused at /authorize', async () => {
    const query = new URLSearchParams({
      client_id: CLOUD_APP_SECURITY_API_CLIENT_ID,
      response_type: 'code',
      redirect_uri: TAB,
      scope: SCOPE,
      state: 's',
    });
    const response = await fetch(`${emulator.origin}/organizations/oauth2/v2.0/authorize?${query}`, {
      redirect: 'manual',
    });
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/^AADSTS9002325:/);
  });

  it('prompt=none without a session → login_required', async () => {
    const { query } = await authorize(CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    expect(query.get('code')).toBeTruthy();
    const fresh = new URLSearchParams({
      client_id: CLOUD_APP_SECURITY_API_CLIENT_ID,
      response_type: 'code',
      redirect_uri: TAB,
      scope: SCOPE,
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
      prompt: 'none',
    });
    const response = await fetch(`${emulator.origin}/organizations/oauth2/v2.0/authorize?${fresh}`, {
      redirect: 'manual',
    });
    expect(new URL(response.headers.get('location') ?? '').searchParams.get('error')).toBe('login_required');
  });
});

describe('wids follow the API registration’s groupMembershipClaims, as in Entra', () => {
  const api = `/apps/${CLOUD_APP_SECURITY_API_CLIENT_ID}`;
  afterAll(async () => {
    await control(emulator, 'PATCH', api, { groupMembershipClaims: 'DirectoryRole' });
  });

  /** A token for our API through the code flow, as msal-browser gets it. */
  async function apiToken(): Promise<Record<string, unknown>> {
    const { code, verifier } = await authorize(CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const { body } = await redeem({
      grant_type: 'authorization_code',
      code,
      redirect_uri: TAB,
      code_verifier: verifier,
      scope: SCOPE,
    });
    return decodeJwt(String(body.access_token)).payload;
  }

  /** The Teams SSO token for our API. */
  async function ssoToken(): Promise<Record<string, unknown>> {
    const { token } = await control<{ token: string }>(
      emulator,
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/sso-token`,
      { upn: CONTOSO_ADMIN_UPN },
    );
    return decodeJwt(token).payload;
  }

  it('our API registration asks for directory roles, so its user tokens carry wids', async () => {
    expect(await control<{ groupMembershipClaims: string }>(emulator, 'GET', api)).toMatchObject({
      groupMembershipClaims: 'DirectoryRole',
    });
    expect((await apiToken()).wids).toContain(GLOBAL_ADMINISTRATOR_ROLE_ID);
    expect((await ssoToken()).wids).toContain(GLOBAL_ADMINISTRATOR_ROLE_ID);
  });

  it.each(['None', 'SecurityGroup', 'ApplicationGroup'])(
    'a registration with groupMembershipClaims %s gets user tokens without wids',
    async (claims) => {
      await control(emulator, 'PATCH', api, { groupMembershipClaims: claims });
      expect(await apiToken()).not.toHaveProperty('wids');
      expect(await ssoToken()).not.toHaveProperty('wids');
    },
  );

  it('All emits wids like DirectoryRole', async () => {
    await control(emulator, 'PATCH', api, { groupMembershipClaims: 'All' });
    expect((await ssoToken()).wids).toContain(GLOBAL_ADMINISTRATOR_ROLE_ID);
  });

  it('refuses a groupMembershipClaims value Entra does not know', async () => {
    await expect(control(emulator, 'PATCH', api, { groupMembershipClaims: 'Everything' })).rejects.toThrow(
      /groupMembershipClaims/,
    );
  });
});

describe('Teams SSO stand-in', () => {
  it('mints the token authentication.getAuthToken would return', async () => {
    const { token } = await control<{ token: string }>(
      emulator,
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/sso-token`,
      { upn: CONTOSO_ADMIN_UPN },
    );
    expect(decodeJwt(token).payload).toMatchObject({
      aud: CLOUD_APP_SECURITY_API_CLIENT_ID,
      iss: `${emulator.origin}/${CONTOSO_TENANT_ID}/v2.0`,
      azp: TEAMS_WEB_CLIENT_ID,
      scp: 'access_as_user',
      preferred_username: CONTOSO_ADMIN_UPN,
      ver: '2.0',
    });
  });
});
