/**
 * Proactive cards through the CloudAdapter: continues a stored conversation and posts the card,
 * reading the Bot Connector's answer as a SendOutcome (429 Retry-After, bot gone, other failure).
 */
import { ActivityTypes, CardFactory } from 'botbuilder';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { ProactiveSender, SendOutcome } from '../notifications/notification-delivery.js';
import type { CasCloudAdapter } from './cas-cloud-adapter.js';
import type { BotConversation } from '@cas/core';
import type { ConversationReference } from 'botbuilder';

/** Wait used when Teams sends 429 without Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

function statusOf(error: unknown): number | undefined {
  const candidate = error as { statusCode?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const value of [candidate.statusCode, candidate.status, candidate.response?.status]) {
    if (typeof value === 'number') return value;
  }
  return undefined;
}

function retryAfterMs(error: unknown): number {
  const headers = (error as { response?: { headers?: { get?: (name: string) => unknown } } }).response
    ?.headers;
  const raw = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
  const seconds = Number(raw);
  if (typeof raw === 'string' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - Date.now());
}

/** Reads a failed send as an outcome. */
export function sendOutcomeOf(error: unknown): SendOutcome {
  const status = statusOf(error);
  const message = `${status ?? 'no status'}: ${error instanceof Error ? error.message : String(error)}`.slice(
    0,
    300,
  );
  if (status === 429) return { kind: 'throttled', retryAfterMs: retryAfterMs(error) };
  // 403 BotNotInConversationRoster / 404 ConversationNotFound: the bot was removed.
  if (status === 403 || status === 404) return { kind: 'gone', error: message };
  return { kind: 'failed', error: message };
}

/** Creates the sender over the adapter; `botAppId` is `BOT_ID` (empty locally). */
export function createProactiveSender(adapter: CasCloudAdapter, botAppId: string): ProactiveSender {
  return {
    async send(
      conversation: BotConversation,
      card: AdaptiveCard,
      idempotencyKey: string,
    ): Promise<SendOutcome> {
      try {
        await adapter.continueConversationAsync(
          botAppId,
          conversation.reference as Partial<ConversationReference>,
          async (context) => {
            await context.sendActivity({
              type: ActivityTypes.Message,
              attachments: [CardFactory.adaptiveCard(card)],
              ...(card.fallbackText !== undefined ? { summary: card.fallbackText } : {}),
              // Lets a retried delivery be recognised as the same card (logs, support).
              channelData: { casDeliveryKey: idempotencyKey },
            });
          },
        );
        return { kind: 'sent' };
      } catch (error) {
        return sendOutcomeOf(error);
      }
    },
  };
}
