/**
 * The bot's turns through botbuilder's TestAdapter: every command and card action, installations
 * and refusals. The API is scripted (a unit test of the bot); conversations use a real SQLite store.
 */
import { EXTEND_OFFER_TEXT } from '@cas/core';
import { TestAdapter } from 'botbuilder';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tabLinks } from '../cards/tab-links.js';
import { CasApiError } from '../cas-api/cas-api-error.js';
import { cardProblems, cardText, executeVerbs } from '../test-support/card-validation.js';
import {
  err,
  extendResult,
  fakeApi,
  ok,
  provisioningView,
  refusal,
  syncRun,
} from '../test-support/fake-api.js';
import { tempStore } from '../test-support/temp-store.js';
import { createTurnHandler } from './turn-handler.js';
import type { ActingUser } from '../cas-api/bot-credential.js';
import type { CasApi } from '../cas-api/cas-api-client.js';
import type { AdministratorCheckOutcome } from '@cas/core';
import type { DurableStore } from '@cas/store';
import type { Activity, ConversationReference } from 'botbuilder';

const TENANT = 'a5c0c3f2-3c6e-4e0a-9c1e-2f4b6a8d0c11';
const reference: ConversationReference = {
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  conversation: {
    id: 'a:personal-1',
    tenantId: TENANT,
    conversationType: 'personal',
    isGroup: false,
    name: '',
  },
  user: { id: '29:user', aadObjectId: 'admin-object-id', name: 'Alex Wilber' },
  bot: { id: '28:bot', name: 'Cloud App Security' },
};

let stored: Awaited<ReturnType<typeof tempStore>>;
let store: DurableStore;
let api: ReturnType<typeof fakeApi>;
let actors: ActingUser[];
/** Graph's answer per user for the bot's administrator checks; every check asked is recorded. */
let roleOf: (userId: string) => AdministratorCheckOutcome;
let checks: { tenantId: string; userId: string }[];

const CHANNEL = {
  id: '19:channel@thread.tacv2',
  tenantId: TENANT,
  conversationType: 'channel',
  isGroup: true,
  name: 'General',
};

function adapter(options: { api?: (user: ActingUser) => CasApi } = {}): TestAdapter {
  const logic = createTurnHandler({
    api:
      options.api ??
      ((user) => {
        actors.push(user);
        return api;
      }),
    administrators: (tenantId, userId) => {
      checks.push({ tenantId, userId });
      return Promise.resolve(roleOf(userId));
    },
    conversations: store.conversations,
    links: tabLinks('teams-app-id'),
    logger: pino({ level: 'silent' }),
    now: () => new Date('2026-11-27T12:00:00.000Z'),
  });
  return new TestAdapter(logic, undefined, false);
}

function withReference(test: TestAdapter): TestAdapter {
  (test as unknown as { conversation: ConversationReference }).conversation = reference;
  return test;
}

