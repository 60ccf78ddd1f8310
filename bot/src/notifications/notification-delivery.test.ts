/** The Teams delivery loop over a real SQLite outbox, with a recording sender and a controlled clock. */
import { randomUUID } from 'node:crypto';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noticeCard } from '../cards/notice-card.js';
import { tempStore } from '../test-support/temp-store.js';
import { createNotificationDelivery } from './notification-delivery.js';
import type { NotificationDeliveryOptions, SendOutcome } from './notification-delivery.js';
import type { AdministratorCheckOutcome, BotConversation, Notification } from '@cas/core';

const TENANT = 'tenant-contoso';
const OTHER = 'tenant-fabrikam';
let stored: Awaited<ReturnType<typeof tempStore>>;
let store: DurableStore;
let clock: number;
let sent: { conversationId: string; notification: string; key: string; at: number }[];
let script: (conversation: BotConversation) => SendOutcome;
/** Graph's answer per user for the check before each send; every check asked is recorded. */
let roleOf: (userId: string) => AdministratorCheckOutcome | Promise<AdministratorCheckOutcome>;
let checks: string[];

const iso = (ms: number) => new Date(ms).toISOString();
const ADMIN = 'admin-object-id';
const USER = 'user-object-id';

/** A personal chat of `owner` (a Global Administrator unless the test says otherwise). */
function conversation(
  tenantId: string,
  conversationId: string,
  installedAt = iso(clock),
  overrides: Partial<BotConversation> = {},
): BotConversation {
  return {
    tenantId,
    conversationId,
    kind: 'personal',
    reference: { conversation: { id: conversationId } },
    installedAt,
    updatedAt: installedAt,
    ownerUserId: ADMIN,
    channelNotifications: null,
    administratorCheck: null,
    ...overrides,
  };
}

/** A team channel, alerts off unless the test turns them on. */
function channel(
  tenantId: string,
  conversationId: string,
  overrides: Partial<BotConversation> = {},
): BotConversation {
  return conversation(tenantId, conversationId, iso(clock), {
    kind: 'channel',
    ownerUserId: null,
    ...overrides,
  });
}

async function raise(tenantId: string, message: string): Promise<Notification> {
  const notification: Notification = {
    id: randomUUID(),
    tenantId,
    kind: 'tokenInvalid',
    service: 'exchangeOnline',
    message,
    dedupeKey: `test:${randomUUID()}`,
    createdAt: iso(clock),
    readAt: null,
  };
  await store.notifications.raise(notification);
  clock += 1; // distinct creation times keep the outbox order deterministic
  return notification;
}

function delivery(overrides: Partial<NotificationDeliveryOptions> = {}) {
  return createNotificationDelivery({
    conversations: store.conversations,
    administrators: async (_tenantId, userId) => {
      checks.push(userId);
      return roleOf(userId);
    },
    deliveries: store.notificationDeliveries,
    render: (notification) => Promise.resolve(noticeCard({ title: 't', message: notification.message })),
    sender: {
      async send(target, card, key) {
        const outcome = script(target);
        if (outcome.kind === 'sent') {
          sent.push({
            conversationId: target.conversationId,
            notification: card.fallbackText ?? '',
            key,
            at: clock,
          });
        }
        return outcome;
      },
    },
    now: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
    },
    minIntervalMs: 1_000,
    ...overrides,
  });
}

beforeEach(async () => {
  stored = await tempStore();
  store = stored.store;
  clock = Date.parse('2026-11-27T12:00:00.000Z');
  sent = [];
  script = () => ({ kind: 'sent' });
  roleOf = (userId) => (userId === ADMIN ? 'administrator' : 'notAdministrator');
  checks = [];
});

afterEach(async () => {
  await stored.dispose();
});

