/** Verb `refreshStatus`: the status card's button and its `refresh` for viewers. */
import { statusCommand } from '../commands/status.js';
import { replyCard } from './reply-card.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { ActionTurn } from '../conversation/turn.js';

/** Re-reads the status for whoever views the card. */
export async function refreshStatusAction(turn: ActionTurn): Promise<AdaptiveCard> {
  return replyCard(await statusCommand(turn));
}
