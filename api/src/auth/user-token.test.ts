import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_ADMINISTRATOR_ROLE_TEMPLATE_ID } from './roles.js';
import { createUserTokenValidator, type TokenRejection } from './user-token.js';

const authority = 'https://login.example.test';
const tenantId = '11111111-2222-4333-8444-555555555555';
const apiClientId = 'aaaaaaaa-0000-4000-8000-000000000001';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let signingKey: PrivateKey;
let strangerKey: PrivateKey;
let validate: ReturnType<typeof createUserTokenValidator>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  strangerKey = stranger.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  validate = createUserTokenValidator({
    keys: createLocalJWKSet({ keys: [jwk] }),
    audiences: [apiClientId, `api://localhost/${apiClientId}`],
    issuersFor: (tid) => [`${authority}/${tid}/v2.0`, `https://sts.windows.net/${tid}/`],
    requiredScope: 'access_as_user',
    clockSkewSeconds: 60,
  });
});

interface TokenShape {
  claims?: Record<string, unknown>;
  key?: 'ours' | 'stranger';
  issuedSecondsAgo?: number;
  lifetimeSeconds?: number;
}

async function token(shape: TokenShape = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000) - (shape.issuedSecondsAgo ?? 0);
  const claims: Record<string, unknown> = {
    tid: tenantId,
    oid: 'user-object-id',
    preferred_username: "conor.o'neil@contoso.onmicrosoft.com",
    name: "Conor O'Neil",
    scp: 'access_as_user',
    wids: [GLOBAL_ADMINISTRATOR_ROLE_TEMPLATE_ID],
    ver: '2.0',
    ...shape.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'key-1', typ: 'JWT' })
    .setIssuer(typeof claims.iss === 'string' ? claims.iss : `${authority}/${tenantId}/v2.0`)
    .setAudience(typeof claims.aud === 'string' ? claims.aud : apiClientId)
    .setIssuedAt(now)
    .setNotBefore(typeof claims.nbf === 'number' ? claims.nbf : now)
    .setExpirationTime(now + (shape.lifetimeSeconds ?? 3600))
    .sign(shape.key === 'stranger' ? strangerKey : signingKey);
}

describe('user token validation', () => {
  it('accepts a v2 token of a Global Administrator and takes the tenant from tid', async () => {
    const check = await validate(`Bearer ${await token()}`);
    expect(check).toEqual({
      ok: true,
      principal: {
        tenantId,
        userId: 'user-object-id',
        userPrincipalName: "conor.o'neil@contoso.onmicrosoft.com",
        displayName: "Conor O'Neil",
        isGlobalAdministrator: true,
        isReader: false,
        rolesFrom: 'token',
      },
    });
  });

  it('accepts the Application ID URI as audience and a v1 issuer (Teams SSO tokens)', async () => {
    const check = await validate(
      `Bearer ${await token({ claims: { aud: `api://localhost/${apiClientId}`, iss: `https://sts.windows.net/${tenantId}/` } })}`,
    );
    expect(check.ok).toBe(true);
  });

  it('marks a user without the Global Administrator role as not an admin', async () => {
    const check = await validate(
      `Bearer ${await token({ claims: { wids: ['fe930be7-5e62-47db-91af-98c3a49a38b1'] } })}`,
    );
    expect(check.ok && check.principal.isGlobalAdministrator).toBe(false);
  });

  it.each([
    ['Global Reader', 'f2ef992c-3afb-46b9-b7cf-a126ee74c451'],
    ['Security Reader', '5D6B6BB7-DE71-4623-B4AF-96380A352509'],
  ])('marks a %s as a reader, not an admin', async (_role, roleId) => {
    const check = await validate(`Bearer ${await token({ claims: { wids: [roleId] } })}`);
    expect(check.ok && check.principal).toMatchObject({ isGlobalAdministrator: false, isReader: true });
  });

  it('a token without wids says nothing about roles: no access, roles unknown (not "no roles")', async () => {
    const check = await validate(`Bearer ${await token({ claims: { wids: undefined } })}`);
    expect(check.ok && check.principal).toMatchObject({
      isGlobalAdministrator: false,
      isReader: false,
      rolesFrom: 'unknown',
    });
  });

  it.each<[string, () => Promise<string | undefined>, TokenRejection]>([
    ['no header', async () => undefined, 'token_missing'],
    ['not a bearer header', async () => 'Basic dXNlcjpwYXNz', 'token_missing'],
    ['garbage', async () => 'Bearer not.a.jwt', 'token_malformed'],
    [
      'expired beyond the skew',
      async () => `Bearer ${await token({ issuedSecondsAgo: 7200, lifetimeSeconds: 3600 })}`,
      'token_expired',
    ],
    [
      'signed by another key',
      async () => `Bearer ${await token({ key: 'stranger' })}`,
      'token_signature_invalid',
    ],
    [
      'for another application',
      async () => `Bearer ${await token({ claims: { aud: 'someone-else' } })}`,
      'token_wrong_audience',
    ],
    [
      'issued by another tenant',
      async () =>
        `Bearer ${await token({ claims: { iss: `${authority}/99999999-2222-4333-8444-555555555555/v2.0` } })}`,
      'token_wrong_issuer',
    ],
    [
      'issued by another authority',
      async () => `Bearer ${await token({ claims: { iss: `https://evil.example/${tenantId}/v2.0` } })}`,
      'token_wrong_issuer',
    ],
    [
      'without the access_as_user scope',
      async () => `Bearer ${await token({ claims: { scp: 'User.Read' } })}`,
      'token_scope_missing',
    ],
    [
      'not yet valid',
      async () => `Bearer ${await token({ claims: { nbf: Math.floor(Date.now() / 1000) + 900 } })}`,
      'token_not_yet_valid',
    ],
    [
      'with a tenant id that is not a GUID',
      async () => `Bearer ${await token({ claims: { tid: 'contoso' } })}`,
      'token_claims_missing',
    ],
  ])('refuses a token %s', async (_case, header, reason) => {
    const check = await validate(await header());
    expect(check).toMatchObject({ ok: false, reason });
  });

  it('tolerates a token that expired within the clock skew', async () => {
    const check = await validate(`Bearer ${await token({ issuedSecondsAgo: 3630, lifetimeSeconds: 3600 })}`);
    expect(check.ok).toBe(true);
  });
});