/** The card of a message activity. */
function cardOf(activity: Partial<Activity> | undefined): Record<string, unknown> {
  expect(activity?.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  const card = activity?.attachments?.[0]?.content as Record<string, unknown>;
  expect(cardProblems(card)).toEqual([]);
  return card;
}

async function say(
  test: TestAdapter,
  text: string,
  activity: Partial<Activity> = {},
): Promise<Record<string, unknown>> {
  const before = test.activityBuffer.length;
  await test.processActivity({ type: 'message', text, ...activity });
  const replies = test.activityBuffer.slice(before);
  expect(replies).toHaveLength(1);
  return cardOf(replies[0]);
}

interface PressOptions {
  data?: Record<string, unknown>;
  replyToId?: string;
  trigger?: 'manual' | 'automatic';
  conversation?: Partial<Activity>['conversation'];
}

/** Sends an `adaptiveCard/action` invoke and returns the invoke answer's body. */
async function invoke(test: TestAdapter, verb: string, options: PressOptions = {}): Promise<unknown> {
  const before = test.activityBuffer.length;
  await test.processActivity({
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: options.replyToId,
    ...(options.conversation !== undefined ? { conversation: options.conversation } : {}),
    value: {
      action: { type: 'Action.Execute', verb, data: options.data ?? {} },
      trigger: options.trigger ?? 'manual',
    },
  });
  const answer = test.activityBuffer.slice(before).find((activity) => activity.type === 'invokeResponse');
  expect(answer?.value).toMatchObject({ status: 200 });
  return (answer?.value as { body: unknown }).body;
}

/** Sends an `adaptiveCard/action` invoke and returns the card of the invoke answer. */
async function press(
  test: TestAdapter,
  verb: string,
  options: PressOptions = {},
): Promise<Record<string, unknown>> {
  const before = test.activityBuffer.length;
  await invoke(test, verb, options);
  const answer = test.activityBuffer.slice(before).find((activity) => activity.type === 'invokeResponse');
  expect(answer?.value).toMatchObject({
    status: 200,
    body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' },
  });
  const card = (answer?.value as { body: { value: Record<string, unknown> } }).body.value;
  expect(cardProblems(card)).toEqual([]);
  return card;
}

beforeEach(async () => {
  stored = await tempStore();
  store = stored.store;
  api = fakeApi({});
  actors = [];
  checks = [];
  roleOf = () => 'administrator';
});

afterEach(async () => {
  await stored.dispose();
});

describe('commands', () => {
  it('status: reads the dashboard for the Teams user of this tenant and answers the status card', async () => {
    api = fakeApi({ provisioning: ok(provisioningView('allUsersAndGroups')) });
    const test = withReference(adapter());
    const card = await say(test, 'status');
    expect(cardText(card)).toContain('Cloud App Security status');
    expect(actors).toEqual([{ tenantId: TENANT, userId: 'admin-object-id', name: 'Alex Wilber' }]);
    expect(api.calls).toEqual(['provisioning']);
  });

  it('sync: answers the queued runs with their figures', async () => {
    api = fakeApi({ sync: ok({ syncRuns: [syncRun(), syncRun({ id: 'run-2', service: 'oneDrive' })] }) });
    const card = await say(withReference(adapter()), '<at>Cloud App Security</at> SYNC ');
    expect(cardText(card)).toContain('Synchronization started');
    expect(cardText(card)).toContain('OneDrive');
  });

  it('sync in selected mode: refused with the reason and an Extend offer (R3)', async () => {
    api = fakeApi({
      sync: err(
        refusal(
          409,
          'manual_sync_not_allowed',
          'Exchange Online synchronizes selected users: no manual synchronization.',
          { reason: 'sync_selected_users' },
        ),
      ),
      provisioning: ok(provisioningView('selectedUsers')),
    });
    const card = await say(withReference(adapter()), 'sync');
    expect(cardText(card)).toContain(
      'Exchange Online synchronizes selected users: no manual synchronization.',
    );
    expect(cardText(card)).toContain(EXTEND_OFFER_TEXT);
    expect(executeVerbs(card)).toEqual(['extendProtection']);
  });

  it('extend: extends protection like the button', async () => {
    api = fakeApi({
      extend: ok(extendResult(['exchangeOnline', 'sharePointOnline', 'oneDrive'])),
    });
    const card = await say(withReference(adapter()), 'extend');
    expect(cardText(card)).toContain('All targets protected');
    expect(api.calls).toEqual(['extend']);
  });

  it('extend when everything is protected already: the API reason, no retry button', async () => {
    api = fakeApi({
      extend: err(refusal(409, 'extend_not_applicable', 'All users and groups are already protected.')),
    });
    const card = await say(withReference(adapter()), 'extend');
    expect(cardText(card)).toContain('All users and groups are already protected.');
    expect(executeVerbs(card)).toEqual([]);
  });

  it.each(['help', 'hello', ''])('answers %j with help', async (text) => {
    const card = await say(withReference(adapter()), text);
    for (const command of ['sync', 'status', 'extend', 'help']) expect(cardText(card)).toContain(command);
    expect(api.calls).toEqual([]);
  });

  it('a non-admin is told who may act', async () => {
    api = fakeApi({ extend: err(refusal(403, 'forbidden', 'Global Administrator required.')) });
    const card = await say(withReference(adapter()), 'extend');
    expect(cardText(card)).toContain('Only a Global Administrator of this tenant can do this.');
  });

  it('throttling by the API says when to try again', async () => {
    api = fakeApi({
      provisioning: err(refusal(429, 'rate_limited', 'Too many requests.', { retryAfterSeconds: 12 })),
    });
    const card = await say(withReference(adapter()), 'status');
    expect(cardText(card)).toContain('Try again in 12 seconds.');
  });

  it('an API that does not answer gives a card that says so, without internals', async () => {
    api = fakeApi({
      provisioning: () => Promise.reject(new CasApiError('GET /api/provisioning did not answer')),
    });
    const card = await say(withReference(adapter()), 'status');
    expect(cardText(card)).toContain('Cloud App Security is not reachable');
    expect(cardText(card)).not.toContain('/api/provisioning');
  });

  it('a message without a Teams user identity is not sent to the API', async () => {
    const test = withReference(adapter());
    await test.processActivity({ type: 'message', text: 'status', from: { id: 'someone', name: 'x' } });
    expect(test.activityBuffer.at(-1)?.text).toContain('signed-in Microsoft Teams user');
    expect(api.calls).toEqual([]);
  });
});

describe('card actions', () => {
  it('extendProtection: shows Extending… in place, calls the API as the presser, returns All targets protected', async () => {
    api = fakeApi({
      sync: err(refusal(409, 'manual_sync_not_allowed', 'No manual synchronization with selected users.')),
      provisioning: ok(provisioningView('selectedUsers')),
      extend: ok(extendResult(['exchangeOnline', 'sharePointOnline', 'oneDrive'])),
    });
    const test = withReference(adapter());
    await say(test, 'sync');
    const offered = test.activityBuffer.at(-1);
    let progress: string | undefined;
    const original = test.updateActivity.bind(test);
    test.updateActivity = async (context, activity) => {
      progress = cardText(activity.attachments?.[0]?.content);
      return original(context, activity);
    };
    const card = await press(test, 'extendProtection', { replyToId: offered?.id });
    expect(progress).toContain('Extending…');
    expect(cardText(card)).toContain('All targets protected');
    expect(api.calls.at(-1)).toBe('extend');
    expect(actors.at(-1)?.userId).toBe('admin-object-id');
  });

  it('extendProtection by a user who is not a Global Administrator: a private refusal, the card stays for everyone', async () => {
    roleOf = () => 'notAdministrator';
    api = fakeApi({ extend: ok(extendResult(['exchangeOnline'])) });
    const test = withReference(adapter());
    let updated = false;
    test.updateActivity = async () => {
      updated = true;
    };
    const body = await invoke(test, 'extendProtection', { replyToId: 'offer-1' });
    expect(updated).toBe(false);
    // A message answer: Teams shows it to the presser only and leaves the card as it is.
    expect(body).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringContaining('Only a Global Administrator'),
    });
    expect(api.calls).not.toContain('extend');
  });

  it('extendProtection does not rewrite the card for an automatic refresh', async () => {
    api = fakeApi({ extend: ok(extendResult([])) });
    const test = withReference(adapter());
    let updated = false;
    test.updateActivity = async () => {
      updated = true;
    };
    await press(test, 'extendProtection', { replyToId: 'x', trigger: 'automatic' });
    expect(updated).toBe(false);
  });

  it('syncNow: starts a synchronization', async () => {
    api = fakeApi({ sync: ok({ syncRuns: [syncRun()] }) });
    const card = await press(withReference(adapter()), 'syncNow');
    expect(cardText(card)).toContain('Synchronization started');
  });

  it('refreshStatus: re-reads the status for the viewer (the card refresh)', async () => {
    api = fakeApi({ provisioning: ok(provisioningView('selectedUsers')) });
    const card = await press(withReference(adapter()), 'refreshStatus', { trigger: 'automatic' });
    expect(cardText(card)).toContain('Cloud App Security status');
    expect((card.refresh as { action: { verb: string } }).action.verb).toBe('refreshStatus');
  });

  it('refreshSyncRuns: shows the final figures of the runs on the card', async () => {
    api = fakeApi({
      syncRuns: ok([
        syncRun({ id: 'other' }),
        syncRun({
          id: 'run-1',
          status: 'succeeded',
          startedAt: '2026-11-27T12:00:00.000Z',
          finishedAt: '2026-11-27T12:00:30.000Z',
          added: 42,
        }),
      ]),
    });
    const card = await press(withReference(adapter()), 'refreshSyncRuns', { data: { runIds: ['run-1'] } });
    expect(cardText(card)).toContain('Synchronization finished');
    expect(cardText(card)).toContain('42');
    expect(card.refresh).toBeUndefined();
  });

  it('an unknown verb (an old card) says the card is out of date', async () => {
    const card = await press(withReference(adapter()), 'launchRockets');
    expect(cardText(card)).toContain('out of date');
    expect(api.calls).toEqual([]);
  });

  it('other invokes are answered 501 instead of timing out', async () => {
    const test = withReference(adapter());
    await test.processActivity({ type: 'invoke', name: 'composeExtension/query', value: {} });
    expect(test.activityBuffer.at(-1)).toMatchObject({ type: 'invokeResponse', value: { status: 501 } });
  });
});

