/**
 * The bot's service-to-service credential: a short-lived HS256 JWT signed with the key the bot and
 * the API share, naming the Teams user who pressed a button or typed a command. The key proves the
 * caller is our bot; it does not prove the user is an admin, so the API asks Microsoft Graph
 * (with the tenant's app-only token) and caches the answer briefly. Each credential is fresh (at
 * most a minute old, plus clock skew), lives at most two minutes and is accepted once: its `jti`
 * is consumed in the store every API process shares (docs/adr/0006-bot-credential.md).
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Principal, TokenCheck } from './user-token.js';
import type { AdministratorCheckOutcome, BotCredentialUseRepository } from '@cas/core';
import type { Logger } from 'pino';

/** Issuer and audience of bot credentials. */
export const BOT_CREDENTIAL_ISSUER = 'cas-bot';
export const BOT_CREDENTIAL_AUDIENCE = 'cas-api';

/** Longest lifetime a bot credential may claim; longer ones are refused even if unexpired. */
export const BOT_CREDENTIAL_MAX_LIFETIME_SECONDS = 120;
/** Oldest a bot credential may be (beyond the clock skew): the bot signs one per request. */
export const BOT_CREDENTIAL_MAX_AGE_SECONDS = 60;
/** Longest `jti` accepted (the bot sends a UUID). */
const MAX_JTI_LENGTH = 128;

/** Answers whether a user holds Global Administrator in a tenant (Graph role assignments). */
export interface AdminRoleChecker {
  isGlobalAdministrator(tenantId: string, userId: string): Promise<boolean>;
}

/** Most role answers one API process keeps. */
const MAX_CACHED_ANSWERS = 10_000;

/** Answers, with a short cache, whether a user is a Global Administrator, or that Graph cannot tell. */
export interface AdministratorRoles {
  /** `unknown` when Graph could not be asked (no working token for the tenant, Graph failing). */
  check(tenantId: string, userId: string): Promise<AdministratorCheckOutcome>;
}

/** Options of `createAdministratorRoles`. */
export interface AdministratorRolesOptions {
  roles: AdminRoleChecker;
  /** How long a role answer is reused; default 5 minutes. */
  cacheMilliseconds?: number;
  logger: Logger;
  now?: () => number;
}

/**
 * The Graph role check behind every bot principal and the bot's recipient check. Known answers
 * are cached per tenant and user; failures are not, so a fixed token takes effect at once.
 */
export function createAdministratorRoles(options: AdministratorRolesOptions): AdministratorRoles {
  const now = options.now ?? Date.now;
  const ttl = options.cacheMilliseconds ?? 5 * 60 * 1000;
  const cache = new Map<string, { admin: boolean; until: number }>();
  return {
    async check(tenantId, userId) {
      const key = `${tenantId}:${userId}`;
      const cached = cache.get(key);
      if (cached !== undefined && cached.until > now()) {
        return cached.admin ? 'administrator' : 'notAdministrator';
      }
      let admin: boolean;
      try {
        admin = await options.roles.isGlobalAdministrator(tenantId, userId);
      } catch (error) {
        options.logger.warn({ err: error, tenantId }, 'could not check the administrator role through Graph');
        return 'unknown';
      }
      // Bounded: past the limit the oldest answer goes (Map keeps insertion order); re-set
      // entries move to the end.
      cache.delete(key);
      if (cache.size >= MAX_CACHED_ANSWERS) cache.delete(cache.keys().next().value ?? '');
      cache.set(key, { admin, until: now() + ttl });
      return admin ? 'administrator' : 'notAdministrator';
    },
  };
}

