/**
 * R15: Teams alerts reach a tenant's Global Administrators only — their personal chats with the
 * bot, and shared conversations (team channels, group chats) where an admin turned them on. Each
 * conversation has one accountable user whose role decides: the personal chat's owner, or the
 * admin who turned alerts on. Graph is asked again before every send; when it cannot answer
 * (typically because the tenant's token is the very incident being reported) the last answer
 * recorded for that user stands, and without one nothing is sent.
 */
import type { AdministratorCheck, BotConversation } from './ports.js';

/** Who a conversation's alerts are for. */
export type AlertAudience =
  /** Alerts created from `since` on go here while `userId` is a Global Administrator. */
  | { readonly kind: 'administrator'; readonly userId: string; readonly since: string }
  /** Nothing goes here, and nothing needs to be checked or recorded. */
  | { readonly kind: 'nobody'; readonly reason: 'notTurnedOn' | 'ownerUnknown' };

/** Graph's answer for the accountable user, or `unknown` when Graph could not be asked. */
export type AdministratorCheckOutcome = 'administrator' | 'notAdministrator' | 'unknown';

/** Whether pending alerts are sent to the conversation, or recorded as skipped with the reason. */
export type AlertDecision = { readonly send: true } | { readonly send: false; readonly reason: string };

/** The audience of one conversation. */
export function alertAudience(conversation: BotConversation): AlertAudience {
  if (conversation.kind === 'personal') {
    return conversation.ownerUserId === null
      ? { kind: 'nobody', reason: 'ownerUnknown' }
      : { kind: 'administrator', userId: conversation.ownerUserId, since: conversation.installedAt };
  }
  const turnedOn = conversation.channelNotifications;
  if (turnedOn === null) return { kind: 'nobody', reason: 'notTurnedOn' };
  const since = turnedOn.enabledAt > conversation.installedAt ? turnedOn.enabledAt : conversation.installedAt;
  return { kind: 'administrator', userId: turnedOn.enabledBy, since };
}

/** Reasons recorded on skipped deliveries. */
export const ALERT_SKIP_REASONS = {
  notAdministrator: 'not sent: the recipient is not a Global Administrator of the tenant',
  unverified: 'not sent: the recipient could not be shown to be a Global Administrator of the tenant',
} as const;

/**
 * Decides for `userId` (the audience's user) from the fresh outcome, falling back to the last
 * check recorded for the same user when Graph could not answer.
 */
export function alertDecision(
  userId: string,
  outcome: AdministratorCheckOutcome,
  lastCheck: AdministratorCheck | null,
): AlertDecision {
  if (outcome === 'administrator') return { send: true };
  if (outcome === 'notAdministrator') return { send: false, reason: ALERT_SKIP_REASONS.notAdministrator };
  if (lastCheck !== null && lastCheck.userId === userId) {
    return lastCheck.isGlobalAdministrator
      ? { send: true }
      : { send: false, reason: ALERT_SKIP_REASONS.notAdministrator };
  }
  return { send: false, reason: ALERT_SKIP_REASONS.unverified };
}

/** The check to record for a fresh outcome; undefined when Graph could not answer (keep the last one). */
export function administratorCheckOf(
  userId: string,
  outcome: AdministratorCheckOutcome,
  at: string,
): AdministratorCheck | undefined {
  if (outcome === 'unknown') return undefined;
  return { userId, isGlobalAdministrator: outcome === 'administrator', checkedAt: at };
}
