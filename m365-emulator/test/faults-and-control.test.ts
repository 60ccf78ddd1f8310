/** Contract: fault injection, request statistics and the control API's guard rails. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_TENANT_ID,
  type RunningEmulator,
  type StatsSnapshot,
} from '../src/index.js';
import { confidentialClient, control, launchEmulator } from './support/emulator-fixture.js';

let emulator: RunningEmulator;
let token = '';

beforeAll(async () => {
  // A fixed draw makes every rate below 0.5 miss and every rate above it hit.
  emulator = await launchEmulator({ random: () => 0.5 });
  await control(
    emulator,
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
  );
  const result = await confidentialClient(emulator, CONTOSO_TENANT_ID).acquireTokenByClientCredential({
    scopes: ['https://graph.microsoft.com/.default'],
  });
  token = result?.accessToken ?? '';
});
afterAll(async () => {
  await emulator.close();
});
afterEach(async () => {
  await control(emulator, 'DELETE', '/faults');
});

const users = (): Promise<Response> =>
  fetch(`${emulator.origin}/v1.0/users?$top=1`, { headers: { Authorization: `Bearer ${token}` } });

describe('fault injection', () => {
  it('answers 429 TooManyRequests with Retry-After on the matching route only', async () => {
    await control(emulator, 'POST', '/faults', {
      pattern: '/v1.0/users*',
      rate429: 1,
      retryAfterSeconds: 2.5,
    });
    const throttled = await users();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2.5');
    expect(((await throttled.json()) as { error: { code: string } }).error.code).toBe('TooManyRequests');
    const other = await fetch(`${emulator.origin}/v1.0/groups?$top=1`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(other.status).toBe(200);
  });

  it.each([
    [0.4, 200],
    [0.6, 503],
  ])('rate503 %s with a draw of 0.5 → %s', async (rate503, status) => {
    await control(emulator, 'POST', '/faults', { pattern: 're:^/v1\\.0/users$', rate503 });
    expect((await users()).status).toBe(status);
  });

  it('drops the connection', async () => {
    await control(emulator, 'POST', '/faults', { pattern: '/v1.0/*', rateDrop: 1 });
    await expect(users()).rejects.toThrow();
  });

  it('adds latency', async () => {
    await control(emulator, 'POST', '/faults', {
      pattern: '*/oauth2/v2.0/token',
      methods: ['POST'],
      latencyMs: 300,
    });
    const started = Date.now();
    await fetch(`${emulator.origin}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: '' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it.each([
    [{ rate429: 2 }, 'rate429 must be between 0 and 1.'],
    [{ rate429: 0.6, rate503: 0.6 }, 'The rates add up to more than 1.'],
    [{ pattern: 're:(' }, 'Invalid regular expression re:(.'],
  ])('refuses the rule %j', async (rule, message) => {
    const response = await fetch(`${emulator.origin}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ pattern: '/v1.0/*', ...rule }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(message);
  });
});

describe('statistics', () => {
  it('counts requests per route label, errors and faults, and resets', async () => {
    await control(emulator, 'DELETE', '/stats');
    await users();
    await control(emulator, 'POST', '/faults', { pattern: '/v1.0/users', rate429: 1 });
    await users();
    const stats = await control<StatsSnapshot>(emulator, 'GET', '/stats');
    expect(stats.routes['GET /v1.0/users']).toMatchObject({
      requests: 2,
      errors: 1,
      statuses: { '200': 1, '429': 1 },
    });
    expect(stats.faults.status429).toBe(1);
    const cleared = await control<StatsSnapshot>(emulator, 'DELETE', '/stats');
    expect(cleared.totalRequests).toBe(0);
  });
});

describe('control API', () => {
  it.each([
    ['GET', '/_emulator/nothing-here', 404],
    ['PUT', '/_emulator/stats', 405],
    ['GET', '/_emulator/tenants/nowhere.example', 404],
    ['POST', '/_emulator/tenants', 400],
  ])('%s %s → %s with an error body', async (method, path, status) => {
    const response = await fetch(`${emulator.origin}${path}`, {
      method,
      body: method === 'POST' ? '{}' : undefined,
    });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBeTruthy();
  });

  it('creates, lists and deletes a generated tenant', async () => {
    const tenant = await control<{ id: string; defaultDomain: string }>(emulator, 'POST', '/tenants', {
      seed: 'northwind',
      users: 30,
      groups: 5,
    });
    const { value } = await control<{ value: { id: string }[] }>(emulator, 'GET', '/tenants');
    expect(value.map((t) => t.id)).toContain(tenant.id);
    const discovery = await fetch(
      `${emulator.origin}/${tenant.defaultDomain}/v2.0/.well-known/openid-configuration`,
    );
    expect(discovery.status).toBe(200);
    await control(emulator, 'DELETE', `/tenants/${tenant.id}`);
    expect(
      (await fetch(`${emulator.origin}/${tenant.id}/v2.0/.well-known/openid-configuration`)).status,
    ).toBe(400);
  });

  it('adds a user who can then be read through Graph', async () => {
    const user = await control<{ id: string }>(emulator, 'POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
      userPrincipalName: 'new.hire@contoso.onmicrosoft.com',
      displayName: 'New Hire',
    });
    const response = await fetch(`${emulator.origin}/v1.0/users/${user.id}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(((await response.json()) as { displayName: string }).displayName).toBe('New Hire');
  });

  it('configures throttling', async () => {
    expect(await control(emulator, 'PATCH', '/throttling', { enabled: true, quotaMultiplier: 0.5 })).toEqual({
      enabled: true,
      quotaMultiplier: 0.5,
    });
    expect(await control(emulator, 'PATCH', '/throttling', { enabled: false })).toMatchObject({
      enabled: false,
    });
  });
});
