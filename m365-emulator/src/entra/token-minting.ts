/**
 * Mints the JWTs Entra issues: v1.0 app-only tokens for Microsoft Graph and Exchange Online, v1.0
 * delegated Graph tokens, v2.0 user tokens for our own API, and v2.0 ID tokens. Claim names and
 * shapes follow real tokens so the API's validation code is exercised as in production.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type EmulatedTenant, type EmulatedUser } from '../contracts.js';
import type { SigningKeyRing } from './signing-keys.js';

/** Lifetime Entra reports in `expires_in` for access tokens. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;
/** Entra backdates `iat`/`nbf` by five minutes to absorb clock skew between servers. */
const BACKDATE_SECONDS = 300;
/** `wids` entry Entra puts in app-only tokens (the "Directory Readers"-like service principal template). */
const APP_ONLY_WIDS = ['0997a1d0-0d1d-4acb-b408-d5ca73121e90'];

/** A minted token and what the token endpoint reports with it. */
export interface MintedToken {
  readonly token: string;
  readonly expiresIn: number;
  readonly claims: JWTPayload;
}

/** Input of {@link TokenMinter.appOnlyToken}. */
export interface AppOnlyTokenInput {
  tenantId: string;
  /** Audience: the resource URI (`https://graph.microsoft.com`, `https://outlook.office365.com`). */
  audience: string;
  appId: string;
  appDisplayName: string;
  /** Object id of the service principal in `tenantId`. */
  servicePrincipalId: string;
  /** Granted application permissions; an empty list omits the claim, as Entra does. */
  roles: readonly string[];
}

/** Input of the delegated (user) token builders. */
export interface UserTokenInput {
  tenant: EmulatedTenant;
  user: EmulatedUser;
  /** Client that asked for the token (`azp` / `appid`). */
  clientId: string;
  /** True when the client authenticated with a secret (`azpacr`/`appidacr` "1"), false for public clients. */
  confidentialClient: boolean;
  /** Delegated scopes granted (`scp`, space-separated in the token). */
  scopes: readonly string[];
}

/** Options for {@link TokenMinter}. */
export interface TokenMinterOptions {
  keys: SigningKeyRing;
  /** Clock in ms since the epoch. */
  now: () => number;
}

/** Signs tokens with the ring's active key. */
export class TokenMinter {
  readonly #keys: SigningKeyRing;
  readonly #now: () => number;

  constructor(options: TokenMinterOptions) {
    this.#keys = options.keys;
    this.#now = options.now;
  }

  /** A v1.0 app-only access token (client credentials). */
  async appOnlyToken(input: AppOnlyTokenInput): Promise<MintedToken> {
    const times = this.#times(ACCESS_TOKEN_LIFETIME_SECONDS);
    const claims: JWTPayload = {
      aud: input.audience,
      iss: v1Issuer(input.tenantId),
      ...times,
      aio: opaqueId(),
      app_displayname: input.appDisplayName,
      appid: input.appId,
      appidacr: '1',
      idp: v1Issuer(input.tenantId),
      idtyp: 'app',
      oid: input.servicePrincipalId,
      rh: opaqueId(),
      ...(input.roles.length > 0 ? { roles: [...input.roles] } : {}),
      sub: input.servicePrincipalId,
      tenant_region_scope: 'EU',
      tid: input.tenantId,
      uti: opaqueId(),
      ver: '1.0',
      wids: APP_ONLY_WIDS,
    };
    return this.#sign(claims, ACCESS_TOKEN_LIFETIME_SECONDS);
  }

  /** A v2.0 access token for an API registered in the emulator (`aud` = that API's client id). */
  async userTokenV2(
    input: UserTokenInput & {
      audienceAppId: string;
      issuerOrigin: string;
      /** The audience registration asks for directory roles (`groupMembershipClaims`): adds `wids`. */
      directoryRoles: boolean;
    },
  ): Promise<MintedToken> {
    const times = this.#times(ACCESS_TOKEN_LIFETIME_SECONDS);
    const claims: JWTPayload = {
      aud: input.audienceAppId,
      iss: v2Issuer(input.issuerOrigin, input.tenant.id),
      ...times,
      aio: opaqueId(),
      azp: input.clientId,
      azpacr: input.confidentialClient ? '1' : '0',
      name: input.user.displayName,
      oid: input.user.id,
      preferred_username: input.user.userPrincipalName,
      rh: opaqueId(),
      scp: input.scopes.join(' '),
      sub: pairwiseSubject(input.user.id, input.audienceAppId),
      tid: input.tenant.id,
      uti: opaqueId(),
      ver: '2.0',
      ...(input.directoryRoles ? wids(input.user) : {}),
    };
    return this.#sign(claims, ACCESS_TOKEN_LIFETIME_SECONDS);
  }

