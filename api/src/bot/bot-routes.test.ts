// The bot's own routes over real HTTP: startApi against the in-process emulator (Graph decides
// who is a Global Administrator), a real SQLite store, bot credentials signed like the bot does.
import { randomUUID } from 'node:crypto';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  FABRIKAM_TENANT_ID,
} from '@cas/m365-emulator';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import type { BotConversation, BotConversationKind } from '@cas/core';

let harness: ApiHarness;
const ids: Record<string, string> = {};

/** A fresh bot credential for a Contoso user (one per request, as the bot signs them). */
async function botCredential(upn: string, tenantId = CONTOSO_TENANT_ID): Promise<string> {
  return new SignJWT({ tid: tenantId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('cas-bot')
    .setAudience('cas-api')
    .setSubject(ids[upn] ?? upn)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(Buffer.from(harness.botKey, 'base64'));
}

async function installed(kind: BotConversationKind, tenantId = CONTOSO_TENANT_ID): Promise<BotConversation> {
  const at = new Date().toISOString();
  const conversation: BotConversation = {
    tenantId,
    conversationId: kind === 'personal' ? `a:${randomUUID()}` : `19:${randomUUID()}@thread.tacv2`,
    kind,
    reference: { conversation: { id: 'x' } },
    installedAt: at,
    updatedAt: at,
    ownerUserId: kind === 'personal' ? (ids[CONTOSO_USER_UPN] ?? null) : null,
    channelNotifications: null,
    administratorCheck: null,
  };
  await harness.api.store.conversations.upsert(conversation);
  return conversation;
}

function notify(upn: string, conversationId: string, enabled: boolean) {
  return botCredential(upn).then((credential) =>
    harness.call<{ enabled: boolean; enabledBy: string | null }>(
      'POST',
      '/api/bot/channel-notifications',
      credential,
      { conversationId, enabled },
    ),
  );
}

beforeAll(async () => {
  harness = await startApiHarness();
  for (const upn of [CONTOSO_ADMIN_UPN, CONTOSO_USER_UPN]) {
    const minted = await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/sso-token`, { upn });
    ids[upn] = String((minted.claims as { oid: string }).oid);
  }
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

beforeEach(async () => {
  await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
  await harness.freshApi();
  // Contoso consented to Cloud App Security (the consent flow has its own tests).
  await harness.control(
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
});

describe('GET /api/bot/global-administrator', () => {
  it('answers what Graph says of the user the credential names', async () => {
    const admin = await harness.call(
      'GET',
      '/api/bot/global-administrator',
      await botCredential(CONTOSO_ADMIN_UPN),
    );
    expect(admin).toMatchObject({
      status: 200,
      body: { tenantId: CONTOSO_TENANT_ID, userId: ids[CONTOSO_ADMIN_UPN], isGlobalAdministrator: true },
    });
    const user = await harness.call(
      'GET',
      '/api/bot/global-administrator',
      await botCredential(CONTOSO_USER_UPN),
    );
    expect(user.body).toMatchObject({ isGlobalAdministrator: false });
  });

  it('says it cannot tell (503) when the tenant has no working token, instead of "not an admin"', async () => {
    await harness.control(
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}/revoke-consent`,
      {},
    );
    await harness.freshApi(); // no cached answer from the previous test
    const answer = await harness.call(
      'GET',
      '/api/bot/global-administrator',
      await botCredential(CONTOSO_ADMIN_UPN),
    );
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
      status: 503,
      code: 'role_check_unavailable',
    });
  });
});

describe('POST /api/bot/channel-notifications (notify here / notify off)', () => {
  it('an admin turns alerts on in a channel and off again, each audited with who and when', async () => {
    const channel = await installed('channel');
    const on = await notify(CONTOSO_ADMIN_UPN, channel.conversationId, true);
    expect(on).toMatchObject({ status: 200, body: { enabled: true, enabledBy: ids[CONTOSO_ADMIN_UPN] } });
    expect(
      (await harness.api.store.conversations.get(CONTOSO_TENANT_ID, channel.conversationId))
        ?.channelNotifications,
    ).toMatchObject({ enabledBy: ids[CONTOSO_ADMIN_UPN] });
    // Saying it twice changes nothing and records nothing.
    expect((await notify(CONTOSO_ADMIN_UPN, channel.conversationId, true)).body).toEqual(on.body);
    expect((await notify(CONTOSO_ADMIN_UPN, channel.conversationId, false)).body).toMatchObject({
      enabled: false,
      enabledBy: null,
    });
    const audit = await harness.api.store.audit.list(CONTOSO_TENANT_ID);
    expect(audit.map((event) => [event.action, event.actor])).toEqual([
      [
        'channelNotifications.disabled',
        { kind: 'user', userId: ids[CONTOSO_ADMIN_UPN], userPrincipalName: ids[CONTOSO_ADMIN_UPN] },
      ],
      [
        'channelNotifications.enabled',
        { kind: 'user', userId: ids[CONTOSO_ADMIN_UPN], userPrincipalName: ids[CONTOSO_ADMIN_UPN] },
      ],
    ]);
    expect(audit[1]?.after).toMatchObject({ conversationId: channel.conversationId, kind: 'channel' });
  });

  it('a user who is not a Global Administrator cannot turn alerts on, and nothing changes', async () => {
    const channel = await installed('groupChat');
    const refused = await notify(CONTOSO_USER_UPN, channel.conversationId, true);
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({
      status: 403,
      code: 'global_administrator_required',
    });
    expect(
      (await harness.api.store.conversations.get(CONTOSO_TENANT_ID, channel.conversationId))
        ?.channelNotifications,
    ).toBeNull();
    expect(await harness.api.store.audit.list(CONTOSO_TENANT_ID)).toEqual([]);
  });

  it.each([
    [
      'a personal chat',
      async () => (await installed('personal')).conversationId,
      409,
      'not_a_shared_conversation',
    ],
    [
      'a conversation the bot is not in',
      () => Promise.resolve('19:unknown@thread.tacv2'),
      404,
      'conversation_not_found',
    ],
    [
      "another tenant's channel",
      async () => (await installed('channel', FABRIKAM_TENANT_ID)).conversationId,
      404,
      'conversation_not_found',
    ],
  ])('is refused for %s', async (_name, conversationId, status, code) => {
    const answer = await notify(CONTOSO_ADMIN_UPN, await conversationId(), true);
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status, code });
    expect(await harness.api.store.audit.list(CONTOSO_TENANT_ID)).toEqual([]);
  });
});
