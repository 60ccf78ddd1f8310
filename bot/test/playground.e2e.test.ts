/**
 * End to end through the Microsoft 365 Agents Playground: the real bot, API and worker as
 * processes, the Microsoft 365 emulator in process, one SQLite database shared by all of them, and
 * the Playground (offline, no browser) playing Contoso's Global Administrator in a personal chat
 * and a team channel. A second local client plays a Contoso employee (not an admin) in a personal
 * chat of their own, so the test sees who gets alerts (R15). The worker's mail goes to its local
 * capture, read through the capture's viewer.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning, EXTEND_OFFER_TEXT, SERVICE_IDS } from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  startEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { createStore } from '@cas/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTeamsChat } from '../e2e/local-teams-chat.js';
import { PlaygroundClient } from '../e2e/playground-client.js';
import { freePorts, startNodeProcess } from '../e2e/processes.js';
import { cardProblems, cardText, executeVerbs } from '../src/test-support/card-validation.js';
import type { PlaygroundMessage } from '../e2e/playground-client.js';
import type { RunningProcess } from '../e2e/processes.js';
import type { ServiceAccount, ServiceId, TenantProvisioning } from '@cas/core';
import type { RunningEmulator } from '@cas/m365-emulator';
import type { DurableStore } from '@cas/store';

let workDir: string;
let emulator: RunningEmulator;
let store: DurableStore;
let api: RunningProcess;
let worker: RunningProcess;
let bot: RunningProcess;
let playground: PlaygroundClient;
let mailViewer: string;
let employeeChat: LocalTeamsChat;

/** The team channel of the Playground's configuration (bot/e2e/playground-config.ts). */
const CHANNEL = 'channel-id';
/** True for the channel and its threads (`channel-id;messageid=…`, as Teams names posts). */
const inChannel = (conversationId: string): boolean => conversationId.split(';')[0] === CHANNEL;

const key = randomBytes(32).toString('base64');
/** A second Global Administrator of Contoso, who consented to SharePoint Online: email goes to both. */
const SECOND_ADMIN_UPN = 'second.admin@contoso.onmicrosoft.com';
const principal = `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`;

/** Waits until `check` gives a value other than undefined (polled), or fails with `what`. */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Captured token health mail (R9) as "recipient subject", sorted; sync mail is not counted. */
async function capturedMail(): Promise<string[]> {
  const response = await fetch(`${mailViewer}/messages.json`);
  const mails = (await response.json()) as { to: string; subject: string }[];
  return mails
    .filter((mail) => /access token/i.test(mail.subject))
    .map((mail) => `${mail.to} ${mail.subject}`)
    .sort();
}

/** Contoso as it is after Done on Exchange Online with selected users (R1–R3 apply). */
function selectedUsersProvisioning(adminId: string): TenantProvisioning {
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const base = emptyProvisioning(CONTOSO_TENANT_ID);
  const account = (service: ServiceId): ServiceAccount => ({
    ...base.services[service],
    status: 'protected',
    consents: [
      {
        step: 'microsoftGraph',
        grantedAt: at,
        grantedBy:
          service === 'sharePointOnline'
            ? { kind: 'user', userId: randomUUID(), userPrincipalName: SECOND_ADMIN_UPN }
            : { kind: 'user', userId: adminId, userPrincipalName: CONTOSO_ADMIN_UPN },
        roles: [
          'User.Read.All',
          'GroupMember.Read.All',
          'Mail.ReadWrite',
          'Sites.Read.All',
          'Files.Read.All',
          'RoleManagement.Read.Directory',
        ],
      },
    ],
    scope: 'selectedUsers',
    targets: [
      {
        userId: adminId,
        userPrincipalName: CONTOSO_ADMIN_UPN,
        displayName: 'Contoso Admin',
        source: { kind: 'user' },
      },
    ],
    protectedAt: at,
    lastVerifiedAt: at,
  });
  return {
    ...base,
    services: Object.fromEntries(SERVICE_IDS.map((service) => [service, account(service)])) as Record<
      ServiceId,
      ServiceAccount
    >,
  };
}

function firstCard(message: PlaygroundMessage): Record<string, unknown> {
  const card = message.cards[0];
  if (card === undefined) throw new Error(`message ${message.messageId} has no card`);
  expect(cardProblems(card)).toEqual([]);
  return card;
}

