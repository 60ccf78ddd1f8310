/**
 * Installations: the bot keeps one conversation reference per Teams conversation it is in, per
 * tenant, so notifications can reach every admin conversation; it forgets a conversation when
 * Teams says the bot left it.
 */
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
  readonly at: string;
}

/** Applies one event to the stored installations. */
export async function recordConversationEvent(
  conversations: Pick<ConversationReferenceRepository, 'upsert' | 'remove' | 'get'>,
  event: ConversationEvent,
): Promise<void> {
  if (event.change === 'removed') {
    await conversations.remove(event.tenantId, event.conversationId);
    return;
  }
  if (event.change === 'seen') {
    const known = await conversations.get(event.tenantId, event.conversationId);
    // A message in a conversation we never saw installed means the install event was missed
    // (e.g. the bot was down): record it now. Unchanged references are not rewritten.
    if (known !== undefined && sameJson(known.reference, event.reference) && known.kind === event.kind)
      return;
  }
  const conversation: BotConversation = {
    tenantId: event.tenantId,
    conversationId: event.conversationId,
    kind: event.kind,
    reference: event.reference,
    installedAt: event.at,
    updatedAt: event.at,
  };
  await conversations.upsert(conversation);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
