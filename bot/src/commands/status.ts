/** `status`: the status card of every service. */
import { statusCard } from '../cards/status-card.js';
import { refusalCard } from '../conversation/refusals.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { BotReply, BotTurn } from '../conversation/turn.js';
import type { ProvisioningView } from '@cas/contracts';

/** The status card for a dashboard read at `asOf`. */
export function statusCardFor(view: ProvisioningView, asOf: Date): AdaptiveCard {
  return statusCard({
    services: view.services,
    extend: view.extend,
    manualSync: view.manualSync,
    asOf: asOf.toISOString(),
  });
}

/** Reads the dashboard for the user and answers the status card. */
export async function statusCommand(turn: BotTurn): Promise<BotReply> {
  const view = await turn.api.provisioning();
  if (!view.ok) return { card: refusalCard('Status is not available', view.error) };
  return { card: statusCardFor(view.value, turn.now()) };
}
