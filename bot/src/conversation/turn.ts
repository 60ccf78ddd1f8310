/**
 * Our own view of one bot turn, independent of the Bot Framework SDK: who acts, the API acting for
 * them, and what the bot answers. Commands and card actions are plain functions over these types.
 */
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { TabLinks } from '../cards/tab-links.js';
import type { ActingUser } from '../cas-api/bot-credential.js';
import type { CasApi } from '../cas-api/cas-api-client.js';
import type { AdministratorCheckOutcome, BotConversationKind } from '@cas/core';

/** The Teams conversation a turn happens in. */
export interface TurnConversation {
  readonly id: string;
  readonly kind: BotConversationKind;
}

/** One turn of a Teams user talking to the bot. */
export interface BotTurn {
  /** The Teams user (Entra object id and tenant of the conversation). */
  readonly user: ActingUser;
  /** Where the user wrote or pressed. */
  readonly conversation: TurnConversation;
  /** The API, acting for `user`. */
  readonly api: CasApi;
  /** Whether `user` is a Global Administrator (Graph, through the API); throws when the API fails. */
  checkAdministrator(): Promise<AdministratorCheckOutcome>;
  /** Deep links into the tab. */
  readonly links: TabLinks;
  /** The current time. */
  readonly now: () => Date;
}

/** What the bot answers: a card, or a line of text. */
export type BotReply = { readonly card: AdaptiveCard } | { readonly text: string };

/** A card action turn (`adaptiveCard/action`, `Action.Execute`). */
export interface ActionTurn extends BotTurn {
  /** The action's `data` from the card. */
  readonly data: Readonly<Record<string, unknown>>;
  /** `manual` when a person pressed the button, `automatic` for a card's `refresh`. */
  readonly trigger: 'manual' | 'automatic';
  /** Replaces the card in place while the action is still running (e.g. "Extending…"). */
  showProgress(card: AdaptiveCard): Promise<void>;
}
