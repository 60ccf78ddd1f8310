/** Verb `syncNow`: **Synchronize now** on the status card; same rules as the `sync` command (R3). */
import { syncCommand } from '../commands/sync.js';
import { replyCard } from './reply-card.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { ActionTurn } from '../conversation/turn.js';

/** Starts a manual synchronization and returns the card with its runs, or the refusal. */
export async function syncNowAction(turn: ActionTurn): Promise<AdaptiveCard> {
  return replyCard(await syncCommand(turn));
}
