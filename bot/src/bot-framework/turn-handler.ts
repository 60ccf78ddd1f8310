/**
 * The bot's turn logic over Bot Framework's TurnContext: maps each activity to our plain
 * functions (commands, card actions, installations) and their answers back to activities. The
 * only file besides the adapter that knows about TurnContext.
 */
import { ActivityTypes, CardFactory, TurnContext } from 'botbuilder';
import { answerAction } from '../actions/actions.js';
import { ADAPTIVE_CARD_CONTENT_TYPE } from '../cards/adaptive-card.js';
import { helpCard } from '../cards/help-card.js';
import { noticeCard } from '../cards/notice-card.js';
import { CasApiError } from '../cas-api/cas-api-error.js';
import { BOT_COMMANDS } from '../commands/bot-commands.js';
import { answerMessage } from '../commands/commands.js';
import { unavailableCard } from '../conversation/refusals.js';
import { recordConversationEvent } from '../installations/installations.js';
import {
  actingUserOf,
  conversationEventOf,
  conversationIdOf,
  conversationKindOf,
} from './activity-mapping.js';
import type { ActionAnswer } from '../actions/actions.js';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { TabLinks } from '../cards/tab-links.js';
import type { AdministratorCheck } from '../cas-api/administrator-check.js';
import type { ActingUser } from '../cas-api/bot-credential.js';
import type { CasApi } from '../cas-api/cas-api-client.js';
import type { ActionTurn, BotReply, BotTurn } from '../conversation/turn.js';
import type { ConversationReferenceRepository } from '@cas/core';
import type { Activity, InvokeResponse } from 'botbuilder';
import type { Logger } from 'pino';

/** What the turn logic needs. */
export interface TurnHandlerOptions {
  /** The API client for one acting user. */
  readonly api: (user: ActingUser) => CasApi;
  /** Whether a user is a Global Administrator (through the API). */
  readonly administrators: AdministratorCheck;
  readonly conversations: Pick<
    ConversationReferenceRepository,
    'upsert' | 'remove' | 'get' | 'recordAdministratorCheck'
  >;
  readonly links: TabLinks;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Current time. Default the system clock. */
  readonly now?: () => Date;
}

/** The `adaptiveCard/action` invoke name (Universal Actions). */
export const ADAPTIVE_CARD_ACTION = 'adaptiveCard/action';

const NOT_IDENTIFIED =
  'I can only act for a signed-in Microsoft Teams user of your organization. Open this chat in Microsoft Teams and try again.';

function cardActivity(card: AdaptiveCard): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    attachments: [CardFactory.adaptiveCard(card)],
    ...(card.fallbackText !== undefined ? { summary: card.fallbackText } : {}),
  };
}

function replyActivity(reply: BotReply): Partial<Activity> {
  return 'card' in reply ? cardActivity(reply.card) : { type: ActivityTypes.Message, text: reply.text };
}

/** The Universal Action answer: a card that replaces the pressed one, or a message for the presser only. */
function actionResponse(answer: ActionAnswer): InvokeResponse {
  if (answer.type === 'privateMessage') {
    // Teams shows this to the presser and leaves the card unchanged for everyone.
    return {
      status: 200,
      body: { statusCode: 200, type: ACTIVITY_MESSAGE_CONTENT_TYPE, value: answer.text },
    };
  }
  return { status: 200, body: { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: answer } };
}

/** The Universal Action answer type of a message (Teams' `application/vnd.microsoft.activity.message`). */
const ACTIVITY_MESSAGE_CONTENT_TYPE = 'application/vnd.microsoft.activity.message';