/** Options of the bot credential validator. */
export interface BotCredentialOptions {
  /** The shared key (32 bytes). */
  key: Uint8Array;
  /** The Graph role check of the named user. */
  administrators: AdministratorRoles;
  /** Where used credential ids are kept (shared by every API process on the database). */
  uses: Pick<BotCredentialUseRepository, 'consume'>;
  clockSkewSeconds: number;
  now?: () => number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates the validator of bot credentials (the token without `Bearer `). */
export function createBotCredentialValidator(options: BotCredentialOptions) {
  const now = options.now ?? Date.now;

  return async function validate(token: string): Promise<TokenCheck> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, options.key, {
        algorithms: ['HS256'],
        issuer: BOT_CREDENTIAL_ISSUER,
        audience: BOT_CREDENTIAL_AUDIENCE,
        clockTolerance: options.clockSkewSeconds,
        requiredClaims: ['exp', 'iat', 'sub', 'tid'],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        return { ok: false, reason: 'token_expired', message: 'The bot credential has expired.' };
      }
      return { ok: false, reason: 'token_signature_invalid', message: 'The bot credential is not valid.' };
    }
    const tenantId = typeof payload.tid === 'string' ? payload.tid.toLowerCase() : '';
    const userId = typeof payload.sub === 'string' ? payload.sub.toLowerCase() : '';
    if (!GUID.test(tenantId) || !GUID.test(userId)) {
      return {
        ok: false,
        reason: 'token_claims_missing',
        message: 'The bot credential does not name a tenant and a user.',
      };
    }
    if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > MAX_JTI_LENGTH) {
      return {
        ok: false,
        reason: 'token_claims_missing',
        message: 'The bot credential has no usable id (jti).',
      };
    }
    const issuedAt = payload.iat ?? 0;
    const expiresAt = payload.exp ?? 0;
    const nowSeconds = Math.floor(now() / 1000);
    if (expiresAt - issuedAt > BOT_CREDENTIAL_MAX_LIFETIME_SECONDS) {
      return { ok: false, reason: 'token_expired', message: 'The bot credential lives longer than allowed.' };
    }
    if (nowSeconds - issuedAt > BOT_CREDENTIAL_MAX_AGE_SECONDS + options.clockSkewSeconds) {
      return { ok: false, reason: 'token_expired', message: 'The bot credential was issued too long ago.' };
    }
    if (issuedAt > nowSeconds + options.clockSkewSeconds) {
      return {
        ok: false,
        reason: 'token_not_yet_valid',
        message: 'The bot credential is issued in the future.',
      };
    }
    // Kept until no clock could still accept it; a second use anywhere is a replay.
    const firstUse = await options.uses.consume(
      payload.jti,
      new Date((expiresAt + options.clockSkewSeconds) * 1000).toISOString(),
      new Date(now()).toISOString(),
    );
    if (!firstUse) {
      return { ok: false, reason: 'token_replayed', message: 'The bot credential was already used.' };
    }
    const principal: Principal = {
      tenantId,
      userId,
      userPrincipalName: typeof payload.upn === 'string' && payload.upn !== '' ? payload.upn : userId,
      displayName: typeof payload.name === 'string' ? payload.name : '',
      // Without a working token for the tenant nobody can be shown to be an admin; the caller
      // then gets a 403 on admin routes.
      isGlobalAdministrator: (await options.administrators.check(tenantId, userId)) === 'administrator',
      // The bot acts for admins only; read-only roles are not looked up for bot calls.
      isReader: false,
      rolesFrom: 'graph',
      caller: 'bot',
    };
    return { ok: true, principal };
  };
}

/**
 * One `Authorization` check for every route: HS256 tokens are bot credentials (refused when no
 * bot key is configured), anything else is a user token from Entra.
 */
export function createRequestAuthenticator(validators: {
  user: (authorization: string | undefined) => Promise<TokenCheck>;
  bot: ((token: string) => Promise<TokenCheck>) | undefined;
}) {
  return async function authenticate(authorization: string | undefined): Promise<TokenCheck> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    let algorithm: string | undefined;
    try {
      algorithm = token === undefined ? undefined : decodeProtectedHeader(token).alg;
    } catch {
      algorithm = undefined;
    }
    if (token !== undefined && algorithm === 'HS256') {
      if (validators.bot === undefined) {
        return {
          ok: false,
          reason: 'token_signature_invalid',
          message: 'This API accepts no bot credentials.',
        };
      }
      return validators.bot(token);
    }
    return validators.user(authorization);
  };
}
