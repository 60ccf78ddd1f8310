/**
 * `notify here` / `notify off` (R15): a Global Administrator turns the tenant's alerts on or off
 * in the team channel or group chat they type it in. The API checks the role and audits the
 * change; in a personal chat there is nothing to turn on (admins get alerts there already).
 */
import {
  channelNotificationsOffCard,
  channelNotificationsOnCard,
  personalChatNotificationsCard,
} from '../cards/channel-notifications-card.js';
import { refusalCard } from '../conversation/refusals.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { BotReply, BotTurn } from '../conversation/turn.js';

/** Turns alerts on or off in the turn's conversation and returns the card that says so. */
export async function channelNotificationsCard(turn: BotTurn, enabled: boolean): Promise<AdaptiveCard> {
  if (turn.conversation.kind === 'personal') return personalChatNotificationsCard();
  const result = await turn.api.setChannelNotifications(turn.conversation.id, enabled);
  if (!result.ok) {
    return refusalCard(enabled ? 'Alerts were not turned on' : 'Alerts were not turned off', result.error);
  }
  return result.value.enabled ? channelNotificationsOnCard() : channelNotificationsOffCard();
}

/** Answers `notify here`. */
export async function notifyHereCommand(turn: BotTurn): Promise<BotReply> {
  return { card: await channelNotificationsCard(turn, true) };
}

/** Answers `notify off`. */
export async function notifyOffCommand(turn: BotTurn): Promise<BotReply> {
  return { card: await channelNotificationsCard(turn, false) };
}
