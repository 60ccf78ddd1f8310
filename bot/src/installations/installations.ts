/**
 * Installations: the bot keeps one conversation reference per Teams conversation it is in, per
 * tenant, with who a personal chat is with and whether that user is a Global Administrator
 * (checked when the chat is recorded; R15), so alerts can reach admins' conversations only; it
 * forgets a conversation when Teams says the bot left it.
 */
import { administratorCheckOf } from '@cas/core';
import type { AdministratorCheck } from '../cas-api/administrator-check.js';
import type { BotConversation, BotConversationKind, ConversationReferenceRepository } from '@cas/core';

/** What happened to the bot in a conversation, as the adapter reads it from Teams' activities. */
export type InstallationChange =
  /** Installed, or added to the conversation (`installationUpdate` add, `conversationUpdate` membersAdded). */
  | 'added'
  /** Uninstalled, or removed from it (`installationUpdate` remove, `conversationUpdate` membersRemoved). */
  | 'removed'
  /** Any other activity there: the reference is kept fresh (Teams may move a conversation's service URL). */
  | 'seen';

/** One conversation event with its reference. */
export interface ConversationEvent {
  readonly change: InstallationChange;
  readonly tenantId: string;
  readonly conversationId: string;
  readonly kind: BotConversationKind;
  readonly reference: Readonly<Record<string, unknown>>;
  /** Personal chats: the Entra object id of the user it is with, when Teams names them. */
  readonly ownerUserId: string | null;
  readonly at: string;
}

/** What recording needs. */
export interface InstallationDependencies {
  readonly conversations: Pick<
    ConversationReferenceRepository,
    'upsert' | 'remove' | 'get' | 'recordAdministratorCheck'
  >;
  /** Asks whether a user is a Global Administrator; a failure leaves the answer to the next alert's check. */
  readonly administrators: AdministratorCheck;
}

/** Applies one event to the stored installations. */
export async function recordConversationEvent(
  dependencies: InstallationDependencies,
  event: ConversationEvent,
): Promise<void> {
  const { conversations } = dependencies;
  if (event.change === 'removed') {
    await conversations.remove(event.tenantId, event.conversationId);
    return;
  }
  const known = await conversations.get(event.tenantId, event.conversationId);
  const owner = event.kind === 'personal' ? (event.ownerUserId ?? known?.ownerUserId ?? null) : null;
  // A message in a conversation we never saw installed means the install event was missed
  // (e.g. the bot was down): record it now. Unchanged references are not rewritten.
  const unchanged =
    known !== undefined &&
    sameJson(known.reference, event.reference) &&
    known.kind === event.kind &&
    known.ownerUserId === owner;
  if (event.change === 'added' || !unchanged) {
    const conversation: BotConversation = {
      tenantId: event.tenantId,
      conversationId: event.conversationId,
      kind: event.kind,
      reference: event.reference,
      installedAt: event.at,
      updatedAt: event.at,
      ownerUserId: owner,
      channelNotifications: null,
      administratorCheck: null,
    };
    await conversations.upsert(conversation);
  }
  // Checked once when the chat is recorded (and again before every alert): the answer stands in
  // for Graph when the tenant's token is broken, which is when an alert matters most.
  if (owner !== null && known?.administratorCheck?.userId !== owner) {
    const outcome = await dependencies.administrators(event.tenantId, owner);
    const check = administratorCheckOf(owner, outcome, event.at);
    if (check !== undefined)
      await conversations.recordAdministratorCheck(event.tenantId, event.conversationId, check);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