describe('alerts in shared conversations (notify here / notify off)', () => {
  it('notify here in a team channel: an admin turns the tenant’s alerts on there', async () => {
    api = fakeApi({
      setChannelNotifications: ok({
        conversationId: CHANNEL.id,
        enabled: true,
        enabledBy: 'admin-object-id',
        enabledAt: '2026-11-27T12:00:00.000Z',
      }),
    });
    const card = await say(withReference(adapter()), '<at>Cloud App Security</at> notify here', {
      conversation: CHANNEL,
    });
    expect(cardText(card)).toContain('Alerts will be posted in this conversation');
    expect(executeVerbs(card)).toEqual(['channelNotifications']);
    expect(api.calls).toEqual(['setChannelNotifications']);
    expect(api.channelNotificationRequests).toEqual([{ conversationId: CHANNEL.id, enabled: true }]);
  });

  it('notify here in a thread of a channel turns alerts on for the channel itself', async () => {
    api = fakeApi({
      setChannelNotifications: ok({
        conversationId: CHANNEL.id,
        enabled: true,
        enabledBy: 'admin-object-id',
        enabledAt: '2026-11-27T12:00:00.000Z',
      }),
    });
    const test = withReference(adapter());
    await test.processActivity({
      type: 'conversationUpdate',
      conversation: CHANNEL,
      membersAdded: [{ id: '28:bot', name: 'bot' }],
    });
    // Teams names a channel post `<channel id>;messageid=<id>`.
    await say(test, 'notify here', {
      conversation: { ...CHANNEL, id: `${CHANNEL.id};messageid=1700000000000` },
    });
    expect(api.channelNotificationRequests).toEqual([{ conversationId: CHANNEL.id, enabled: true }]);
    const conversations = await store.conversations.list(TENANT);
    expect(
      conversations.map((one) => [one.conversationId, (one.reference.conversation as { id: string }).id]),
    ).toEqual([[CHANNEL.id, CHANNEL.id]]);
  });

  it('notify off in a team channel turns them off', async () => {
    api = fakeApi({
      setChannelNotifications: ok({
        conversationId: CHANNEL.id,
        enabled: false,
        enabledBy: null,
        enabledAt: null,
      }),
    });
    const card = await say(withReference(adapter()), 'notify off', { conversation: CHANNEL });
    expect(cardText(card)).toContain('No alerts will be posted in this conversation');
    expect(api.channelNotificationRequests).toEqual([{ conversationId: CHANNEL.id, enabled: false }]);
  });

  it('the button on that card turns them off (card action)', async () => {
    api = fakeApi({
      setChannelNotifications: ok({
        conversationId: CHANNEL.id,
        enabled: false,
        enabledBy: null,
        enabledAt: null,
      }),
    });
    const test = withReference(adapter());
    await test.processActivity({
      type: 'conversationUpdate',
      conversation: CHANNEL,
      membersAdded: [{ id: '28:bot', name: 'bot' }],
    });
    const card = await press(test, 'channelNotifications', {
      data: { enabled: false },
      conversation: CHANNEL,
    });
    expect(cardText(card)).toContain('No alerts will be posted in this conversation');
    expect(api.channelNotificationRequests).toEqual([{ conversationId: CHANNEL.id, enabled: false }]);
  });

  it('notify here by a user who is not a Global Administrator is refused', async () => {
    api = fakeApi({
      setChannelNotifications: err(
        refusal(403, 'global_administrator_required', 'Only a Global Administrator…'),
      ),
    });
    const card = await say(withReference(adapter()), 'notify here', { conversation: CHANNEL });
    expect(cardText(card)).toContain('Only a Global Administrator of this tenant can do this.');
  });

  it('notify here in a personal chat explains that alerts come here already, for admins', async () => {
    const card = await say(withReference(adapter()), 'notify here');
    expect(cardText(card)).toContain('personal chat');
    expect(api.calls).toEqual([]);
  });
});