const withText = (words: string) => (message: PlaygroundMessage) =>
  message.action === 'createMessage' && message.cards.some((card) => cardText(card).includes(words));

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'cas-bot-e2e-'));
  emulator = await startEmulator({ port: 0, throttling: false });
  // Contoso's admin consented to Cloud App Security (the consent flow has its own tests).
  await emulatorControl(emulator.origin, 'PUT', principal, {});
  const admin = await emulatorControl<{ id: string; displayName: string }>(
    emulator.origin,
    'GET',
    `/tenants/${CONTOSO_TENANT_ID}/users/${encodeURIComponent(CONTOSO_ADMIN_UPN)}`,
  );

  const dataDir = join(workDir, 'data');
  store = await createStore({ dataDir, encryptionKey: key });
  const saved = await store.provisioning.save(selectedUsersProvisioning(admin.id), 0);
  expect(saved.ok).toBe(true);

  const [apiPort, botPort, playgroundPort, smtpPort, mailViewerPort] = (await freePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const shared = {
    DATA_DIR: dataDir,
    SECRET_DATA_ENCRYPTION_KEY: key,
    SECRET_BOT_API_KEY: key,
    LOG_LEVEL: 'warn',
  };
  const microsoft365 = {
    AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
    GRAPH_BASE_URL: emulator.origin,
    AAD_APP_CLIENT_ID: CLOUD_APP_SECURITY_CLIENT_ID,
    // One registration stands in for each consent app (the bot's tests are not about the split).
    ...Object.fromEntries(
      ['EXCHANGE_EWS_APP', 'EXCHANGE_GRAPH_APP', 'SHAREPOINT_APP', 'ONEDRIVE_APP'].flatMap((app) => [
        [`${app}_CLIENT_ID`, CLOUD_APP_SECURITY_CLIENT_ID],
        [`SECRET_${app}_CLIENT_SECRET`, CLOUD_APP_SECURITY_CLIENT_SECRET],
      ]),
    ),
  };
  api = await startNodeProcess(
    'api/src/bin.ts',
    { ...shared, ...microsoft365, API_HOST: '127.0.0.1', API_PORT: String(apiPort) },
    `http://127.0.0.1:${apiPort}/healthz`,
  );
  // The worker's token health monitor (R9) checks every 3 seconds here instead of every 15
  // minutes, and its email deliverer looks at the outbox every 0.2 seconds instead of 5.
  mailViewer = `http://127.0.0.1:${mailViewerPort}`;
  worker = await startNodeProcess(
    'worker/src/bin.ts',
    {
      ...shared,
      ...microsoft365,
      TOKEN_HEALTH_INTERVAL_MINUTES: '0.05',
      EMAIL_DELIVERY_INTERVAL_SECONDS: '0.2',
      SMTP_PORT: String(smtpPort),
      MAIL_VIEWER_PORT: String(mailViewerPort),
    },
    `${mailViewer}/`,
  );
  bot = await startNodeProcess(
    'bot/src/main.ts',
    {
      ...shared,
      // The Playground sends unsigned activities: the explicit development setting, as npm start has it.
      BOT_AUTHENTICATION: 'none',
      AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
      BOT_HOST: '127.0.0.1',
      BOT_PORT: String(botPort),
      API_ORIGIN: `http://127.0.0.1:${apiPort}`,
      TEAMS_APP_ID: 'e2e00000-0000-4000-8000-000000000001',
      BOT_DELIVERY_INTERVAL_SECONDS: '0.2',
    },
    `http://127.0.0.1:${botPort}/healthz`,
  );
  playground = await PlaygroundClient.start({
    botEndpoint: `http://127.0.0.1:${botPort}/api/messages`,
    tenantId: CONTOSO_TENANT_ID,
    user: { aadObjectId: admin.id, name: admin.displayName, userPrincipalName: CONTOSO_ADMIN_UPN },
    port: playgroundPort,
    workDir,
  });
  await playground.install();
  await playground.nextMessage(withText('Type one of these commands'));
  // The bot is also added to a team channel (guests may be there).
  const beforeChannel = playground.messages.length;
  await playground.install(CHANNEL);
  await playground.nextMessage(
    (message) => inChannel(message.conversationId) && withText('Type one of these commands')(message),
    { after: beforeChannel },
  );
  // A Contoso employee who is not an admin installs the app in their own personal chat.
  const employee = await emulatorControl<{ id: string; displayName: string }>(
    emulator.origin,
    'GET',
    `/tenants/${CONTOSO_TENANT_ID}/users/${encodeURIComponent(CONTOSO_USER_UPN)}`,
  );
  employeeChat = await LocalTeamsChat.start({
    botEndpoint: `http://127.0.0.1:${botPort}/api/messages`,
    tenantId: CONTOSO_TENANT_ID,
    conversationId: 'a:employee-personal-chat',
    user: { aadObjectId: employee.id, name: employee.displayName },
  });
  await employeeChat.install();
}, 120_000);

