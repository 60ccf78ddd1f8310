/** Verb `channelNotifications`: the **Stop alerts here** / **Post alerts here** buttons, like `notify off` / `notify here`. */
import { channelNotificationsCard } from '../commands/notify.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { ActionTurn } from '../conversation/turn.js';

/** Turns alerts on (`data.enabled` true) or off in the card's conversation. */
export async function channelNotificationsAction(turn: ActionTurn): Promise<AdaptiveCard> {
  return channelNotificationsCard(turn, turn.data.enabled === true);
}
