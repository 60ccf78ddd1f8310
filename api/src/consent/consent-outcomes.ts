/**
 * Every way an admin-consent round trip can end, each with its own code and a sentence the wizard
 * shows under the step (R5). A non-admin never reaches the callback: Entra stops them on its own
 * page (AADSTS90094), so the wizard learns of it only as a closed popup.
 */
import type { ConsentOutcome, ConsentOutcomeCode } from '@cas/contracts';
import type { ConsentStep, ServiceId } from '@cas/core';

export type { ConsentOutcome, ConsentOutcomeCode } from '@cas/contracts';

/** Builds a failed outcome. */
export function failed(
  code: Exclude<ConsentOutcomeCode, 'accepted' | 'reauthorised'>,
  message: string,
  context: { service?: ServiceId; step?: ConsentStep } = {},
): ConsentOutcome {
  return { ok: false, code, message, ...context };
}

/** Sentences for outcomes whose text does not depend on the details. */
export const OUTCOME_MESSAGES = {
  declined: 'The consent was declined. Click here again and choose Accept to continue.',
  wrongTenant:
    'You signed in to a different Microsoft 365 organization than the one you are provisioning. Sign in with a Global Administrator of this organization.',
  stateInvalid: 'This consent link is not valid. Start the step again from the wizard.',
  stateExpired: 'This consent page was open too long and has expired. Start the step again from the wizard.',
  stateReplayed: 'This consent response was already used. Start the step again from the wizard.',
  conflict: 'Someone else changed this service account at the same moment. Start the step again.',
} as const;
