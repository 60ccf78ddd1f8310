/**
 * Contract: discovery and JWKS as jose (what our API validates with) reads them, and key rotation
 * keeping earlier tokens verifiable for the grace period only.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  type RunningEmulator,
} from '../src/index.js';
import { confidentialClient, control, launchEmulator } from './support/emulator-fixture.js';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await launchEmulator();
  await control(
    emulator,
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
  );
});
afterAll(async () => {
  await emulator.close();
});

async function graphStatus(token: string): Promise<{ status: number; message?: string }> {
  const response = await fetch(`${emulator.origin}/v1.0/users?$top=1`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { error?: { message: string } };
  return { status: response.status, message: body.error?.message };
}

async function graphToken(): Promise<string> {
  const result = await confidentialClient(emulator, CONTOSO_TENANT_ID).acquireTokenByClientCredential({
    scopes: ['https://graph.microsoft.com/.default'],
    skipCache: true,
  });
  return result?.accessToken ?? '';
}

describe('discovery', () => {
  it.each(['contoso.onmicrosoft.com', CONTOSO_TENANT_ID, 'organizations', 'common'])(
    'serves the OpenID configuration of %s',
    async (tenant) => {
      const response = await fetch(`${emulator.origin}/${tenant}/v2.0/.well-known/openid-configuration`);
      const document = (await response.json()) as Record<string, unknown>;
      const path = tenant === 'organizations' || tenant === 'common' ? tenant : CONTOSO_TENANT_ID;
      expect(document).toMatchObject({
        issuer: `${emulator.origin}/${path === tenant && (tenant === 'common' || tenant === 'organizations') ? '{tenantid}' : CONTOSO_TENANT_ID}/v2.0`,
        token_endpoint: `${emulator.origin}/${path}/oauth2/v2.0/token`,
        authorization_endpoint: `${emulator.origin}/${path}/oauth2/v2.0/authorize`,
        jwks_uri: `${emulator.origin}/${path}/discovery/v2.0/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    },
  );

  it('answers an unknown tenant with 400 and AADSTS90002', async () => {
    const response = await fetch(`${emulator.origin}/nowhere.example/v2.0/.well-known/openid-configuration`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
  });
});

describe('signing key rotation', () => {
  it('keeps the old key published for the grace period, then drops it', async () => {
    const jwks = createRemoteJWKSet(new URL(`${emulator.origin}/${CONTOSO_TENANT_ID}/discovery/v2.0/keys`), {
      cacheMaxAge: 0,
      cooldownDuration: 0,
    });
    const { token: userToken } = await control<{ token: string }>(
      emulator,
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/sso-token`,
      { upn: CONTOSO_ADMIN_UPN },
    );
    const before = await graphToken();
    const verify = (token: string) =>
      jwtVerify(token, jwks, {
        issuer: `${emulator.origin}/${CONTOSO_TENANT_ID}/v2.0`,
        audience: CLOUD_APP_SECURITY_API_CLIENT_ID,
        currentDate: new Date(emulator.now()),
      });
    await expect(verify(userToken)).resolves.toBeDefined();

    const rotated = await control<{ active: string; previous: string }>(emulator, 'POST', '/keys/rotate', {
      graceSeconds: 600,
    });
    expect(rotated.active).not.toBe(rotated.previous);
    const { keys } = (await fetch(`${emulator.origin}/common/discovery/v2.0/keys`).then((r) => r.json())) as {
      keys: { kid: string; x5t: string; x5c: string[] }[];
    };
    expect(keys.map((key) => key.kid)).toEqual([rotated.active, rotated.previous]);
    for (const key of keys) expect(key.x5t).toBe(key.kid);

    // Within the grace period: old tokens still verify, new ones carry the new kid.
    expect((await graphStatus(before)).status).toBe(200);
    await expect(verify(userToken)).resolves.toBeDefined();
    const after = await graphToken();
    expect(JSON.parse(Buffer.from(after.split('.')[0] ?? '', 'base64url').toString()).kid).toBe(
      rotated.active,
    );

    // After it: the old key is gone (tokens it signed are rejected), the new one still works.
    await control(emulator, 'POST', '/clock', { advanceSeconds: 601 });
    try {
      expect(await graphStatus(before)).toEqual({
        status: 401,
        message: 'Access token validation failure. Invalid signature.',
      });
      expect((await graphStatus(after)).status).toBe(200);
      await expect(verify(userToken)).rejects.toThrow();
    } finally {
      await control(emulator, 'POST', '/clock', { advanceSeconds: -601 });
    }
  });
});