/** Creates the bot's turn logic. */
export function createTurnHandler(options: TurnHandlerOptions): (context: TurnContext) => Promise<void> {
  const now = options.now ?? (() => new Date());

  function botTurn(user: ActingUser, activity: Activity): BotTurn {
    return {
      user,
      conversation: { id: conversationIdOf(activity) ?? '', kind: conversationKindOf(activity) },
      api: options.api(user),
      checkAdministrator: () => options.administrators(user.tenantId, user.userId),
      links: options.links,
      now,
    };
  }

  /** Records the conversation; true when the bot was just installed there. */
  async function keepInstallation(activity: Activity): Promise<boolean> {
    const event = conversationEventOf(activity, now().toISOString());
    if (event === undefined) return false;
    try {
      await recordConversationEvent(
        { conversations: options.conversations, administrators: options.administrators },
        event,
      );
      if (event.change !== 'seen') {
        options.logger.info(
          { tenantId: event.tenantId, conversationKind: event.kind, change: event.change },
          'bot installation changed',
        );
      }
    } catch (error) {
      // Losing one reference update must not cost the user their answer.
      options.logger.error(
        { err: error, tenantId: event.tenantId },
        'could not record the conversation or check who it belongs to',
      );
    }
    return event.change === 'added' && activity.type === ActivityTypes.InstallationUpdate;
  }

  async function onMessage(context: TurnContext): Promise<void> {
    const user = actingUserOf(context.activity);
    if (user === undefined) {
      await context.sendActivity({ type: ActivityTypes.Message, text: NOT_IDENTIFIED });
      return;
    }
    const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
    let reply: BotReply;
    try {
      reply = await answerMessage(text, botTurn(user, context.activity));
    } catch (error) {
      if (!(error instanceof CasApiError)) throw error;
      options.logger.error({ err: error, tenantId: user.tenantId }, 'the API failed during a command');
      reply = { card: unavailableCard() };
    }
    await context.sendActivity(replyActivity(reply));
  }

  async function onCardAction(context: TurnContext): Promise<void> {
    const value = (context.activity.value ?? {}) as {
      action?: { type?: unknown; verb?: unknown; data?: unknown };
      trigger?: unknown;
    };
    const user = actingUserOf(context.activity);
    let card: ActionAnswer;
    if (user === undefined || value.action?.type !== 'Action.Execute') {
      card = unavailableCardFor(user === undefined ? NOT_IDENTIFIED : 'This button is not supported.');
    } else {
      const data =
        typeof value.action.data === 'object' && value.action.data !== null
          ? (value.action.data as Record<string, unknown>)
          : {};
      const replyToId = context.activity.replyToId;
      const turn: ActionTurn = {
        ...botTurn(user, context.activity),
        data,
        trigger: value.trigger === 'automatic' ? 'automatic' : 'manual',
        async showProgress(progress) {
          // Only a pressed button shows progress; a refresh must not rewrite the card for everyone.
          if (replyToId === undefined || value.trigger === 'automatic') return;
          await context.updateActivity({ ...cardActivity(progress), id: replyToId });
        },
      };
      try {
        card = await answerAction(value.action.verb, turn);
      } catch (error) {
        if (!(error instanceof CasApiError)) throw error;
        options.logger.error({ err: error, tenantId: user.tenantId }, 'the API failed during a card action');
        card = unavailableCard();
      }
    }
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: actionResponse(card) });
  }

  return async (context) => {
    const activity = context.activity;
    const installed = await keepInstallation(activity);
    if (installed) {
      // Teams' guidance: introduce the bot once, when it is installed.
      await context.sendActivity(cardActivity(helpCard(BOT_COMMANDS)));
    } else if (activity.type === ActivityTypes.Message) {
      await onMessage(context);
    } else if (activity.type === ActivityTypes.Invoke && activity.name === ADAPTIVE_CARD_ACTION) {
      await onCardAction(context);
    } else if (activity.type === ActivityTypes.Invoke) {
      // Other invokes (message extensions, task modules) are not ours: say so instead of timing out.
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 501 } });
    }
  };
}

function unavailableCardFor(message: string): AdaptiveCard {
  return noticeCard({ title: 'Cloud App Security', message, tone: 'Warning' });
}
