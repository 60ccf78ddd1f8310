/** `sync`: a manual synchronization of every service; refused in selected-users mode with the Extend offer (R3). */
import { syncRefusedCard, syncRunsCard } from '../cards/sync-cards.js';
import { refusalCard } from '../conversation/refusals.js';
import type { BotReply, BotTurn } from '../conversation/turn.js';

/** The API's code for the R3 refusal. */
export const MANUAL_SYNC_NOT_ALLOWED = 'manual_sync_not_allowed';

/** Asks the API for a manual synchronization and answers its runs, or why it cannot run. */
export async function syncCommand(turn: BotTurn): Promise<BotReply> {
  const accepted = await turn.api.sync();
  if (accepted.ok) return { card: syncRunsCard(accepted.value.syncRuns) };
  if (accepted.error.code !== MANUAL_SYNC_NOT_ALLOWED) {
    return { card: refusalCard('Synchronization was not started', accepted.error) };
  }
  // The refusal names the reason; whether Extend applies is the dashboard's to say.
  const view = await turn.api.provisioning();
  const extendAvailable = view.ok
    ? view.value.extend.available
    : accepted.error.details.reason === 'sync_selected_users';
  return { card: syncRefusedCard({ reason: accepted.error.message, extendAvailable }) };
}