describe('notification delivery to Teams', () => {
  it("sends every notification of a tenant to each of its admins' conversations once, with the idempotency key", async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:admin-1'));
    await store.conversations.upsert(conversation(TENANT, 'a:admin-2'));
    await store.conversations.upsert(channel(TENANT, '19:channel'));
    await store.conversations.upsert(conversation(OTHER, 'a:fabrikam'));
    clock += 1_000;
    const alert = await raise(TENANT, 'token invalid');
    const loop = delivery();
    expect(await loop.deliverPending()).toEqual({
      delivered: 2,
      failed: 0,
      throttled: 0,
      pruned: 0,
      skipped: 0,
    });
    // R15: the channel nobody turned alerts on in gets nothing.
    expect(sent.map((one) => [one.conversationId, one.notification]).sort()).toEqual([
      ['a:admin-1', 'token invalid'],
      ['a:admin-2', 'token invalid'],
    ]);
    expect(sent.find((one) => one.conversationId === 'a:admin-1')?.key).toBe(`${alert.id}:teams:a:admin-1`);
    expect(await loop.deliverPending()).toEqual({
      delivered: 0,
      failed: 0,
      throttled: 0,
      pruned: 0,
      skipped: 0,
    });
    expect(sent).toHaveLength(2);
  });

  it("alerts reach admins only: a non-admin's personal chat gets nothing, recorded as skipped and never retried", async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:admin'));
    await store.conversations.upsert(conversation(TENANT, 'a:employee', iso(clock), { ownerUserId: USER }));
    await store.conversations.upsert(
      conversation(TENANT, 'a:unknown-owner', iso(clock), { ownerUserId: null }),
    );
    await store.conversations.upsert(channel(TENANT, '19:team-with-guests'));
    await store.conversations.upsert(
      conversation(TENANT, '19:group-chat', iso(clock), { kind: 'groupChat', ownerUserId: null }),
    );
    clock += 1_000;
    const alert = await raise(TENANT, 'token invalid');
    const loop = delivery();
    expect(await loop.deliverPending()).toMatchObject({ delivered: 1, skipped: 1 });
    expect(sent.map((one) => one.conversationId)).toEqual(['a:admin']);
    const records = await store.notificationDeliveries.list(TENANT, { notificationId: alert.id });
    expect(records.map((one) => [one.recipient, one.status, one.lastError])).toEqual([
      ['a:admin', 'delivered', null],
      ['a:employee', 'skipped', 'not sent: the recipient is not a Global Administrator of the tenant'],
    ]);
    // The employee's role is checked once per pending alert batch, not on every pass forever.
    const checked = checks.length;
    clock += 60_000;
    expect(await loop.deliverPending()).toMatchObject({ delivered: 0, skipped: 0 });
    expect(checks).toHaveLength(checked);
    // Whether the chat is a non-admin's was also recorded on the conversation.
    expect((await store.conversations.get(TENANT, 'a:employee'))?.administratorCheck).toMatchObject({
      userId: USER,
      isGlobalAdministrator: false,
    });
  });

  it('a team channel gets alerts only after an admin turned them on there, from that moment on', async () => {
    await store.conversations.upsert(channel(TENANT, '19:security'));
    clock += 1_000;
    await raise(TENANT, 'before notify here');
    clock += 1_000;
    await store.conversations.setChannelNotifications(TENANT, '19:security', {
      enabledBy: ADMIN,
      enabledAt: iso(clock),
    });
    clock += 1_000;
    await raise(TENANT, 'after notify here');
    await delivery().deliverPending();
    expect(sent.map((one) => [one.conversationId, one.notification])).toEqual([
      ['19:security', 'after notify here'],
    ]);
    expect(checks).toEqual([ADMIN]);
  });

  it('a channel whose admin has lost the role gets nothing more', async () => {
    await store.conversations.upsert(
      channel(TENANT, '19:security', { channelNotifications: { enabledBy: USER, enabledAt: iso(clock) } }),
    );
    clock += 1_000;
    await raise(TENANT, 'one');
    expect(await delivery().deliverPending()).toMatchObject({ delivered: 0, skipped: 1 });
    expect(sent).toEqual([]);
  });

  it('the role is checked again before sending: an admin who lost it gets nothing more', async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:admin'));
    clock += 1_000;
    await raise(TENANT, 'while admin');
    const loop = delivery();
    await loop.deliverPending();
    roleOf = () => 'notAdministrator';
    clock += 1_000;
    await raise(TENANT, 'after demotion');
    expect(await loop.deliverPending()).toMatchObject({ delivered: 0, skipped: 1 });
    expect(sent.map((one) => one.notification)).toEqual(['while admin']);
  });

  it('when Graph cannot tell (the token is the incident), the last recorded answer stands', async () => {
    const known = { userId: ADMIN, isGlobalAdministrator: true, checkedAt: iso(clock) };
    await store.conversations.upsert(
      conversation(TENANT, 'a:known-admin', iso(clock), { administratorCheck: known }),
    );
    await store.conversations.upsert(conversation(TENANT, 'a:never-checked'));
    clock += 1_000;
    await raise(TENANT, 'token invalid');
    roleOf = () => 'unknown';
    expect(await delivery().deliverPending()).toMatchObject({ delivered: 1, skipped: 1 });
    expect(sent.map((one) => one.conversationId)).toEqual(['a:known-admin']);
    const [skipped] = (await store.notificationDeliveries.list(TENANT)).filter(
      (one) => one.status === 'skipped',
    );
    expect(skipped).toMatchObject({
      recipient: 'a:never-checked',
      lastError: 'not sent: the recipient could not be shown to be a Global Administrator of the tenant',
    });
  });

  it('an API that does not answer the role check leaves the alerts pending for a later pass', async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:admin'));
    clock += 1_000;
    await raise(TENANT, 'one');
    roleOf = () => Promise.reject(new Error('GET /api/bot/global-administrator did not answer'));
    const errors: unknown[] = [];
    const loop = delivery({ onError: (error) => errors.push(error) });
    expect(await loop.deliverPending()).toMatchObject({ delivered: 0, skipped: 0 });
    expect(errors).toHaveLength(1);
    expect(await store.notificationDeliveries.list(TENANT)).toEqual([]);
    roleOf = () => 'administrator';
    expect(await loop.deliverPending()).toMatchObject({ delivered: 1 });
  });

  it('delivers what was raised while the bot was down, but nothing from before it was installed', async () => {
    await raise(TENANT, 'before install');
    clock += 1_000;
    await store.conversations.upsert(conversation(TENANT, 'a:admin-1'));
    clock += 1_000;
    await raise(TENANT, 'while down 1');
    await raise(TENANT, 'while down 2');
    await delivery().deliverPending();
    expect(sent.map((one) => one.notification)).toEqual(['while down 1', 'while down 2']);
  });

  it('never sends one card twice when two bot processes deliver at once', async () => {
    for (const id of ['a:1', 'a:2', 'a:3']) await store.conversations.upsert(conversation(TENANT, id));
    clock += 1_000;
    for (const message of ['one', 'two', 'three', 'four']) await raise(TENANT, message);
    const first = delivery({ sleep: () => new Promise((resolve) => setTimeout(resolve, 1)) });
    const second = delivery({ sleep: () => new Promise((resolve) => setTimeout(resolve, 1)) });
    await Promise.all([first.deliverPending(), second.deliverPending(), first.deliverPending()]);
    expect(sent).toHaveLength(12);
    expect(new Set(sent.map((one) => one.key)).size).toBe(12);
  });

  it('paces cards to one conversation at least a second apart', async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:1'));
    clock += 1_000;
    for (const message of ['one', 'two', 'three']) await raise(TENANT, message);
    await delivery().deliverPending();
    const times = sent.map((one) => one.at);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_000);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1_000);
  });

  it('honours 429 Retry-After: the conversation waits, then gets the card', async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:1'));
    clock += 1_000;
    await raise(TENANT, 'one');
    await raise(TENANT, 'two');
    script = () => ({ kind: 'throttled', retryAfterMs: 30_000 });
    const loop = delivery();
    expect(await loop.deliverPending()).toMatchObject({ delivered: 0, throttled: 1 });
    script = () => ({ kind: 'sent' });
    clock += 10_000;
    expect(await loop.deliverPending()).toMatchObject({ delivered: 0 });
    clock += 21_000;
    expect(await loop.deliverPending()).toMatchObject({ delivered: 2 });
    expect(sent.map((one) => one.notification)).toEqual(['one', 'two']);
  });

  it('retries a failed send with backoff and records the error', async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:1'));
    clock += 1_000;
    const alert = await raise(TENANT, 'one');
    script = () => ({ kind: 'failed', error: '502: Bad Gateway' });
    const loop = delivery();
    expect(await loop.deliverPending()).toMatchObject({ failed: 1 });
    const [record] = await store.notificationDeliveries.list(TENANT, { notificationId: alert.id });
    expect(record).toMatchObject({ status: 'failed', lastError: '502: Bad Gateway', attempts: 1 });
    script = () => ({ kind: 'sent' });
    expect(await loop.deliverPending()).toMatchObject({ delivered: 0 });
    clock = Date.parse(record?.nextAttemptAt ?? '') + 1;
    expect(await loop.deliverPending()).toMatchObject({ delivered: 1 });
  });

  it('forgets a conversation Teams says the bot is no longer in', async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:gone'));
    await store.conversations.upsert(conversation(TENANT, 'a:stays'));
    clock += 1_000;
    await raise(TENANT, 'one');
    script = (target) =>
      target.conversationId === 'a:gone'
        ? { kind: 'gone', error: '403: BotNotInConversationRoster' }
        : { kind: 'sent' };
    expect(await delivery().deliverPending()).toMatchObject({ delivered: 1, pruned: 1 });
    expect((await store.conversations.list(TENANT)).map((one) => one.conversationId)).toEqual(['a:stays']);
  });

  it('runs on a timer from start until stop', async () => {
    await store.conversations.upsert(conversation(TENANT, 'a:1'));
    clock += 1_000;
    await raise(TENANT, 'one');
    const loop = delivery({ now: () => new Date(clock), sleep: () => Promise.resolve() });
    loop.start(60_000);
    for (let waited = 0; sent.length === 0 && waited < 2_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await loop.stop();
    expect(sent.map((one) => one.notification)).toEqual(['one']);
  });
});

