import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type EmulatedTenant, type EmulatedUser } from '../contracts.js';
import { createGraphTokenVerifier, GRAPH_TOKEN_MESSAGES } from './graph-token-verifier.js';
import { createSigningKey, SigningKeyRing } from './signing-keys.js';
import { TokenMinter } from './token-minting.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const tenant: EmulatedTenant = {
  id: 'a5c0c3f2-3c6e-4e0a-9c1e-2f4b6a8d0c11',
  displayName: 'Contoso',
  defaultDomain: 'contoso.onmicrosoft.com',
  verifiedDomains: ['contoso.onmicrosoft.com'],
  seed: 'contoso',
  userCount: 1,
  groupCount: 0,
};
const admin: EmulatedUser = {
  id: '11111111-1111-4111-8111-111111111111',
  userPrincipalName: 'admin@contoso.onmicrosoft.com',
  displayName: 'Admin',
  givenName: 'Ad',
  surname: 'Min',
  mail: 'admin@contoso.onmicrosoft.com',
  jobTitle: null,
  accountEnabled: true,
  userType: 'Member',
  assignedLicenses: [],
  mailboxType: 'user',
  directoryRoleTemplateIds: [GLOBAL_ADMINISTRATOR_ROLE_ID],
  password: 'x',
};

let keys: SigningKeyRing;
let minter: TokenMinter;
let clock = NOW;
beforeAll(async () => {
  keys = new SigningKeyRing({ now: () => clock, initialKey: await createSigningKey(NOW) });
  minter = new TokenMinter({ keys, now: () => clock });
});

const appOnly = (roles: string[], audience = 'https://graph.microsoft.com') =>
  minter.appOnlyToken({
    tenantId: tenant.id,
    audience,
    appId: 'app-1',
    appDisplayName: 'Cloud App Security',
    servicePrincipalId: 'sp-1',
    roles,
  });

describe('TokenMinter', () => {
  it.each([
    ['aud', 'https://graph.microsoft.com'],
    ['iss', `https://sts.windows.net/${tenant.id}/`],
    ['appid', 'app-1'],
    ['appidacr', '1'],
    ['app_displayname', 'Cloud App Security'],
    ['idtyp', 'app'],
    ['oid', 'sp-1'],
    ['sub', 'sp-1'],
    ['tid', tenant.id],
    ['ver', '1.0'],
    ['roles', ['User.Read.All']],
    ['exp', Math.floor(NOW / 1000) + 3599],
    ['nbf', Math.floor(NOW / 1000) - 300],
  ])('app-only Graph token claim %s = %j', async (claim, value) => {
    expect(decodeJwt((await appOnly(['User.Read.All'])).token)[claim]).toEqual(value);
  });

  it('puts typ, alg, x5t and kid (= x5t) in the header', async () => {
    const header = decodeProtectedHeader((await appOnly([])).token);
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', x5t: keys.active.x5t, kid: keys.active.kid });
  });

  it('omits roles when none are granted', async () => {
    expect(decodeJwt((await appOnly([])).token)).not.toHaveProperty('roles');
  });

  it.each([
    ['aud', 'api-1'],
    ['iss', `https://127.0.0.1:5443/${tenant.id}/v2.0`],
    ['tid', tenant.id],
    ['oid', admin.id],
    ['preferred_username', 'admin@contoso.onmicrosoft.com'],
    ['name', 'Admin'],
    ['scp', 'access_as_user'],
    ['azp', 'client-1'],
    ['azpacr', '0'],
    ['ver', '2.0'],
    ['wids', [GLOBAL_ADMINISTRATOR_ROLE_ID, 'b79fbf4d-3ef9-4689-8143-76b194e85509']],
  ])('v2 user token claim %s = %j', async (claim, value) => {
    const { token } = await minter.userTokenV2({
      tenant,
      user: admin,
      clientId: 'client-1',
      confidentialClient: false,
      scopes: ['access_as_user'],
      audienceAppId: 'api-1',
      issuerOrigin: 'https://127.0.0.1:5443',
      directoryRoles: true,
    });
    expect(decodeJwt(token)[claim]).toEqual(value);
  });

  it('leaves wids out of a v2 user token when the API registration does not ask for directory roles', async () => {
    const { token } = await minter.userTokenV2({
      tenant,
      user: admin,
      clientId: 'client-1',
      confidentialClient: false,
      scopes: ['access_as_user'],
      audienceAppId: 'api-1',
      issuerOrigin: 'https://127.0.0.1:5443',
      directoryRoles: false,
    });
    expect(decodeJwt(token)).not.toHaveProperty('wids');
  });
});

describe('Graph token verifier', () => {
  const verifier = () => createGraphTokenVerifier({ keys, now: () => clock });

  it('accepts a Graph app-only token and reports the caller', async () => {
    const check = await verifier().verify(`Bearer ${(await appOnly(['User.Read.All'])).token}`);
    expect(check).toEqual({
      ok: true,
      caller: { tid: tenant.id, appId: 'app-1', roles: ['User.Read.All'], scopes: [] },
    });
  });

  it.each<[string, () => Promise<string | undefined>, string]>([
    ['no header', async () => undefined, GRAPH_TOKEN_MESSAGES.empty],
    ['an empty bearer', async () => 'Bearer ', GRAPH_TOKEN_MESSAGES.empty],
    ['no dots', async () => 'Bearer abc', GRAPH_TOKEN_MESSAGES.notJwt],
    ['garbage with dots', async () => 'Bearer a.b.c', GRAPH_TOKEN_MESSAGES.malformed],
    [
      'a tampered payload',
      async () => `Bearer ${tamper((await appOnly(['User.Read.All'])).token)}`,
      GRAPH_TOKEN_MESSAGES.signature,
    ],
    [
      'an Exchange token',
      async () => `Bearer ${(await appOnly([], 'https://outlook.office365.com')).token}`,
      GRAPH_TOKEN_MESSAGES.audience,
    ],
  ])('rejects %s', async (_name, header, message) => {
    expect(await verifier().verify(await header())).toEqual({
      ok: false,
      code: 'InvalidAuthenticationToken',
      message,
    });
  });

  it('rejects an expired token beyond the five minutes of clock skew', async () => {
    const { token } = await appOnly([]);
    clock = NOW + (3599 + 299) * 1000;
    expect((await verifier().verify(`Bearer ${token}`)).ok).toBe(true);
    clock = NOW + (3599 + 301) * 1000;
    expect(await verifier().verify(`Bearer ${token}`)).toMatchObject({
      ok: false,
      message: GRAPH_TOKEN_MESSAGES.expired,
    });
    clock = NOW;
  });
});

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
  claims.roles = ['Directory.ReadWrite.All'];
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
