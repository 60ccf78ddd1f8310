/**
 * Notification delivery over the outbox: the idempotency key every channel sends with, and when a
 * failed delivery is tried again or given up, so the email and Teams deliverers behave alike.
 */
import type { NotificationChannel } from './model.js';

/**
 * The idempotency key of one delivery: `${notificationId}:${channel}:${recipient}`. The email
 * channel derives its Message-ID from it and the bot sends it with its card, so a retry after a
 * crash is recognisable as the same message.
 */
export function notificationDeliveryKey(address: {
  readonly notificationId: string;
  readonly channel: NotificationChannel;
  readonly recipient: string;
}): string {
  return `${address.notificationId}:${address.channel}:${address.recipient}`;
}

/** How deliveries are retried: exponential from `baseMs`, capped at `maxMs`, dead after `maxAttempts`. */
export interface DeliveryRetryPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly maxAttempts: number;
}

/** Default delivery retries: 30 s, 1 min, 2 min … capped at 1 h, at most 10 attempts (about 5 hours). */
export const DEFAULT_DELIVERY_RETRY: DeliveryRetryPolicy = {
  baseMs: 30_000,
  maxMs: 3_600_000,
  maxAttempts: 10,
};

/**
 * When a delivery that failed on attempt `attempts` (1-based) is tried again, as an ISO time; null
 * when that was the last attempt, so the delivery is dead.
 */
export function nextDeliveryAttemptAt(
  attempts: number,
  now: string,
  policy: DeliveryRetryPolicy = DEFAULT_DELIVERY_RETRY,
): string | null {
  if (attempts >= policy.maxAttempts) return null;
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return new Date(Date.parse(now) + delay).toISOString();
}
