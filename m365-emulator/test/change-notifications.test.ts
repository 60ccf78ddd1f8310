/**
 * Change notifications as the product meets them: the real Graph SDK creates, lists, renews and
 * deletes subscriptions on the emulator with an msal-node token; the emulator runs the validation
 * handshake against a real local HTTP endpoint and then POSTs basic notifications in Graph's
 * payload shape for changes made through the control API, retries a failing or slow endpoint,
 * sends lifecycle events, and applies the delivery faults tests inject.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Client, GraphError as SdkGraphError } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_TENANT_ID,
  MAX_DIRECTORY_SUBSCRIPTION_MINUTES,
  type RunningEmulator,
} from '../src/index.js';
import { confidentialClient, control, launchEmulator } from './support/emulator-fixture.js';
import type { AddressInfo } from 'node:net';

interface Received {
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: string;
}

/** What the local endpoint does with the next requests. */
interface EndpointBehaviour {
  /** Answer the validation token with this instead of echoing it. */
  validationAnswer?: (token: string) => { status: number; body: string; delayMs?: number };
  /** Answer notifications with this status (default 202) after this delay. */
  notificationStatus?: number;
  notificationDelayMs?: number;
  /** Only the next N notification posts get the behaviour above. */
  remaining?: number;
}

let emulator: RunningEmulator;
let graph: Client;
let endpoint: Server;
let endpointOrigin: string;
const received: Received[] = [];
let behaviour: EndpointBehaviour = {};

function handleEndpoint(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', endpointOrigin);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers['content-type'],
      body,
    });
    const token = url.searchParams.get('validationToken');
    if (token !== null) {
      const answer = behaviour.validationAnswer?.(token) ?? { status: 200, body: token };
      setTimeout(() => {
        res.writeHead(answer.status, { 'Content-Type': 'text/plain' });
        res.end(answer.body);
      }, answer.delayMs ?? 0);
      return;
    }
    const active = behaviour.remaining === undefined || behaviour.remaining > 0;
    if (behaviour.remaining !== undefined && behaviour.remaining > 0) behaviour.remaining -= 1;
    const status = active ? (behaviour.notificationStatus ?? 202) : 202;
    const delay = active ? (behaviour.notificationDelayMs ?? 0) : 0;
    setTimeout(() => {
      res.writeHead(status);
      res.end();
    }, delay);
  });
}

beforeAll(async () => {
  endpoint = createServer(handleEndpoint);
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  endpointOrigin = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  emulator = await launchEmulator({
    changeNotifications: {
      validationTimeoutMs: 1000,
      deliveryTimeoutMs: 400,
      retryBaseMs: 150,
      retryWindowMs: 5000,
      pumpIntervalMs: 50,
      reauthorizationLeadMs: 3600_000,
    },
  });
  await control(
    emulator,
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
  const msal = confidentialClient(emulator, CONTOSO_TENANT_ID);
  graph = Client.init({
    baseUrl: `${emulator.origin}/`,
    customHosts: new Set([new URL(emulator.origin).hostname]),
    authProvider: (done) => {
      msal
        // No cache: the lifecycle tests move the emulator clock past msal's cached token.
        .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'], skipCache: true })
        .then((result) => done(null, result?.accessToken ?? null))
        .catch((error: Error) => done(error, null));
    },
  });
});

afterAll(async () => {
  await emulator?.close();
  await new Promise<void>((resolve) => endpoint?.close(() => resolve()));
});

beforeEach(async () => {
  behaviour = {};
  received.length = 0;
  await control(emulator, 'DELETE', '/change-notifications/faults');
  for (const subscription of (await graph.api('/subscriptions').get()).value as { id: string }[])
    await graph.api(`/subscriptions/${subscription.id}`).delete();
});

const inMinutes = (minutes: number): string => new Date(emulator.now() + minutes * 60_000).toISOString();

function subscribe(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return graph.api('/subscriptions').post({
    changeType: 'updated,deleted',
    notificationUrl: `${endpointOrigin}/notify`,
    lifecycleNotificationUrl: `${endpointOrigin}/lifecycle`,
    resource: '/users',
    expirationDateTime: inMinutes(60 * 24),
    clientState: 'secret-client-state',
    ...extra,
  }) as Promise<Record<string, unknown>>;
}

async function graphError(promise: Promise<unknown>): Promise<SdkGraphError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SdkGraphError) return error;
    throw error;
  }
  throw new Error('expected a Graph error');
}

