/**
 * The public endpoints Graph calls, on the whole API over HTTP (`startApi` as `npm start` runs it)
 * and through the tab server's `/api` proxy: the validation handshake, refusal of anything not
 * for a subscription we hold with its client state (nothing stored), durable storage of the rest,
 * bounded per tenant, and a prompt 202.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import { clientStateHash } from './notification-endpoints.js';
import type { ChangeSubscription } from '@cas/core';

let harness: ApiHarness;
const TENANT = randomUUID();
const OTHER_TENANT = randomUUID();
const CLIENT_STATE = 'a-long-random-client-state-of-our-own';
let subscription: ChangeSubscription;

beforeAll(async () => {
  harness = await startApiHarness();
});
afterAll(() => harness?.close());

beforeEach(async () => {
  await harness.freshApi();
  subscription = {
    id: randomUUID(),
    tenantId: TENANT,
    resource: 'users',
    clientStateHash: clientStateHash(CLIENT_STATE),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    createdAt: new Date().toISOString(),
    renewedAt: null,
  };
  await harness.api.store.changeNotifications.saveSubscription(subscription);
});

function post(path: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${harness.api.origin}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body,
  });
}

function notification(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = randomUUID();
  return {
    subscriptionId: subscription.id,
    clientState: CLIENT_STATE,
    changeType: 'updated',
    resource: `Users/${id}`,
    resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${id}`, id },
    subscriptionExpirationDateTime: subscription.expiresAt,
    tenantId: TENANT,
    ...overrides,
  };
}

const pending = () => harness.api.store.changeNotifications.takePending(TENANT, 'change');

describe('validation handshake', () => {
  it('echoes the decoded token as text/plain with 200, on both endpoints', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 1b2c';
    for (const path of ['/api/change-notifications', '/api/change-notifications/lifecycle']) {
      const response = await post(`${path}?validationToken=${encodeURIComponent(token)}`, '', 'text/plain');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toBe(token);
    }
    // Graph's own form encodes spaces as '+'.
    const plus = await post(
      '/api/change-notifications?validationToken=Validation%3a+Testing',
      '',
      'text/plain',
    );
    expect(await plus.text()).toBe('Validation: Testing');
  });

  it('refuses an empty or oversized token', async () => {
    expect((await post('/api/change-notifications?validationToken=', '', 'text/plain')).status).toBe(400);
    const long = 'x'.repeat(2000);
    expect((await post(`/api/change-notifications?validationToken=${long}`, '', 'text/plain')).status).toBe(
      400,
    );
  });
});

describe('notifications', () => {
  it('stores notifications for a subscription we hold and answers 202 within 3 s', async () => {
    const started = Date.now();
    const response = await post(
      '/api/change-notifications',
      JSON.stringify({ value: [notification(), notification({ changeType: 'deleted' })] }),
    );
    expect(response.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(3000);
    const stored = await pending();
    expect(stored.map((item) => item.event).sort()).toEqual(['deleted', 'updated']);
    expect(stored[0]).toMatchObject({ tenantId: TENANT, subscriptionId: subscription.id, kind: 'change' });
  });

  it('refuses a wrong clientState, an unknown subscription or another tenant, and stores nothing', async () => {
    for (const wrong of [
      notification({ clientState: 'guess' }),
      notification({ clientState: undefined }),
      notification({ subscriptionId: randomUUID() }),
      notification({ tenantId: OTHER_TENANT }),
    ]) {
      const response = await post('/api/change-notifications', JSON.stringify({ value: [wrong] }));
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'notification_refused',
      );
    }
    expect(await pending()).toEqual([]);
    expect(await harness.api.store.changeNotifications.takePending(OTHER_TENANT, 'change')).toEqual([]);
  });

  it('keeps only the valid items of a mixed batch', async () => {
    const response = await post(
      '/api/change-notifications',
      JSON.stringify({ value: [notification({ clientState: 'guess' }), notification()] }),
    );
    expect(response.status).toBe(202);
    expect(await pending()).toHaveLength(1);
  });

  it('refuses bodies that are not a batch', async () => {
    expect((await post('/api/change-notifications', 'not json')).status).toBe(400);
    expect((await post('/api/change-notifications', JSON.stringify({ value: [] }))).status).toBe(400);
    expect((await post('/api/change-notifications', JSON.stringify({ nothing: true }))).status).toBe(400);
    expect(await pending()).toEqual([]);
  });

  it('stores at most 1,000 pending notifications of a tenant, however many valid ones arrive', async () => {
    const batch = JSON.stringify({ value: Array.from({ length: 600 }, () => notification()) });
    for (let round = 0; round < 3; round += 1)
      expect((await post('/api/change-notifications', batch)).status).toBe(202);
    expect(await pending()).toHaveLength(1000);
  });

  it('stores lifecycle events on the lifecycle endpoint', async () => {
    const event = {
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: subscription.expiresAt,
      tenantId: TENANT,
      clientState: CLIENT_STATE,
      lifecycleEvent: 'reauthorizationRequired',
    };
    expect(
      (await post('/api/change-notifications/lifecycle', JSON.stringify({ value: [event] }))).status,
    ).toBe(202);
    expect(
      (
        await post(
          '/api/change-notifications/lifecycle',
          JSON.stringify({ value: [{ ...event, clientState: 'x' }] }),
        )
      ).status,
    ).toBe(403);
    const stored = await harness.api.store.changeNotifications.takePending(TENANT, 'lifecycle');
    expect(stored.map((item) => item.event)).toEqual(['reauthorizationRequired']);
  });
});
