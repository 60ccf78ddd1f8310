/** Reads our own types out of Bot Framework activities: who acts, where, and what changed. */
import { TurnContext } from 'botbuilder';
import type { ActingUser } from '../cas-api/bot-credential.js';
import type { ConversationEvent, InstallationChange } from '../installations/installations.js';
import type { BotConversationKind } from '@cas/core';
import type { Activity, ConversationReference } from 'botbuilder';

/** The Entra tenant of the conversation (Teams puts it in both places; older clients only in channelData). */
export function tenantOf(activity: Partial<Activity>): string | undefined {
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const fromChannelData = typeof channelData?.tenant?.id === 'string' ? channelData.tenant.id : undefined;
  const tenantId = activity.conversation?.tenantId ?? fromChannelData;
  return tenantId === undefined || tenantId === '' ? undefined : tenantId;
}

/** The Teams user who sent the activity, when Teams says who it is. */
export function actingUserOf(activity: Partial<Activity>): ActingUser | undefined {
  const tenantId = tenantOf(activity);
  const userId = activity.from?.aadObjectId;
  if (tenantId === undefined || userId === undefined || userId === '') return undefined;
  return { tenantId, userId, name: activity.from?.name };
}

/** The kind of conversation. */
export function conversationKindOf(activity: Partial<Activity>): BotConversationKind {
  const type = activity.conversation?.conversationType;
  if (type === 'channel') return 'channel';
  if (type === 'groupChat' || activity.conversation?.isGroup === true) return 'groupChat';
  return 'personal';
}

/**
 * The conversation an activity belongs to. In a team channel Teams names each thread
 * `<channel id>;messageid=<id>`; the conversation the bot is installed in, where alerts are
 * turned on and proactive cards go (each as a new post), is the channel itself.
 */
export function conversationIdOf(activity: Partial<Activity>): string | undefined {
  const id = activity.conversation?.id;
  if (id === undefined || id === '') return undefined;
  return conversationKindOf(activity) === 'channel' ? (id.split(';')[0] ?? id) : id;
}

/**
 * The reference a proactive message needs, without the per-message parts (activity id, sender,
 * locale, a channel thread), so it stays equal across turns and is rewritten only when Teams
 * moves the conversation.
 */
export function storedReferenceOf(activity: Partial<Activity>): Record<string, unknown> {
  const reference: Partial<ConversationReference> = TurnContext.getConversationReference(activity);
  const { activityId: _activityId, user: _user, locale: _locale, ...stable } = reference;
  const conversationId = conversationIdOf(activity);
  const withoutThread =
    stable.conversation !== undefined && conversationId !== undefined
      ? { ...stable, conversation: { ...stable.conversation, id: conversationId } }
      : stable;
  return JSON.parse(JSON.stringify(withoutThread)) as Record<string, unknown>;
}

/** Whether the activity installs, removes or merely shows the bot in its conversation. */
export function installationChangeOf(activity: Partial<Activity>): InstallationChange {
  const botId = activity.recipient?.id;
  if (activity.type === 'installationUpdate') {
    return typeof activity.action === 'string' && activity.action.startsWith('remove') ? 'removed' : 'added';
  }
  if (activity.type === 'conversationUpdate' && botId !== undefined) {
    if (activity.membersRemoved?.some((member) => member.id === botId) === true) return 'removed';
    if (activity.membersAdded?.some((member) => member.id === botId) === true) return 'added';
  }
  return 'seen';
}

/** The conversation event of an activity, or undefined when it has no tenant or conversation. */
export function conversationEventOf(activity: Partial<Activity>, at: string): ConversationEvent | undefined {
  const tenantId = tenantOf(activity);
  const conversationId = conversationIdOf(activity);
  if (tenantId === undefined || conversationId === undefined || activity.serviceUrl === undefined)
    return undefined;
  const kind = conversationKindOf(activity);
  // In a personal chat every activity from a user comes from the one person the chat is with.
  const owner = kind === 'personal' ? activity.from?.aadObjectId : undefined;
  return {
    change: installationChangeOf(activity),
    tenantId,
    conversationId,
    kind,
    reference: storedReferenceOf(activity),
    ownerUserId: owner === undefined || owner === '' ? null : owner,
    at,
  };
}
