// Request budgets across API processes: two whole APIs (startApi, as `npm start` or a deployment
// runs them) over the same Redis or PostgreSQL, with real tokens from the emulator, must allow one
// user one budget between them — not one each. And requests without a valid credential are
// limited per client address, behind the tab server as well.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_TENANT_ID,
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { createStore } from '@cas/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from './config.js';
import { createLogger } from './http/logger.js';
import { startApi, type RunningApi } from './main.js';
import { readAnswer } from './test-support/contract-check.js';

// The machine's own services (see docs/operations.md); CI exports the same variables.
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const BUDGET = 8;

let emulator: RunningEmulator;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, throttling: false });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await emulator?.close();
});

/** Starts an API on its own port and SQLite store; `environment` adds the shared store's URL. */
async function api(environment: Record<string, string>, keyPrefix: string): Promise<RunningApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cas-rate-'));
  const encryptionKey = randomBytes(32).toString('base64');
  // The store stays SQLite: what is shared here is the budget, not the data.
  const store = await createStore({ dataDir, encryptionKey });
  const running = await startApi(
    loadApiConfig({
      API_PORT: '0',
      AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      AAD_APP_CLIENT_ID: CLOUD_APP_SECURITY_CLIENT_ID,
      // One registration stands in for every consent app: these tests are not about the split.
      ...consentAppEnvironment(
        everyConsentApp({
          clientId: CLOUD_APP_SECURITY_CLIENT_ID,
          clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
        }),
      ),
      SSO_APP_CLIENT_ID: CLOUD_APP_SECURITY_API_CLIENT_ID,
      AAD_APP_ID_URI: CLOUD_APP_SECURITY_API_ID_URI,
      DATA_DIR: dataDir,
      SECRET_DATA_ENCRYPTION_KEY: encryptionKey,
      API_RATE_LIMIT_PER_USER_PER_MINUTE: String(BUDGET),
      API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: String(BUDGET),
      LOG_LEVEL: 'silent',
      ...environment,
    }),
    { logger: createLogger('silent'), store, rateLimitKeyPrefix: keyPrefix },
  );
  cleanups.push(async () => {
    await running.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return running;
}

/** A new admin of Contoso (so no earlier run shares their budget) and their Teams SSO token. */
async function newAdminToken(): Promise<string> {
  const upn = `limit-${randomUUID().slice(0, 8)}@contoso.onmicrosoft.com`;
  await emulatorControl(emulator.origin, 'POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
    userPrincipalName: upn,
    displayName: 'Rate limited admin',
    directoryRoleTemplateIds: [GLOBAL_ADMINISTRATOR_ROLE_ID],
  });
  const minted = await emulatorControl(emulator.origin, 'POST', `/tenants/${CONTOSO_TENANT_ID}/sso-token`, {
    upn,
  });
  return String(minted.token);
}

/** Sends `count` requests, alternating between the APIs; returns the statuses in order. */
async function alternate(
  apis: readonly RunningApi[],
  count: number,
  headers: Record<string, string>,
  path: string,
) {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let index = 0; index < count; index += 1) {
    const target = apis[index % apis.length] as RunningApi;
    const response = await readAnswer(await fetch(`${target.origin}${path}`, { headers }));
    statuses.push(response.status);
    if (response.status === 429) retryAfter = response.headers.get('retry-after');
  }
  return { statuses, retryAfter };
}

describe('per-user rate limit across API processes', () => {
  it.each([
    ['Redis', { REDIS_URL }, 'redis'],
    ['PostgreSQL', { DATABASE_URL }, 'postgres'],
  ])('two API instances over the same %s share one budget per user', async (_store, environment, kind) => {
    const prefix = `test-${randomUUID()}`;
    const apis = [await api(environment, prefix), await api(environment, prefix)];
    const token = await newAdminToken();
    const { statuses, retryAfter } = await alternate(
      apis,
      BUDGET + 4,
      { authorization: `Bearer ${token}` },
      '/api/me',
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(BUDGET);
    expect(statuses.slice(BUDGET)).toEqual([429, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another user of the same tenant has a budget of their own.
    const other = await newAdminToken();
    expect(
      (
        await readAnswer(
          await fetch(`${apis[1]?.origin}/api/me`, { headers: { authorization: `Bearer ${other}` } }),
        )
      ).status,
    ).toBe(200);
    expect(apis.map((each) => each.limiterStore)).toEqual([kind, kind]);
  });

  it('without Redis or PostgreSQL each API process keeps its own budget in memory', async () => {
    const apis = [await api({}, 'memory'), await api({}, 'memory')];
    const token = await newAdminToken();
    const { statuses } = await alternate(apis, BUDGET * 2, { authorization: `Bearer ${token}` }, '/api/me');
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(apis.map((each) => each.limiterStore)).toEqual(['memory', 'memory']);
  });
});

describe('per-address rate limit of unauthenticated requests', () => {
  it('public routes and refused tokens spend the address budget, shared by the processes', async () => {
    const prefix = `test-${randomUUID()}`;
    const apis = [await api({ REDIS_URL }, prefix), await api({ REDIS_URL }, prefix)];
    // A client address of its own (the documentation range), forwarded by the trusted local proxy.
    const client = { 'x-forwarded-for': `192.0.2.${1 + Math.floor(Math.random() * 250)}` };
    const half = BUDGET / 2;
    const healthz = await alternate(apis, half, client, '/healthz');
    const refused = await alternate(
      apis,
      half,
      { ...client, authorization: 'Bearer not-a-token' },
      '/api/me',
    );
    expect([...healthz.statuses, ...refused.statuses]).toEqual([
      ...Array<number>(half).fill(200),
      ...Array<number>(half).fill(401),
    ]);
    const over = await alternate(apis, 2, client, '/healthz');
    expect(over.statuses).toEqual([429, 429]);
    // Signed-in users are counted by who they are, not where they come from.
    const token = await newAdminToken();
    expect(
      (
        await readAnswer(
          await fetch(`${apis[0]?.origin}/api/me`, {
            headers: { ...client, authorization: `Bearer ${token}` },
          }),
        )
      ).status,
    ).toBe(200);
  });

  it('a forwarded address is believed only from a trusted proxy', async () => {
    // Nothing is trusted: X-Forwarded-For is the caller's own claim and every request counts for
    // the connection's address, however the header varies.
    const apis = [await api({ API_TRUSTED_PROXIES: '192.0.2.200' }, `test-${randomUUID()}`)];
    const statuses: number[] = [];
    for (let index = 0; index < BUDGET + 1; index += 1) {
      const response = await readAnswer(
        await fetch(`${apis[0]?.origin}/healthz`, {
          headers: { 'x-forwarded-for': `198.51.100.${index + 1}` },
        }),
      );
      statuses.push(response.status);
    }
    expect(statuses.slice(0, BUDGET).every((status) => status === 200)).toBe(true);
    expect(statuses[BUDGET]).toBe(429);
  });
});
