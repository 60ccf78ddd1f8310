/** The card action table: one handler per `Action.Execute` verb (one file each), and the dispatcher. */
import { noticeCard } from '../cards/notice-card.js';
import { channelNotificationsAction } from './channel-notifications.js';
import { extendProtectionAction } from './extend-protection.js';
import { refreshStatusAction } from './refresh-status.js';
import { refreshSyncRunsAction } from './refresh-sync-runs.js';
import { syncNowAction } from './sync-now.js';
import type { ActionVerb, AdaptiveCard } from '../cards/adaptive-card.js';
import type { ActionTurn } from '../conversation/turn.js';

/** A line shown to the presser only, leaving the card as it is for everyone (e.g. a refusal). */
export interface PrivateMessage {
  readonly type: 'privateMessage';
  readonly text: string;
}

/** What a card action answers: the card that replaces the one pressed, or a private message. */
export type ActionAnswer = AdaptiveCard | PrivateMessage;

/** A card action's handler. */
export type ActionHandler = (turn: ActionTurn) => Promise<ActionAnswer>;

/** Every verb's handler. */
export const ACTION_HANDLERS: Readonly<Record<ActionVerb, ActionHandler>> = {
  extendProtection: extendProtectionAction,
  syncNow: syncNowAction,
  refreshStatus: refreshStatusAction,
  refreshSyncRuns: refreshSyncRunsAction,
  channelNotifications: channelNotificationsAction,
};

/** True when `verb` is one the bot handles. */
export function isActionVerb(verb: unknown): verb is ActionVerb {
  return typeof verb === 'string' && Object.hasOwn(ACTION_HANDLERS, verb);
}

/** Runs the action for `verb`; an unknown verb (an old card) gets a card saying so. */
export function answerAction(verb: unknown, turn: ActionTurn): Promise<ActionAnswer> {
  if (isActionVerb(verb)) return ACTION_HANDLERS[verb](turn);
  return Promise.resolve(
    noticeCard({
      title: 'This card is out of date',
      message: 'Type "status" to get a current card.',
      tone: 'Warning',
    }),
  );
}
