/**
 * Proactive delivery of notifications to Teams: the `notifications` table is the outbox, and each
 * (notification, conversation) pair is one delivery on the `teams` channel. Every notification of
 * a tenant goes to its admins' conversations only (R15, core's `alertAudience`): personal chats of
 * Global Administrators and shared conversations an admin turned alerts on in, with the role
 * checked again before sending; a conversation of anyone else gets nothing and the delivery is
 * recorded as skipped. Delivery is at least once and — through the store's claim lease — never by
 * two deliverers at once. Sending honours 429 Retry-After and paces each conversation under
 * Teams' per-conversation limits.
 */
import {
  administratorCheckOf,
  alertAudience,
  alertDecision,
  nextDeliveryAttemptAt,
  notificationDeliveryKey,
} from '@cas/core';
import type { AdaptiveCard } from '../cards/adaptive-card.js';
import type { AdministratorCheck } from '../cas-api/administrator-check.js';
import type {
  BotConversation,
  ConversationReferenceRepository,
  Notification,
  NotificationDeliveryAddress,
  NotificationDeliveryRepository,
} from '@cas/core';

/** How a proactive send went, as the adapter reads the Bot Connector's answer. */
export type SendOutcome =
  | { readonly kind: 'sent' }
  /** 429: wait `retryAfterMs` before sending to this conversation again. */
  | { readonly kind: 'throttled'; readonly retryAfterMs: number }
  /** The bot is no longer in the conversation (403/404): forget it. */
  | { readonly kind: 'gone'; readonly error: string }
  /** Anything else; retried with backoff. */
  | { readonly kind: 'failed'; readonly error: string };

/** Posts a card to a stored conversation; `idempotencyKey` travels with the activity. */
export interface ProactiveSender {
  send(conversation: BotConversation, card: AdaptiveCard, idempotencyKey: string): Promise<SendOutcome>;
}

/** What the delivery loop needs. */
export interface NotificationDeliveryOptions {
  readonly conversations: Pick<
    ConversationReferenceRepository,
    'list' | 'remove' | 'recordAdministratorCheck'
  >;
  readonly deliveries: Pick<
    NotificationDeliveryRepository,
    | 'undelivered'
    | 'claim'
    | 'markDelivered'
    | 'markSkipped'
    | 'markFailed'
    | 'list'
    | 'dueWakeups'
    | 'settleWakeup'
  >;
  /** Asked before sending whether the conversation's accountable user is a Global Administrator. */
  readonly administrators: AdministratorCheck;
  /** Renders a notification's card. */
  readonly render: (notification: Notification) => Promise<AdaptiveCard>;
  readonly sender: ProactiveSender;
  /** Current time. Default the system clock. */
  readonly now?: () => Date;
  /** Waits; tests pass a fake. Default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Least time between two cards to one conversation. Default 1000 ms: Teams allows a bot about 7
   * messages per second and 60 per 30 seconds in one conversation, so one per second stays under both.
   */
  readonly minIntervalMs?: number;
  /** How long a claim holds before another deliverer may retry it. Default 60 s. */
  readonly leaseMs?: number;
  /** Most notifications taken per conversation per pass. Default 20. */
  readonly batchSize?: number;
  /** Conversations served at once. Default 4. */
  readonly concurrency?: number;
  /** Called for failures the loop recovers from (logged by the caller; never includes tokens). */
  readonly onError?: (error: unknown, context: Record<string, unknown>) => void;
}

/** Figures of one delivery pass. */
export interface DeliveryPassResult {
  readonly delivered: number;
  readonly failed: number;
  readonly throttled: number;
  readonly pruned: number;
  /** Deliveries recorded as skipped: the conversation's user is not (shown to be) an admin. */
  readonly skipped: number;
}

/** The delivery loop's handle. */
export interface NotificationDelivery {
  /** One pass over every installed conversation; safe to run from several processes. */
  deliverPending(): Promise<DeliveryPassResult>;
  /** Runs a pass now and then every `intervalMs` until stopped; passes never overlap. */
  start(intervalMs: number): void;
  /** Stops the loop and waits for the running pass. */
  stop(): Promise<void>;
}

