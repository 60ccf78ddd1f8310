/** The audit actor of a request: always the signed-in (or bot-represented) user. */
import { ApiError, type ApiErrorStatus } from './api-error.js';
import type { Principal } from '../auth/user-token.js';
import type { Actor } from '@cas/core';

/** The principal of a non-public route; a missing one is a server bug, never the caller's fault. */
export function requirePrincipal(principal: Principal | undefined): Principal {
  if (principal === undefined) throw new Error('route reached without a principal');
  return principal;
}

/** The actor recorded in the audit log for a principal. */
export function actorOf(principal: Principal): Actor {
  return { kind: 'user', userId: principal.userId, userPrincipalName: principal.userPrincipalName };
}

/** Status of each refusal code a `core` transition can return. */
const REFUSAL_STATUS: Readonly<Record<string, ApiErrorStatus>> = {
  target_limit_exceeded: 422,
  targets_required: 422,
  targets_not_found: 422,
  consent_roles_missing: 422,
  target_kind_mismatch: 422,
  site_limit_exceeded: 422,
  sites_not_found: 422,
  user_without_mailbox: 422,
  user_without_onedrive: 422,
};

/** Turns a `core` refusal into the API error the client sees (409 unless the input itself was refused). */
export function refusal(error: { readonly code: string; readonly message: string }): ApiError {
  const { code, message, ...details } = error;
  return new ApiError(REFUSAL_STATUS[code] ?? 409, code, message, details);
}