describe('installations', () => {
  it('installing the bot in a personal chat records who it belongs to and whether they are a Global Administrator', async () => {
    const test = withReference(adapter());
    await test.processActivity({ type: 'installationUpdate', action: 'add' });
    const [conversation] = await store.conversations.list(TENANT);
    expect(conversation).toMatchObject({
      kind: 'personal',
      ownerUserId: 'admin-object-id',
      channelNotifications: null,
      administratorCheck: {
        userId: 'admin-object-id',
        isGlobalAdministrator: true,
        checkedAt: '2026-11-27T12:00:00.000Z',
      },
    });
    expect(checks).toEqual([{ tenantId: TENANT, userId: 'admin-object-id' }]);
    // Later activities there do not ask again: the check before each alert does.
    await say(test, 'help');
    expect(checks).toHaveLength(1);
  });

  it('a personal chat of a user who is not an admin is recorded as such; a channel records no owner', async () => {
    roleOf = () => 'notAdministrator';
    const test = withReference(adapter());
    await test.processActivity({ type: 'installationUpdate', action: 'add' });
    await test.processActivity({
      type: 'conversationUpdate',
      conversation: CHANNEL,
      membersAdded: [{ id: '28:bot', name: 'bot' }],
    });
    const conversations = await store.conversations.list(TENANT);
    expect(
      conversations.map((one) => [
        one.kind,
        one.ownerUserId,
        one.administratorCheck?.isGlobalAdministrator ?? null,
      ]),
    ).toEqual([
      ['channel', null, null],
      ['personal', 'admin-object-id', false],
    ]);
  });

  it('when Graph cannot tell at installation, nothing is recorded and the check before each alert decides', async () => {
    roleOf = () => 'unknown';
    await withReference(adapter()).processActivity({ type: 'installationUpdate', action: 'add' });
    const [conversation] = await store.conversations.list(TENANT);
    expect(conversation).toMatchObject({ ownerUserId: 'admin-object-id', administratorCheck: null });
  });

  it('keeps the conversation reference on install, says hello once, and forgets it on uninstall', async () => {
    const test = withReference(adapter());
    await test.processActivity({ type: 'installationUpdate', action: 'add' });
    const [conversation] = await store.conversations.list(TENANT);
    expect(conversation).toMatchObject({
      tenantId: TENANT,
      conversationId: 'a:personal-1',
      kind: 'personal',
      installedAt: '2026-11-27T12:00:00.000Z',
      reference: {
        serviceUrl: reference.serviceUrl,
        conversation: { id: 'a:personal-1' },
        bot: { id: '28:bot' },
      },
    });
    expect(conversation?.reference).not.toHaveProperty('user');
    expect(cardText(cardOf(test.activityBuffer.at(-1)))).toContain('Type one of these commands');
    await test.processActivity({ type: 'installationUpdate', action: 'remove' });
    expect(await store.conversations.list(TENANT)).toEqual([]);
  });

  it('keeps team channels and prunes them when the bot is removed from the team', async () => {
    const test = withReference(adapter());
    const channel = CHANNEL;
    await test.processActivity({
      type: 'conversationUpdate',
      conversation: channel,
      membersAdded: [{ id: '28:bot', name: 'bot' }],
    });
    expect((await store.conversations.list(TENANT)).map((one) => one.kind)).toEqual(['channel']);
    await test.processActivity({
      type: 'conversationUpdate',
      conversation: channel,
      membersRemoved: [{ id: '29:someone', name: 'x' }],
    });
    expect(await store.conversations.list(TENANT)).toHaveLength(1);
    await test.processActivity({
      type: 'conversationUpdate',
      conversation: channel,
      membersRemoved: [{ id: '28:bot', name: 'bot' }],
    });
    expect(await store.conversations.list(TENANT)).toEqual([]);
  });

  it('records a conversation whose install it missed when a message arrives there', async () => {
    api = fakeApi({});
    await say(withReference(adapter()), 'help');
    expect((await store.conversations.list(TENANT)).map((one) => one.conversationId)).toEqual([
      'a:personal-1',
    ]);
  });
});
