/**
 * Contract: msal-node's ConfidentialClientApplication against the emulated token endpoint, and the
 * Graph SDK with the token it gets — the production clients, unchanged but for URLs and CA trust.
 */
import { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_TENANT_ID,
  FABRIKAM_TENANT_ID,
  type RunningEmulator,
} from '../src/index.js';
import { confidentialClient, control, decodeJwt, launchEmulator } from './support/emulator-fixture.js';
import type { User } from '@microsoft/microsoft-graph-types';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await launchEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  // Every test starts from "Contoso consented to everything, Fabrikam never consented".
  await control(emulator, 'POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
  await control(emulator, 'POST', `/tenants/${FABRIKAM_TENANT_ID}/reset`);
  await control(emulator, 'POST', '/apps/reset');
  await control(
    emulator,
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
  );
});

function graphClient(token: string): Client {
  return Client.init({
    baseUrl: `${emulator.origin}/`,
    customHosts: new Set(['127.0.0.1']),
    authProvider: (done) => done(null, token),
  });
}

describe('client credentials with msal-node', () => {
  it.each([
    ['the Contoso tenant id', () => CONTOSO_TENANT_ID],
    ['the Contoso domain', () => 'contoso.onmicrosoft.com'],
  ])('issues a v1.0 Graph app-only token through %s', async (_name, tenant) => {
    const result = await confidentialClient(emulator, tenant()).acquireTokenByClientCredential({
      scopes: GRAPH_DEFAULT,
    });
    expect(result?.tokenType).toBe('Bearer');
    const { header, payload } = decodeJwt(result?.accessToken ?? '');
    expect(header).toMatchObject({ typ: 'JWT', alg: 'RS256' });
    expect(header.kid).toBe(header.x5t);
    const { value: principals } = await control<{ value: { id: string }[] }>(
      emulator,
      'GET',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals`,
    );
    expect(payload).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${CONTOSO_TENANT_ID}/`,
      appid: CLOUD_APP_SECURITY_CLIENT_ID,
      appidacr: '1',
      idtyp: 'app',
      tid: CONTOSO_TENANT_ID,
      ver: '1.0',
      roles: [
        'User.Read.All',
        'GroupMember.Read.All',
        'Mail.ReadWrite',
        'Sites.Read.All',
        'Files.Read.All',
        'RoleManagement.Read.Directory',
      ],
    });
    expect(payload.oid).toBe(principals[0]?.id);
    expect(payload.sub).toBe(payload.oid);
    expect(Number(payload.exp) - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
  });

  it('issues an Exchange Online (EWS) token with full_access_as_app', async () => {
    const result = await confidentialClient(emulator, CONTOSO_TENANT_ID).acquireTokenByClientCredential({
      scopes: ['https://outlook.office365.com/.default'],
    });
    expect(decodeJwt(result?.accessToken ?? '').payload).toMatchObject({
      aud: 'https://outlook.office365.com',
      roles: ['full_access_as_app'],
    });
  });

  it('answers 200 with a token without roles when the roles were removed but the principal kept', async () => {
    await control(
      emulator,
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}/revoke-consent`,
    );
    const result = await confidentialClient(emulator, CONTOSO_TENANT_ID).acquireTokenByClientCredential({
      scopes: GRAPH_DEFAULT,
    });
    expect(decodeJwt(result?.accessToken ?? '').payload).not.toHaveProperty('roles');
  });

  it.each([
    ['Mail.ReadWrite of Microsoft Graph', 'https://graph.microsoft.com', 'Mail.ReadWrite'],
    ['full_access_as_app of Exchange Online', 'https://outlook.office365.com', 'full_access_as_app'],
  ])(
    'removing one role (%s) keeps the principal and the other roles: 200 without it, until granted again',
    async (_name, resource, role) => {
      const principal = `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`;
      const rolesOf = async (): Promise<string[]> => {
        const result = await confidentialClient(emulator, CONTOSO_TENANT_ID).acquireTokenByClientCredential({
          scopes: [`${resource}/.default`],
          skipCache: true,
        });
        const roles = decodeJwt(result?.accessToken ?? '').payload.roles;
        return Array.isArray(roles) ? (roles as string[]) : [];
      };
      const before = await rolesOf();
      expect(before).toContain(role);
      await control(emulator, 'POST', `${principal}/remove-roles`, { resource, roles: [role] });
      expect(await rolesOf()).toEqual(before.filter((each) => each !== role));
      // Consent again (the default grants every permission of the registration): the role is back.
      await control(emulator, 'PUT', principal);
      expect((await rolesOf()).sort()).toEqual([...before].sort());
    },
  );

  type Setup = (emulator: RunningEmulator) => Promise<unknown>;
  const none: Setup = async () => undefined;
  it.each<[string, string, string, string, Partial<{ clientSecret: string; clientId: string }>, Setup]>([
    [
      'wrong secret',
      'invalid_client',
      'AADSTS7000215',
      CONTOSO_TENANT_ID,
      { clientSecret: 'not-the-secret' },
      none,
    ],
    [
      'expired secret',
      'invalid_client',
      'AADSTS7000222',
      CONTOSO_TENANT_ID,
      {},
      (e) => control(e, 'POST', `/apps/${CLOUD_APP_SECURITY_CLIENT_ID}/secrets/expire`),
    ],
    ['consent never given', 'invalid_client', 'AADSTS7000229', FABRIKAM_TENANT_ID, {}, none],
    [
      'enterprise app deleted',
      'invalid_client',
      'AADSTS7000229',
      CONTOSO_TENANT_ID,
      {},
      (e) =>
        control(
          e,
          'DELETE',
          `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
        ),
    ],
    [
      'app unknown',
      'unauthorized_client',
      'AADSTS700016',
      CONTOSO_TENANT_ID,
      { clientId: '11111111-2222-4333-8444-555555555555' },
      none,
    ],
    [
      'app disabled by its publisher',
      'unauthorized_client',
      'AADSTS7000112',
      CONTOSO_TENANT_ID,
      {},
      (e) => control(e, 'PATCH', `/apps/${CLOUD_APP_SECURITY_CLIENT_ID}`, { disabled: true }),
    ],
    [
      'enterprise app disabled in the tenant',
      'unauthorized_client',
      'AADSTS7000112',
      CONTOSO_TENANT_ID,
      {},
      (e) =>
        control(
          e,
          'PATCH',
          `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
          { accountEnabled: false },
        ),
    ],
  ])('%s → msal error %s with %s', async (_case, errorCode, aadstsCode, tenant, auth, setup) => {
    await setup(emulator);
    const error = await confidentialClient(emulator, tenant, auth)
      .acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT })
      .then(
        () => undefined,
        (caught: unknown) => caught as { errorCode: string; errorMessage: string; subError: string },
      );
    expect(error?.errorCode).toBe(errorCode);
    expect(error?.errorMessage).toContain(aadstsCode);
    expect(error?.subError ?? '').toBe('');
  });

  it('unknown tenant → AADSTS90002 (discovery fails first in msal; the token endpoint says why)', async () => {
    const unknown = 'nowhere.onmicrosoft.com';
    const discovery = await confidentialClient(emulator, unknown)
      .acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT })
      .then(
        () => undefined,
        (caught: unknown) => caught as { errorCode: string },
      );
    expect(discovery?.errorCode).toMatch(/openid_config_error|endpoints_resolution_error/);

    // With the endpoints given up front msal reaches the token endpoint and surfaces Entra's answer.
    const metadata = await fetch(
      `${emulator.origin}/organizations/v2.0/.well-known/openid-configuration`,
    ).then((r) => r.json() as Promise<Record<string, string>>);
    const authorityMetadata = JSON.stringify({
      ...metadata,
      token_endpoint: `${emulator.origin}/${unknown}/oauth2/v2.0/token`,
      issuer: `${emulator.origin}/${unknown}/v2.0`,
    });
    const error = await confidentialClient(emulator, unknown, { authorityMetadata })
      .acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT })
      .then(
        () => undefined,
        (caught: unknown) => caught as { errorCode: string; errorMessage: string },
      );
    expect(error?.errorCode).toBe('invalid_request');
    expect(error?.errorMessage).toContain('AADSTS90002');
  });
});

describe('token endpoint error body', () => {
  it('has exactly the fields Entra sends, with the trace lines in error_description', async () => {
    const correlation = '0f4b6a8d-0c11-4e0a-9c1e-2f4b6a8d0c11';
    const response = await fetch(`${emulator.origin}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'client-request-id': correlation,
        'x-client-SKU': 'msal.js.node',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLOUD_APP_SECURITY_CLIENT_ID,
        client_secret: 'wrong',
        scope: GRAPH_DEFAULT[0] ?? '',
        'x-client-current-telemetry': '5|771,0|,',
      }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      'correlation_id',
      'error',
      'error_codes',
      'error_description',
      'error_uri',
      'timestamp',
      'trace_id',
    ]);
    expect(body.error_codes).toEqual([7000215]);
    expect(body.correlation_id).toBe(correlation);
    expect(body.error_description).toMatch(
      /^AADSTS7000215: Invalid client secret provided\..*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: 0f4b6a8d-0c11-4e0a-9c1e-2f4b6a8d0c11\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  });

  it('returns the 200 body shape of client credentials (no refresh token)', async () => {
    const response = await fetch(`${emulator.origin}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLOUD_APP_SECURITY_CLIENT_ID,
        client_secret: (await import('../src/index.js')).CLOUD_APP_SECURITY_CLIENT_SECRET,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
  });
});

describe('Graph with the app-only token', () => {
  async function token(): Promise<string> {
    const result = await confidentialClient(emulator, CONTOSO_TENANT_ID).acquireTokenByClientCredential({
      scopes: GRAPH_DEFAULT,
    });
    return result?.accessToken ?? '';
  }

  it('reads /users with the Graph SDK', async () => {
    const page = (await graphClient(await token())
      .api('/users')
      .top(5)
      .get()) as { value: User[]; '@odata.nextLink'?: string };
    expect(page.value).toHaveLength(5);
    for (const user of page.value) {
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(user.userPrincipalName).toContain('@');
    }
    expect(page['@odata.nextLink']).toMatch(new RegExp(`^${emulator.origin}/v1.0/users`));
  });

  it('answers 403 Authorization_RequestDenied once the roles are removed', async () => {
    await control(
      emulator,
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}/revoke-consent`,
    );
    const error = await graphClient(await token())
      .api('/users')
      .get()
      .then(
        () => undefined,
        (caught: unknown) => caught as { statusCode: number; code: string },
      );
    expect(error).toMatchObject({ statusCode: 403, code: 'Authorization_RequestDenied' });
  });

  it.each([
    ['no token', () => '', 'Access token is empty.'],
    [
      'a token signed by someone else',
      async () => forge(await token()),
      'Access token validation failure. Invalid signature.',
    ],
  ])('answers 401 InvalidAuthenticationToken for %s', async (_name, makeToken, message) => {
    const response = await fetch(`${emulator.origin}/v1.0/users`, {
      headers: { Authorization: `Bearer ${await makeToken()}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message,
    });
  });

  it('answers 401 "Lifetime validation failed, the token is expired." after the token expired', async () => {
    const expiring = await token();
    emulator.advanceClock(2 * 3600 * 1000);
    try {
      const response = await fetch(`${emulator.origin}/v1.0/users`, {
        headers: { Authorization: `Bearer ${expiring}` },
      });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
        'Lifetime validation failed, the token is expired.',
      );
    } finally {
      emulator.advanceClock(-2 * 3600 * 1000);
    }
  });
});

/** Same header and claims, signature from a different key. */
function forge(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const flipped = Buffer.from(signature, 'base64url');
  flipped[0] = (flipped[0] ?? 0) ^ 0xff;
  return `${header}.${payload}.${flipped.toString('base64url')}`;
}