describe('woken by new notifications, not by every conversation', () => {
  it('an idle pass over many tenants and conversations costs one query; a new notification wakes its tenant only', async () => {
    for (let index = 0; index < 30; index++) {
      await store.conversations.upsert(conversation(`tenant-idle-${index}`, `a:idle-${index}`));
      await store.conversations.upsert(conversation(`tenant-idle-${index}`, `b:idle-${index}`));
    }
    clock += 1_000;
    const queries: string[] = [];
    const counting = await createStore({
      dataDir: stored.dataDir,
      encryptionKey: SecretCipher.generateKey(),
      onQuery: (text) => queries.push(text),
    });
    try {
      const loop = delivery({
        conversations: counting.conversations,
        deliveries: counting.notificationDeliveries,
      });
      // The first pass serves the conversations recorded (each may be owed earlier alerts).
      await loop.deliverPending();
      queries.length = 0;
      expect(await loop.deliverPending()).toMatchObject({ delivered: 0 });
      expect(queries).toHaveLength(1);
      await raise('tenant-idle-7', 'only this tenant');
      queries.length = 0;
      expect(await loop.deliverPending()).toMatchObject({ delivered: 2 });
      expect(sent.map((one) => one.conversationId).sort()).toEqual(['a:idle-7', 'b:idle-7']);
      // Work for the woken tenant only: a fixed handful of statements, not one per conversation
      // of the 30 other tenants.
      expect(queries.length).toBeLessThan(30);
      queries.length = 0;
      await loop.deliverPending();
      expect(queries).toHaveLength(1);
    } finally {
      await counting.close();
    }
  });
});
