/**
 * One consent step as the admin lives it (R5, R6): open the popup inside the click, ask the API
 * where it goes, wait for the callback page's result, and turn every ending into specific words.
 */
import type { ApiResult } from './api-client.js';
import type { ConsentOutcome, TabHost } from './tab-host.js';
import type { ConsentStart } from '@cas/contracts';

/** How a consent step ended, ready for the screen. */
export type ConsentStepResult =
  | { readonly ok: true; readonly code: string; readonly message: string }
  | { readonly ok: false; readonly code: string; readonly title: string; readonly message: string };

/** Titles of failed consent results by the callback page's code (docs/api.md). */
const FAILURE_TITLES: Readonly<Record<string, string>> = {
  declined: 'Consent was declined',
  wrong_tenant: 'Signed in to a different tenant',
  roles_missing: 'Consent is missing permissions',
  consent_not_effective: 'Consent is not effective yet',
  state_expired: 'The sign-in took too long',
  state_invalid: 'The sign-in could not be matched to this wizard',
  state_replayed: 'This sign-in was already used',
  conflict: 'Someone else changed this service meanwhile',
  consent_failed: 'Consent failed',
};

/** The message for a popup that closed without a result (also how a non-admin's attempt ends). */
export const CONSENT_CLOSED_MESSAGE =
  'The sign-in window closed before consent finished. If Microsoft said the account needs admin approval, that account is not a Global Administrator: click Click here again and sign in with a Global Administrator account.';

/** The message for a popup the browser blocked. */
export const CONSENT_BLOCKED_MESSAGE =
  'Your browser blocked the sign-in window. Allow pop-ups for this site, then click Click here again.';

/** Runs one consent step from the click to its result. Call it synchronously from the click handler. */
export async function runConsentStep(
  host: TabHost,
  start: () => Promise<ApiResult<ConsentStart>>,
): Promise<ConsentStepResult> {
  const popup = host.openConsentWindow();
  const started = await start();
  if (!started.ok) {
    popup.cancel();
    return {
      ok: false,
      code: started.error.code,
      title:
        started.error.status === 403 ? 'Only a Global Administrator can do this' : 'The step could not start',
      message: started.error.message,
    };
  }
  return describeOutcome(await popup.navigate(started.value.url));
}

/** Words for a popup outcome. */
export function describeOutcome(outcome: ConsentOutcome): ConsentStepResult {
  if (outcome.kind === 'closed') {
    return {
      ok: false,
      code: 'popup_closed',
      title: 'The sign-in window was closed',
      message: CONSENT_CLOSED_MESSAGE,
    };
  }
  if (outcome.kind === 'blocked') {
    return {
      ok: false,
      code: 'popup_blocked',
      title: 'The sign-in window was blocked',
      message: CONSENT_BLOCKED_MESSAGE,
    };
  }
  const { result } = outcome;
  if (result.ok) return { ok: true, code: result.code, message: result.message };
  return {
    ok: false,
    code: result.code,
    title: FAILURE_TITLES[result.code] ?? 'Consent failed',
    message: result.message,
  };
}
