/** `extend`: the same as pressing **Extend protection** (R11). */
import { extendedCard, extendRefusedCard } from '../cards/extend-card.js';
import { refusalMessage } from '../conversation/refusals.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { BotReply, BotTurn } from '../conversation/turn.js';

/** Extends protection for the user and returns the card that says how it went. */
export async function extendProtectionCard(turn: BotTurn): Promise<AdaptiveCard> {
  const result = await turn.api.extend();
  if (result.ok)
    return extendedCard({
      services: result.value.services,
      ...(result.value.message === null ? {} : { message: result.value.message }),
    });
  // Retrying helps after a conflict or throttling, not when there is nothing to extend or no right to.
  const retry =
    result.error.status === 409 ? result.error.code === 'version_conflict' : result.error.status === 429;
  return extendRefusedCard({ reason: refusalMessage(result.error), retry });
}

/** Answers `extend` with the outcome card. */
export async function extendCommand(turn: BotTurn): Promise<BotReply> {
  return { card: await extendProtectionCard(turn) };
}