  /**
   * A v1.0 delegated access token for Microsoft Graph (what `/me` and delegated calls receive).
   * Graph's own registration asks for directory roles, so these always carry `wids`.
   */
  async graphUserToken(input: UserTokenInput): Promise<MintedToken> {
    const times = this.#times(ACCESS_TOKEN_LIFETIME_SECONDS);
    const claims: JWTPayload = {
      aud: 'https://graph.microsoft.com',
      iss: v1Issuer(input.tenant.id),
      ...times,
      acct: 0,
      acr: '1',
      aio: opaqueId(),
      amr: ['pwd'],
      app_displayname: 'Cloud App Security',
      appid: input.clientId,
      appidacr: input.confidentialClient ? '1' : '0',
      family_name: input.user.surname ?? undefined,
      given_name: input.user.givenName ?? undefined,
      idtyp: 'user',
      name: input.user.displayName,
      oid: input.user.id,
      rh: opaqueId(),
      scp: input.scopes.join(' '),
      sub: pairwiseSubject(input.user.id, '00000003-0000-0000-c000-000000000000'),
      tid: input.tenant.id,
      unique_name: input.user.userPrincipalName,
      upn: input.user.userPrincipalName,
      uti: opaqueId(),
      ver: '1.0',
      ...wids(input.user),
    };
    return this.#sign(claims, ACCESS_TOKEN_LIFETIME_SECONDS);
  }

  /** A v2.0 ID token for the client that signed the user in. */
  async idToken(input: {
    tenant: EmulatedTenant;
    user: EmulatedUser;
    clientId: string;
    nonce?: string;
    issuerOrigin: string;
  }): Promise<MintedToken> {
    const times = this.#times(3600);
    const claims: JWTPayload = {
      aud: input.clientId,
      iss: v2Issuer(input.issuerOrigin, input.tenant.id),
      ...times,
      name: input.user.displayName,
      ...(input.nonce ? { nonce: input.nonce } : {}),
      oid: input.user.id,
      preferred_username: input.user.userPrincipalName,
      rh: opaqueId(),
      sub: pairwiseSubject(input.user.id, input.clientId),
      tid: input.tenant.id,
      uti: opaqueId(),
      ver: '2.0',
    };
    return this.#sign(claims, 3600);
  }

  #times(lifetimeSeconds: number): { iat: number; nbf: number; exp: number } {
    const now = Math.floor(this.#now() / 1000);
    return { iat: now - BACKDATE_SECONDS, nbf: now - BACKDATE_SECONDS, exp: now + lifetimeSeconds };
  }

  async #sign(claims: JWTPayload, expiresIn: number): Promise<MintedToken> {
    const key = this.#keys.active;
    const payload = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
    const token = await new SignJWT(payload)
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: key.x5t, kid: key.kid })
      .sign(key.privateKey);
    return { token, expiresIn, claims: payload };
  }
}

/** Issuer of v1.0 tokens, which Entra keeps on `sts.windows.net` whatever host issued them. */
export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** Issuer of v2.0 tokens: on the emulator's own origin, as msal-node checks it against the authority host. */
export function v2Issuer(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}

/** `client_info` for MSAL: base64url JSON of the user's object id and home tenant id. */
export function clientInfo(user: EmulatedUser, tenant: EmulatedTenant): string {
  return Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.id })).toString('base64url');
}

/** Entra's `sub` is pairwise: stable per user and app, different across apps. */
function pairwiseSubject(userId: string, appId: string): string {
  return createHash('sha256').update(`${userId}|${appId}`).digest('base64url').slice(0, 43);
}

function wids(user: EmulatedUser): { wids?: string[] } {
  // Every member holds the "User" template role in real tokens; admins add theirs.
  const roles = user.directoryRoleTemplateIds;
  return { wids: [...roles, 'b79fbf4d-3ef9-4689-8143-76b194e85509'] };
}

function opaqueId(): string {
  return randomBytes(16).toString('base64url');
}

/** Whether a user holds Global Administrator (the role our consent needs). */
export function isGlobalAdministrator(user: EmulatedUser): boolean {
  return user.directoryRoleTemplateIds.includes(GLOBAL_ADMINISTRATOR_ROLE_ID);
}

/** A fresh opaque id for authorization codes, refresh tokens and sessions. */
export function newOpaqueHandle(): string {
  return `${randomUUID()}.${randomBytes(24).toString('base64url')}`;
}