async function until<T>(read: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

type Notification = {
  subscriptionId: string;
  clientState: string;
  changeType: string;
  resource: string;
  tenantId: string;
  subscriptionExpirationDateTime: string;
  resourceData: { id: string; '@odata.type': string };
  lifecycleEvent?: string;
};

const notificationsAt = (path: string): Notification[] =>
  received
    .filter((request) => request.path === path && !request.query.has('validationToken'))
    .flatMap((request) => (JSON.parse(request.body) as { value: Notification[] }).value);

async function createUser(upn: string): Promise<string> {
  const user = await control<{ id: string }>(emulator, 'POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
    userPrincipalName: upn,
  });
  return user.id;
}

describe('subscriptions', () => {
  it('validates both URLs with the handshake, then answers 201 with the subscription', async () => {
    const created = await subscribe();
    expect(created).toMatchObject({
      resource: '/users',
      changeType: 'updated,deleted',
      clientState: 'secret-client-state',
      applicationId: CLOUD_APP_SECURITY_CLIENT_ID,
      notificationUrl: `${endpointOrigin}/notify`,
      lifecycleNotificationUrl: `${endpointOrigin}/lifecycle`,
    });
    const handshakes = received.filter((request) => request.query.has('validationToken'));
    expect(handshakes.map((request) => request.path)).toEqual(['/notify', '/lifecycle']);
    expect(handshakes[0]?.contentType).toMatch(/^text\/plain/);
    const listed = (await graph.api('/subscriptions').get()) as {
      value: { id: string; clientState: null }[];
    };
    expect(listed.value.map((subscription) => subscription.id)).toEqual([created.id]);
    // Graph does not hand the client state back on reads.
    expect(listed.value[0]?.clientState).toBeNull();
  });

  it('refuses a subscription whose endpoint answers the wrong token, a non-200 or too slowly', async () => {
    behaviour.validationAnswer = () => ({ status: 200, body: 'something else' });
    expect((await graphError(subscribe())).message).toBe(
      'Subscription validation request failed. Response must exactly match validationToken query parameter.',
    );
    behaviour.validationAnswer = (token) => ({ status: 500, body: token });
    expect((await graphError(subscribe())).message).toBe(
      'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
    );
    behaviour.validationAnswer = (token) => ({ status: 200, body: token, delayMs: 1500 });
    const slow = await graphError(subscribe());
    expect(slow.statusCode).toBe(400);
    expect(slow.message).toBe('Subscription validation request timed out.');
    expect(((await graph.api('/subscriptions').get()) as { value: unknown[] }).value).toEqual([]);
  });

  it('applies the documented limits and checks', async () => {
    const tooLong = await graphError(
      subscribe({ expirationDateTime: inMinutes(MAX_DIRECTORY_SUBSCRIPTION_MINUTES + 5) }),
    );
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.code).toBe('ExtensionError');
    expect(tooLong.message).toBe('Subscription expiration can only be 41760 minutes in the future.');
    expect((await graphError(subscribe({ expirationDateTime: inMinutes(-1) }))).statusCode).toBe(400);
    expect((await graphError(subscribe({ changeType: 'created' }))).statusCode).toBe(400);
    expect((await graphError(subscribe({ resource: '/me/messages' }))).statusCode).toBe(400);
    expect((await graphError(subscribe({ notificationUrl: 'http://example.com/x' }))).message).toMatch(
      /https/,
    );
    const missing = await graphError(subscribe({ expirationDateTime: undefined }));
    expect(missing.message).toBe('expirationDateTime is a required property for subscription creation.');
    // No handshake for refused requests.
    expect(received.filter((request) => request.query.has('validationToken'))).toEqual([]);
  });

  it('needs the read permission of the resource', async () => {
    await control(
      emulator,
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}/remove-roles`,
      { resource: 'https://graph.microsoft.com' },
    );
    try {
      // A fresh client: msal caches the token with the old roles.
      const fresh = confidentialClient(emulator, CONTOSO_TENANT_ID);
      const token = await fresh.acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
        skipCache: true,
      });
      const response = await fetch(`${emulator.origin}/v1.0/subscriptions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token?.accessToken ?? ''}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          changeType: 'updated',
          notificationUrl: `${endpointOrigin}/notify`,
          resource: '/users',
          expirationDateTime: inMinutes(60),
        }),
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('ExtensionError');
    } finally {
      await control(
        emulator,
        'PUT',
        `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
        {},
      );
    }
  });

  it('holds at most 100 subscriptions per app and tenant', async () => {
    for (let index = 0; index < 100; index += 1) await subscribe({ lifecycleNotificationUrl: undefined });
    const over = await graphError(subscribe());
    expect(over.statusCode).toBe(403);
  }, 60_000);

  it('renews with PATCH and deletes with DELETE', async () => {
    const created = await subscribe();
    const renewed = (await graph
      .api(`/subscriptions/${created.id as string}`)
      .patch({ expirationDateTime: inMinutes(MAX_DIRECTORY_SUBSCRIPTION_MINUTES - 10) })) as {
      expirationDateTime: string;
    };
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(emulator.now() + 28 * 24 * 3600_000);
    await graph.api(`/subscriptions/${created.id as string}`).delete();
    expect((await graphError(graph.api(`/subscriptions/${created.id as string}`).get())).statusCode).toBe(
      404,
    );
  });
});

describe('notifications', () => {
  it("posts basic notifications in Graph's shape for users created, changed and deleted", async () => {
    const subscription = await subscribe();
    const id = await createUser('notify.me@contoso.onmicrosoft.com');
    await control(emulator, 'PATCH', `/tenants/${CONTOSO_TENANT_ID}/users/${id}`, { jobTitle: 'Engineer' });
    await control(emulator, 'DELETE', `/tenants/${CONTOSO_TENANT_ID}/users/${id}`);
    const items = await until(() => {
      const got = notificationsAt('/notify');
      return got.length >= 3 ? got : undefined;
    });
    expect(items.map((item) => item.changeType)).toEqual(['updated', 'updated', 'deleted']);
    expect(items[0]).toEqual({
      subscriptionId: subscription.id,
      clientState: 'secret-client-state',
      changeType: 'updated',
      resource: `Users/${id}`,
      subscriptionExpirationDateTime: expect.stringMatching(/Z$/) as unknown,
      tenantId: CONTOSO_TENANT_ID,
      resourceData: {
        '@odata.type': '#Microsoft.Graph.User',
        '@odata.id': `Users/${id}`,
        id,
        organizationId: CONTOSO_TENANT_ID,
      },
    });
    const posts = received.filter(
      (request) => request.path === '/notify' && !request.query.has('validationToken'),
    );
    expect(posts[0]?.contentType).toMatch(/^application\/json/);
  });

  it('notifies a groups subscription of membership changes as the group updated', async () => {
    await subscribe({ resource: '/groups' });
    const group = await control<{ id: string }>(emulator, 'POST', `/tenants/${CONTOSO_TENANT_ID}/groups`, {
      displayName: 'Notified group',
    });
    const userId = await createUser('member.notify@contoso.onmicrosoft.com');
    await control(emulator, 'POST', `/tenants/${CONTOSO_TENANT_ID}/groups/${group.id}/members`, {
      id: userId,
    });
    const items = await until(() => {
      const got = notificationsAt('/notify');
      return got.length >= 2 ? got : undefined;
    });
    expect(items.every((item) => item.resource === `Groups/${group.id}`)).toBe(true);
    expect(items[0]?.resourceData['@odata.type']).toBe('#Microsoft.Graph.Group');
  });

  it('retries an endpoint that fails or answers later than 3 s (here 400 ms)', async () => {
    await subscribe();
    behaviour = { notificationStatus: 500, remaining: 1 };
    await createUser('retry.one@contoso.onmicrosoft.com');
    await until(() => (notificationsAt('/notify').length >= 2 ? true : undefined));
    behaviour = { notificationDelayMs: 700, remaining: 1 };
    received.length = 0;
    await createUser('retry.two@contoso.onmicrosoft.com');
    // The slow answer counts as a failure: the same notification comes again.
    const items = await until(() => {
      const got = notificationsAt('/notify');
      return got.length >= 2 ? got : undefined;
    });
    expect(items[0]?.resourceData.id).toBe(items[1]?.resourceData.id);
    const { counters } = await control<{
      counters: { retries: number; slowAttempts: number; failedAttempts: number };
    }>(emulator, 'GET', '/change-notifications');
    expect(counters.failedAttempts).toBeGreaterThanOrEqual(1);
    expect(counters.slowAttempts).toBeGreaterThanOrEqual(1);
    expect(counters.retries).toBeGreaterThanOrEqual(2);
  });

  it('drops, duplicates, delays and reorders deliveries on request', async () => {
    await subscribe();
    await control(emulator, 'POST', '/change-notifications/faults', { action: 'drop' });
    await createUser('dropped@contoso.onmicrosoft.com');
    await control(emulator, 'POST', '/change-notifications/pump');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(notificationsAt('/notify')).toEqual([]);

    await control(emulator, 'POST', '/change-notifications/faults', { action: 'duplicate' });
    const duplicated = await createUser('duplicated@contoso.onmicrosoft.com');
    const twice = await until(() => {
      const got = notificationsAt('/notify').filter((item) => item.resourceData.id === duplicated);
      return got.length >= 2 ? got : undefined;
    });
    expect(twice).toHaveLength(2);

    received.length = 0;
    await control(emulator, 'POST', '/change-notifications/faults', { action: 'reorder' });
    const first = await createUser('first@contoso.onmicrosoft.com');
    await control(emulator, 'POST', '/change-notifications/pump');
    const second = await createUser('second@contoso.onmicrosoft.com');
    const order = await until(() => {
      const got = notificationsAt('/notify').map((item) => item.resourceData.id);
      return got.length >= 2 ? got : undefined;
    });
    expect(order).toEqual([second, first]);

    received.length = 0;
    await control(emulator, 'POST', '/change-notifications/faults', { action: 'delay', delaySeconds: 0.5 });
    const started = Date.now();
    await createUser('delayed@contoso.onmicrosoft.com');
    await until(() => (notificationsAt('/notify').length > 0 ? true : undefined));
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });
});

describe('lifecycle events', () => {
  it('sends reauthorizationRequired before expiry (emulator clock) and after a consent change', async () => {
    const subscription = await subscribe({ expirationDateTime: inMinutes(180) });
    emulator.advanceClock(125 * 60_000);
    const events = await until(() => {
      const got = notificationsAt('/lifecycle');
      return got.length > 0 ? got : undefined;
    });
    expect(events[0]).toMatchObject({
      subscriptionId: subscription.id,
      lifecycleEvent: 'reauthorizationRequired',
      clientState: 'secret-client-state',
      tenantId: CONTOSO_TENANT_ID,
    });
    // Renewing clears it; a consent change asks again and holds notifications until then.
    await graph
      .api(`/subscriptions/${subscription.id as string}`)
      .patch({ expirationDateTime: inMinutes(600) });
    received.length = 0;
    await control(
      emulator,
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}/remove-roles`,
      { resource: 'https://graph.microsoft.com', roles: ['Sites.Read.All'] },
    );
    await until(() => (notificationsAt('/lifecycle').length > 0 ? true : undefined));
    await createUser('held@contoso.onmicrosoft.com');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(notificationsAt('/notify')).toEqual([]);
    await graph.api(`/subscriptions/${subscription.id as string}/reauthorize`).post({});
    await until(() => (notificationsAt('/notify').length > 0 ? true : undefined));
    await control(
      emulator,
      'PUT',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
      {},
    );
  });

  it('removes an expired subscription', async () => {
    const subscription = await subscribe({ expirationDateTime: inMinutes(30) });
    emulator.advanceClock(31 * 60_000);
    await control(emulator, 'POST', '/change-notifications/pump');
    expect(
      (await graphError(graph.api(`/subscriptions/${subscription.id as string}`).get())).statusCode,
    ).toBe(404);
  });
});
