/** Verb `extendProtection`: the **Extend protection** button; the card shows "Extending…" then the outcome. */
import { extendingCard } from '../cards/extend-card.js';
import { extendProtectionCard } from '../commands/extend.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { ActionTurn } from '../conversation/turn.js';

/** Extends protection for the user who pressed the button and returns the card's new state. */
export async function extendProtectionAction(turn: ActionTurn): Promise<AdaptiveCard> {
  await turn.showProgress(extendingCard(turn.user.name));
  return extendProtectionCard(turn);
}
