/** Verb `refreshSyncRuns`: a synchronization card updates itself until its runs finished. */
import { syncRunsCard } from '../cards/sync-cards.js';
import { refusalCard } from '../conversation/refusals.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { ActionTurn } from '../conversation/turn.js';

/** Most runs a card refreshes; a manual synchronization queues one per service. */
const MAX_RUNS = 20;

/** Reads the runs named in the card's data and returns the card with their current figures. */
export async function refreshSyncRunsAction(turn: ActionTurn): Promise<AdaptiveCard> {
  const runIds = Array.isArray(turn.data.runIds)
    ? turn.data.runIds.filter((id): id is string => typeof id === 'string').slice(0, MAX_RUNS)
    : [];
  const alreadyQueued = new Set(
    Array.isArray(turn.data.alreadyQueued)
      ? turn.data.alreadyQueued.filter((id): id is string => typeof id === 'string')
      : [],
  );
  const runs = await turn.api.syncRuns({ limit: 50 });
  if (!runs.ok) return refusalCard('Synchronization figures are not available', runs.error);
  const byId = new Map(runs.value.map((run) => [run.id, run]));
  const current = runIds.flatMap((id) => {
    const run = byId.get(id);
    return run === undefined ? [] : [{ ...run, alreadyQueued: alreadyQueued.has(id) }];
  });
  return syncRunsCard(current);
}
