/**
 * Verb `extendProtection`: the **Extend protection** button; the card shows "Extending…" then the
 * outcome. "Extending…" changes the card for everyone who sees it, so it is shown only once the
 * presser is known to be a Global Administrator; anyone else gets a private refusal and the card
 * stays as it is (R15).
 */
import { extendingCard } from '../cards/extend-card.js';
import { extendProtectionCard } from '../commands/extend.js';
import type { ActionTurn } from '../conversation/turn.js';
import type { ActionAnswer } from './actions.js';

/** Shown to a presser who is not a Global Administrator. */
export const EXTEND_REFUSED_PRIVATELY =
  'Only a Global Administrator of this tenant can extend protection. Ask one of your Global Administrators.';

/** Shown when Graph cannot tell (no working access token for the tenant). */
export const EXTEND_UNVERIFIED_PRIVATELY =
  'Cloud App Security could not verify that you are a Global Administrator: the access token for your tenant is not working. Open Administration > Service Account and create a new access token.';

/** Extends protection for the user who pressed the button and returns the card's new state. */
export async function extendProtectionAction(turn: ActionTurn): Promise<ActionAnswer> {
  const outcome = await turn.checkAdministrator();
  if (outcome !== 'administrator') {
    return {
      type: 'privateMessage',
      text: outcome === 'unknown' ? EXTEND_UNVERIFIED_PRIVATELY : EXTEND_REFUSED_PRIVATELY,
    };
  }
  await turn.showProgress(extendingCard(turn.user.name));
  return extendProtectionCard(turn);
}
