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
import { err, fakeApi, ok, provisioningView, refusal, syncRun } from '../test-support/fake-api.js';
import { tempStore } from '../test-support/temp-store.js';
import { createTurnHandler } from './turn-handler.js';
import type { ActingUser } from '../cas-api/bot-credential.js';
import type { CasApi } from '../cas-api/cas-api-client.js';
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

function adapter(options: { api?: (user: ActingUser) => CasApi } = {}): TestAdapter {
  const logic = createTurnHandler({
    api:
      options.api ??
      ((user) => {
        actors.push(user);
        return api;
      }),
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

async function say(test: TestAdapter, text: string): Promise<Record<string, unknown>> {
  const before = test.activityBuffer.length;
  await test.processActivity({ type: 'message', text });
  const replies = test.activityBuffer.slice(before);
  expect(replies).toHaveLength(1);
  return cardOf(replies[0]);
}

/** Sends an `adaptiveCard/action` invoke and returns the card of the invoke answer. */
async function press(
  test: TestAdapter,
  verb: string,
  options: { data?: Record<string, unknown>; replyToId?: string; trigger?: 'manual' | 'automatic' } = {},
): Promise<Record<string, unknown>> {
  const before = test.activityBuffer.length;
  await test.processActivity({
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: options.replyToId,
    value: {
      action: { type: 'Action.Execute', verb, data: options.data ?? {} },
      trigger: options.trigger ?? 'manual',
    },
  });
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
      extend: ok({
        services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
        syncRuns: [],
        message: 'Protection extended.',
      }),
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
      extend: ok({
        services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
        syncRuns: [],
        message: 'Protection extended.',
      }),
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

  it('extendProtection does not rewrite the card for an automatic refresh', async () => {
    api = fakeApi({ extend: ok({ services: [], syncRuns: [] }) });
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

describe('installations', () => {
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
    const channel = {
      id: '19:channel@thread.tacv2',
      tenantId: TENANT,
      conversationType: 'channel',
      isGroup: true,
      name: 'General',
    };
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