afterAll(async () => {
  await playground?.close();
  await employeeChat?.close();
  await bot?.stop();
  await worker?.stop();
  await api?.stop();
  await store?.close();
  await emulator?.close();
  await rm(workDir, { recursive: true, force: true });
}, 60_000);

describe('the bot in the Microsoft 365 Agents Playground', () => {
  it('records each conversation of Contoso with who it belongs to and whether they are a Global Administrator', async () => {
    const conversations = await store.conversations.list(CONTOSO_TENANT_ID);
    expect(
      conversations
        .map((one) => [one.conversationId, one.kind, one.administratorCheck?.isGlobalAdministrator ?? null])
        .sort(),
    ).toEqual(
      [
        [playground.personalChat, 'personal', true],
        [CHANNEL, 'channel', null],
        ['a:employee-personal-chat', 'personal', false],
      ].sort(),
    );
    // The employee was greeted like anyone who installs the app.
    expect(employeeChat.received).toHaveLength(1);
  });

  it('status: answers the status card of the three services', async () => {
    const after = playground.messages.length;
    await playground.say('status');
    const card = firstCard(await playground.nextMessage(withText('Cloud App Security status'), { after }));
    for (const words of [
      'Exchange Online',
      'SharePoint Online',
      'OneDrive',
      'Protected',
      'Synchronize selected users',
    ]) {
      expect(cardText(card)).toContain(words);
    }
    expect(executeVerbs(card)).toContain('extendProtection');
  }, 30_000);

  it('sync in selected mode is refused with the reason and Extend is offered; pressing Extend protection extends in place', async () => {
    const after = playground.messages.length;
    await playground.say('  SYNC ');
    const refused = await playground.nextMessage(withText('Manual synchronization is not available'), {
      after,
    });
    const refusedCard = firstCard(refused);
    expect(cardText(refusedCard)).toContain(EXTEND_OFFER_TEXT);
    expect(executeVerbs(refusedCard)).toEqual(['extendProtection']);
    // R3: the refusal queued no run.
    expect(await store.syncRuns.list(CONTOSO_TENANT_ID)).toEqual([]);

    const beforePress = playground.messages.length;
    const answer = await playground.pressButton(refused.messageId, {
      verb: 'extendProtection',
      title: 'Extend protection',
    });
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardProblems(answer.value)).toEqual([]);
    expect(cardText(answer.value)).toContain('All targets protected');
    // The card went through "Extending…" in place before the answer replaced it.
    const progress = playground.messages
      .slice(beforePress)
      .find((message) => message.action === 'updateMessage' && message.messageId === refused.messageId);
    expect(progress !== undefined && cardText(progress.cards[0]).includes('Extending…')).toBe(true);

    const provisioning = await store.provisioning.get(CONTOSO_TENANT_ID);
    for (const service of SERVICE_IDS)
      expect(provisioning?.services[service].scope).toBe('allUsersAndGroups');
    // One synchronization per service was queued (the worker may already be running them).
    const runs = await store.syncRuns.list(CONTOSO_TENANT_ID);
    expect(runs.map((run) => [run.trigger, run.scope])).toEqual(
      Array(3).fill(['extend', 'allUsersAndGroups']),
    );
  }, 30_000);

  it('one outage of three services is one card per admin conversation and one email per admin; restoring it, one recovery each', async () => {
    const provisioning = await store.provisioning.get(CONTOSO_TENANT_ID);
    for (const service of SERVICE_IDS) expect(provisioning?.services[service].status).toBe('protected');
    const after = playground.messages.length;
    const mailBefore = await capturedMail();
    const newMail = async () => {
      const all = await capturedMail();
      const earlier = [...mailBefore];
      return all.filter((mail) => {
        const index = earlier.indexOf(mail);
        if (index === -1) return true;
        earlier.splice(index, 1);
        return false;
      });
    };
    const ALERT = 'The access token for Exchange Online, SharePoint Online and OneDrive is invalid';
    const RECOVERY = 'The access token for Exchange Online, SharePoint Online and OneDrive is valid again';
    const invalidMail = [CONTOSO_ADMIN_UPN, SECOND_ADMIN_UPN]
      .map((to) => `${to} Cloud App Security: Action required: access token invalid`)
      .sort();
    const restoredMail = [CONTOSO_ADMIN_UPN, SECOND_ADMIN_UPN]
      .map((to) => `${to} Cloud App Security: Access token valid again`)
      .sort();

    // The enterprise application deleted from Contoso: the test does nothing else. The worker's
    // monitor notices, the bot's delivery loop posts the card, the worker's deliverer the email.
    await emulatorControl(emulator.origin, 'DELETE', principal);
    const alert = await playground.nextMessage(withText(ALERT), { after, timeoutMs: 30_000 });
    const card = firstCard(alert);
    expect(cardText(card)).toContain(
      'The admin consent was revoked or the Cloud App Security enterprise application was deleted',
    );
    expect(card.actions).toEqual([
      expect.objectContaining({
        type: 'Action.OpenUrl',
        title: 'Open Service Account',
        url: expect.stringContaining('/serviceAccount?context='),
      }),
    ]);
    // Two more health checks of the broken token (failures 2 and 3), each a chance for a second alert.
    await eventually('two more failed health checks', async () => {
      const [open] = await store.tokenIncidents.list(CONTOSO_TENANT_ID, { openOnly: true });
      return open !== undefined && open.failureCount >= 3 ? open : undefined;
    });
    await eventually('the alert email to each admin', async () =>
      (await newMail()).length >= invalidMail.length ? true : undefined,
    );
    const invalid = (await store.notifications.list(CONTOSO_TENANT_ID)).filter(
      (one) => one.kind === 'tokenInvalid',
    );
    expect(invalid).toHaveLength(1);
    const [incident] = await store.tokenIncidents.list(CONTOSO_TENANT_ID, { openOnly: true });
    expect(incident?.services).toEqual([...SERVICE_IDS]);
    const invalidCards = () =>
      playground.messages
        .slice(after)
        .filter((message) => message.action === 'createMessage' && withText('is invalid')(message));
    expect(invalidCards()).toHaveLength(1);
    expect(await newMail()).toEqual(invalidMail);
    const delivered = (
      await store.notificationDeliveries.list(CONTOSO_TENANT_ID, { notificationId: invalid[0]?.id })
    )
      .filter((one) => one.status === 'delivered')
      .map((one) => [one.channel, one.recipient])
      .sort();
    expect(delivered).toEqual(
      [
        ['email', CONTOSO_ADMIN_UPN],
        ['email', SECOND_ADMIN_UPN],
        ['teams', playground.personalChat],
      ].sort(),
    );
    for (const service of SERVICE_IDS)
      expect((await store.provisioning.get(CONTOSO_TENANT_ID))?.services[service].status).toBe(
        'tokenInvalid',
      );

    // Consent granted again: one recovery card and one recovery email per admin.
    const beforeRecovery = playground.messages.length;
    await emulatorControl(emulator.origin, 'PUT', principal, {});
    const recovery = await playground.nextMessage(withText(RECOVERY), {
      after: beforeRecovery,
      timeoutMs: 30_000,
    });
    expect(cardProblems(recovery.cards[0] ?? {})).toEqual([]);
    const verifiedAt = async () =>
      (await store.provisioning.get(CONTOSO_TENANT_ID))?.services.exchangeOnline.lastVerifiedAt ?? '';
    const restoredAt = await verifiedAt();
    // Two more health checks of the working token, each a chance for a second recovery.
    for (let check = 0; check < 2; check++) {
      const previous = await verifiedAt();
      await eventually('another successful health check', async () =>
        (await verifiedAt()) > previous ? true : undefined,
      );
    }
    expect(await verifiedAt()).not.toBe(restoredAt);
    await eventually('the recovery email to each admin', async () =>
      (await newMail()).length >= invalidMail.length + restoredMail.length ? true : undefined,
    );
    expect(
      playground.messages
        .slice(beforeRecovery)
        .filter((message) => message.action === 'createMessage' && withText('valid again')(message)),
    ).toHaveLength(1);
    expect(invalidCards()).toHaveLength(1);
    expect(await newMail()).toEqual([...invalidMail, ...restoredMail].sort());
    expect(
      (await store.notifications.list(CONTOSO_TENANT_ID)).filter((one) => one.kind === 'tokenRestored'),
    ).toHaveLength(1);
    expect(await store.tokenIncidents.list(CONTOSO_TENANT_ID, { openOnly: true })).toEqual([]);
  }, 120_000);

  it('removing Mail.ReadWrite alone is one card naming it, for Exchange Online only', async () => {
    // Start from a working token whatever the test before left behind.
    await emulatorControl(emulator.origin, 'PUT', principal, {});
    await eventually('every service protected', async () => {
      const provisioning = await store.provisioning.get(CONTOSO_TENANT_ID);
      return SERVICE_IDS.every((service) => provisioning?.services[service].status === 'protected')
        ? true
        : undefined;
    });
    const after = playground.messages.length;
    await emulatorControl(emulator.origin, 'POST', `${principal}/remove-roles`, {
      resource: 'https://graph.microsoft.com',
      roles: ['Mail.ReadWrite'],
    });
    const alert = await playground.nextMessage(withText('The access token for Exchange Online is invalid'), {
      after,
      timeoutMs: 30_000,
    });
    const card = firstCard(alert);
    expect(cardText(card)).toContain('Mail.ReadWrite');
    expect(cardText(card)).toContain('The permissions granted to Cloud App Security were removed');
    const provisioning = await store.provisioning.get(CONTOSO_TENANT_ID);
    expect(SERVICE_IDS.map((service) => provisioning?.services[service].status)).toEqual([
      'tokenInvalid',
      'protected',
      'protected',
    ]);
    await emulatorControl(emulator.origin, 'PUT', principal, {});
    await playground.nextMessage(withText('The access token for Exchange Online is valid again'), {
      after,
      timeoutMs: 30_000,
    });
  }, 60_000);

  it("alerts reach admins only: the employee's chat and the channel nobody turned on got no card, and the employee's skip is recorded", async () => {
    // The outages of the tests before reached the admin's personal chat; the delivery loop has run
    // many times since.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(playground.messages.filter((message) => inChannel(message.conversationId))).toHaveLength(1);
    expect(employeeChat.received).toHaveLength(1);
    const teams = await store.notificationDeliveries.list(CONTOSO_TENANT_ID, { channel: 'teams' });
    const byRecipient = (recipient: string) =>
      teams.filter((one) => one.recipient === recipient).map((one) => one.status);
    expect(byRecipient('a:employee-personal-chat').length).toBeGreaterThan(0);
    expect(new Set(byRecipient('a:employee-personal-chat'))).toEqual(new Set(['skipped']));
    expect(byRecipient(CHANNEL)).toEqual([]);
    expect(byRecipient(playground.personalChat)).toContain('delivered');
  }, 30_000);

  it('notify here in the channel turns alerts on there (audited); the next outage and its recovery then reach the channel, still not the employee', async () => {
    const after = playground.messages.length;
    await playground.say('notify here', CHANNEL);
    const confirmed = await playground.nextMessage(
      (message) =>
        inChannel(message.conversationId) && withText('Alerts will be posted in this conversation')(message),
      { after },
    );
    expect(executeVerbs(firstCard(confirmed))).toEqual(['channelNotifications']);
    const [audited] = await store.audit.list(CONTOSO_TENANT_ID, { limit: 1 });
    expect(audited).toMatchObject({ action: 'channelNotifications.enabled', actor: { kind: 'user' } });

    // An outage after the channel was turned on: its alert reaches the channel as well as the admin.
    const beforeOutage = playground.messages.length;
    await emulatorControl(emulator.origin, 'DELETE', principal);
    const invalidIn = (where: (conversationId: string) => boolean) => (message: PlaygroundMessage) =>
      message.action === 'createMessage' &&
      where(message.conversationId) &&
      message.cards.some((card) => /is invalid/i.test(cardText(card)));
    await playground.nextMessage(
      invalidIn((id) => id === playground.personalChat),
      { after: beforeOutage, timeoutMs: 30_000 },
    );
    await playground.nextMessage(invalidIn(inChannel), { after: beforeOutage, timeoutMs: 15_000 });

    // Consent is given again: the worker's monitor sees a working token and raises the recovery.
    const beforeRestore = playground.messages.length;
    await emulatorControl(emulator.origin, 'PUT', principal, {});
    // The same recovery card reaches the admin's personal chat and, now, the channel.
    const recovered = (where: (conversationId: string) => boolean) => (message: PlaygroundMessage) =>
      message.action === 'createMessage' &&
      where(message.conversationId) &&
      message.cards.some((card) => /valid again/i.test(cardText(card)));
    const toAdmin = await playground.nextMessage(
      recovered((id) => id === playground.personalChat),
      { after: beforeRestore, timeoutMs: 30_000 },
    );
    const toChannel = await playground.nextMessage(recovered(inChannel), {
      after: beforeRestore,
      timeoutMs: 15_000,
    });
    expect(cardText(firstCard(toChannel))).toBe(cardText(firstCard(toAdmin)));
    expect(employeeChat.received).toHaveLength(1);
  }, 60_000);
});
