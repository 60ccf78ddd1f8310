/**
 * "Is this Teams user a Global Administrator of this tenant?" asked of the API (which asks Graph
 * with the tenant's app-only token), so the bot needs no Graph credential of its own. Used when a
 * personal chat is recorded, before every alert, and before a button changes a card for everyone.
 */
import { CasApiError } from './cas-api-error.js';
import type { ActingUser } from './bot-credential.js';
import type { CasApi } from './cas-api-client.js';
import type { AdministratorCheckOutcome } from '@cas/core';

/** Answers for one user of one tenant; `unknown` when Graph cannot tell; throws when the API fails. */
export type AdministratorCheck = (tenantId: string, userId: string) => Promise<AdministratorCheckOutcome>;

/** The outcome of one `GET /api/bot/global-administrator` for the API client's user. */
export async function administratorOutcome(
  api: Pick<CasApi, 'globalAdministrator'>,
): Promise<AdministratorCheckOutcome> {
  let result: Awaited<ReturnType<CasApi['globalAdministrator']>>;
  try {
    result = await api.globalAdministrator();
  } catch (error) {
    if (error instanceof CasApiError && error.code === 'role_check_unavailable') return 'unknown';
    throw error;
  }
  if (result.ok) return result.value.isGlobalAdministrator ? 'administrator' : 'notAdministrator';
  // A refusal of the check itself (our credential, the rate limit) says nothing about the user.
  throw new CasApiError(`the administrator check was refused: ${result.error.status} ${result.error.code}`, {
    status: result.error.status,
    code: result.error.code,
  });
}

/** The check over the API client factory (a bot credential naming the user in question). */
export function createAdministratorCheck(
  api: (user: ActingUser) => Pick<CasApi, 'globalAdministrator'>,
): AdministratorCheck {
  return (tenantId, userId) => administratorOutcome(api({ tenantId, userId }));
}
