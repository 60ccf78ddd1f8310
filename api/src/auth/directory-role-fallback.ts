/**
 * The admin check when a user token carries no `wids`. Entra emits `wids` only when the app
 * registration asks for directory roles (`groupMembershipClaims`, which `aad.signin.manifest.json` sets);
 * a registration without it, or a token from another flow, says nothing about roles. Then the API
 * asks Microsoft Graph's role assignments with the tenant's app-only token
 * (RoleManagement.Read.Directory) and keeps the answer briefly, so a user's burst of requests costs
 * one Graph call. Without a token for the tenant (nobody consented yet) the roles stay unknown,
 * and the server answers 403 `directory_roles_unavailable` rather than guessing.
 */
import { accessFromRoles } from './roles.js';
import type { Principal, TokenCheck } from './user-token.js';
import type { Logger } from 'pino';

/** Reads a user's directory role template ids from Graph. */
export interface DirectoryRoleLookup {
  directoryRolesOf(tenantId: string, userId: string): Promise<readonly string[]>;
}

/** Options of {@link withDirectoryRoleFallback}. */
export interface DirectoryRoleFallbackOptions {
  roles: DirectoryRoleLookup;
  logger: Logger;
  /** How long an answer is reused; default 2 minutes (a demoted admin loses access that soon). */
  cacheMilliseconds?: number;
  /** Most answers kept; the oldest go first. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

const DEFAULT_CACHE_MILLISECONDS = 2 * 60 * 1000;
const DEFAULT_MAX_ENTRIES = 10_000;

/** Wraps a user token validator so principals whose token had no `wids` get their roles from Graph. */
export function withDirectoryRoleFallback(
  validate: (authorization: string | undefined) => Promise<TokenCheck>,
  options: DirectoryRoleFallbackOptions,
): (authorization: string | undefined) => Promise<TokenCheck> {
  const now = options.now ?? Date.now;
  const ttl = options.cacheMilliseconds ?? DEFAULT_CACHE_MILLISECONDS;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const answers = new Map<string, { roles: readonly string[]; until: number }>();
  // Concurrent requests of one user share one Graph call.
  const pending = new Map<string, Promise<readonly string[] | undefined>>();

  async function lookUp(principal: Principal): Promise<readonly string[] | undefined> {
    try {
      return await options.roles.directoryRolesOf(principal.tenantId, principal.userId);
    } catch (error) {
      // Not cached: once the tenant's consent works, the next request gets its answer.
      options.logger.warn(
        { err: error, tenantId: principal.tenantId },
        'the token carries no directory roles and Graph could not be asked for them',
      );
      return undefined;
    }
  }

  async function rolesOf(principal: Principal): Promise<readonly string[] | undefined> {
    const key = `${principal.tenantId}:${principal.userId}`;
    const cached = answers.get(key);
    if (cached !== undefined && cached.until > now()) return cached.roles;
    let inFlight = pending.get(key);
    if (inFlight === undefined) {
      inFlight = lookUp(principal).finally(() => pending.delete(key));
      pending.set(key, inFlight);
    }
    const roles = await inFlight;
    if (roles !== undefined) {
      answers.delete(key);
      answers.set(key, { roles, until: now() + ttl });
      // Map order is insertion order: drop the oldest answers past the bound.
      for (const oldest of answers.keys()) {
        if (answers.size <= maxEntries) break;
        answers.delete(oldest);
      }
    }
    return roles;
  }

  return async function validateWithRoles(authorization) {
    const check = await validate(authorization);
    if (!check.ok || check.principal.rolesFrom !== 'unknown') return check;
    const roles = await rolesOf(check.principal);
    if (roles === undefined) return check;
    return { ok: true, principal: { ...check.principal, ...accessFromRoles(roles), rolesFrom: 'graph' } };
  };
}