/** Creates the Teams delivery loop. */
export function createNotificationDelivery(options: NotificationDeliveryOptions): NotificationDelivery {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const minIntervalMs = options.minIntervalMs ?? 1_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 20;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const onError = options.onError ?? (() => undefined);
  // Per conversation: when the next card may go (pacing and Retry-After), across passes.
  const notBefore = new Map<string, number>();
  // Per tenant served in this pass: the earliest time something it left over is due again.
  const retries = new Map<string, number>();
  const noteRetry = (tenantId: string, at: number) => {
    const known = retries.get(tenantId);
    if (known === undefined || at < known) retries.set(tenantId, at);
  };

  async function failed(
    address: NotificationDeliveryAddress,
    error: string,
    retryAt?: string,
  ): Promise<void> {
    const at = now().toISOString();
    let nextAttemptAt = retryAt ?? null;
    if (retryAt === undefined) {
      const record = (
        await options.deliveries.list(address.tenantId, {
          notificationId: address.notificationId,
          channel: 'teams',
        })
      ).find((one) => one.recipient === address.recipient);
      nextAttemptAt = nextDeliveryAttemptAt(record?.attempts ?? 1, at);
    }
    await options.deliveries.markFailed(address, { at, error, nextAttemptAt });
    if (nextAttemptAt !== null) noteRetry(address.tenantId, Date.parse(nextAttemptAt));
  }

  async function serveConversation(
    conversation: BotConversation,
    totals: Record<keyof DeliveryPassResult, number>,
  ) {
    // Channels nobody turned alerts on in, and chats of unknown owners, cost no query at all.
    const audience = alertAudience(conversation);
    if (audience.kind === 'nobody') return;
    const key = `${conversation.tenantId}\u0000${conversation.conversationId}`;
    const waitUntil = notBefore.get(key) ?? 0;
    if (waitUntil > now().getTime()) {
      noteRetry(conversation.tenantId, waitUntil);
      return;
    }
    const pending = await options.deliveries.undelivered(
      conversation.tenantId,
      'teams',
      conversation.conversationId,
      {
        now: now().toISOString(),
        since: audience.since,
        limit: batchSize,
      },
    );
    if (pending.length === 0) return;
    // A full batch may have more behind it: the next pass continues at once.
    if (pending.length === batchSize) noteRetry(conversation.tenantId, now().getTime());
    // Asked again before every batch: a role removed since the chat was recorded counts. An API
    // that does not answer throws, and the batch waits for the next pass.
    const outcome = await options.administrators(conversation.tenantId, audience.userId);
    const checkedAt = now().toISOString();
    const check = administratorCheckOf(audience.userId, outcome, checkedAt);
    if (check !== undefined) {
      await options.conversations.recordAdministratorCheck(
        conversation.tenantId,
        conversation.conversationId,
        check,
      );
    }
    const decision = alertDecision(audience.userId, outcome, conversation.administratorCheck);
    if (!decision.send) {
      for (const notification of pending) {
        const address: NotificationDeliveryAddress = {
          tenantId: conversation.tenantId,
          notificationId: notification.id,
          channel: 'teams',
          recipient: conversation.conversationId,
        };
        const at = now();
        // Claimed first, so a deliverer that is sending it right now is not overruled.
        const claimed = await options.deliveries.claim(address, {
          now: at.toISOString(),
          leaseUntil: new Date(at.getTime() + leaseMs).toISOString(),
        });
        if (!claimed) {
          noteRetry(conversation.tenantId, at.getTime() + leaseMs);
          continue;
        }
        await options.deliveries.markSkipped(address, { at: at.toISOString(), reason: decision.reason });
        totals.skipped += 1;
      }
      return;
    }
    for (const notification of pending) {
      const address: NotificationDeliveryAddress = {
        tenantId: conversation.tenantId,
        notificationId: notification.id,
        channel: 'teams',
        recipient: conversation.conversationId,
      };
      const wait = (notBefore.get(key) ?? 0) - now().getTime();
      if (wait > 0) await sleep(wait);
      const claimedAt = now();
      const claimed = await options.deliveries.claim(address, {
        now: claimedAt.toISOString(),
        leaseUntil: new Date(claimedAt.getTime() + leaseMs).toISOString(),
      });
      if (!claimed) {
        // Another deliverer holds it: look again when its lease ends, in case it died.
        noteRetry(conversation.tenantId, claimedAt.getTime() + leaseMs);
        continue;
      }
      let outcome: SendOutcome;
      try {
        outcome = await options.sender.send(
          conversation,
          await options.render(notification),
          notificationDeliveryKey(address),
        );
      } catch (error) {
        outcome = { kind: 'failed', error: error instanceof Error ? error.message : String(error) };
      }
      notBefore.set(key, now().getTime() + minIntervalMs);
      if (outcome.kind === 'sent') {
        await options.deliveries.markDelivered(address, now().toISOString());
        totals.delivered += 1;
        continue;
      }
      if (outcome.kind === 'throttled') {
        const retryAt = now().getTime() + Math.max(outcome.retryAfterMs, minIntervalMs);
        notBefore.set(key, retryAt);
        await failed(address, 'Teams answered 429 Too Many Requests', new Date(retryAt).toISOString());
        totals.throttled += 1;
        return; // the rest of this conversation waits for Retry-After
      }
      if (outcome.kind === 'gone') {
        // Teams says the bot left: this delivery can never succeed, and the conversation is pruned.
        await options.deliveries.markFailed(address, {
          at: now().toISOString(),
          error: outcome.error,
          nextAttemptAt: null,
        });
        await options.conversations.remove(conversation.tenantId, conversation.conversationId);
        notBefore.delete(key);
        totals.pruned += 1;
        return;
      }
      onError(new Error(outcome.error), { tenantId: conversation.tenantId, notificationId: notification.id });
      await failed(address, outcome.error);
      totals.failed += 1;
    }
  }

  /**
   * One pass over the tenants woken for Teams (a new notification or conversation, or a retry come
   * due): with nothing new it is one indexed query, whatever the number of tenants and
   * conversations.
   */
  async function deliverPending(): Promise<DeliveryPassResult> {
    const totals = { delivered: 0, failed: 0, throttled: 0, pruned: 0, skipped: 0 };
    const queue = await options.deliveries.dueWakeups('teams', now().toISOString(), 500);
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let wakeup = queue.shift(); wakeup !== undefined; wakeup = queue.shift()) {
        const { tenantId } = wakeup;
        retries.delete(tenantId);
        try {
          for (const conversation of await options.conversations.list(tenantId)) {
            try {
              await serveConversation(conversation, totals);
            } catch (error) {
              onError(error, { tenantId, conversationId: conversation.conversationId });
              noteRetry(tenantId, now().getTime());
            }
          }
        } catch (error) {
          onError(error, { tenantId });
          noteRetry(tenantId, now().getTime());
        }
        const next = retries.get(tenantId);
        retries.delete(tenantId);
        await options.deliveries.settleWakeup(
          tenantId,
          'teams',
          wakeup.version,
          next === undefined ? null : new Date(next).toISOString(),
        );
      }
    });
    await Promise.all(workers);
    return totals;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = true;

  function schedule(intervalMs: number, delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = deliverPending()
        .catch((error: unknown) => onError(error, { phase: 'pass' }))
        .finally(() => schedule(intervalMs, intervalMs));
    }, delayMs);
    timer.unref();
  }

  return {
    deliverPending,
    start(intervalMs) {
      if (!stopped) return;
      stopped = false;
      // The first pass runs at once: what was raised while the bot was down goes out first.
      schedule(intervalMs, 0);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
