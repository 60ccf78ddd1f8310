/**
 * Change notifications end to end on real servers: the emulator (Graph with subscriptions), the
 * whole API (its public notification endpoints) and the whole worker over one SQLite store. The
 * worker subscribes when the tenant synchronizes all users and groups; a change made through the
 * emulator's control API reaches the protected directory within seconds through one debounced
 * delta round; renewal, reauthorization, lost subscriptions, dropped, duplicated and reordered
 * deliveries and the switch to selected users behave as ADR 0014 says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Store } from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../config.js';
import { startWorker, type RunningWorker } from '../main.js';
import { scheduleSyncRuns } from '../sync/sync-scheduler.js';
import {
  emulatorDirectory,
  pendingRun,
  protectAllUsers,
  silentLogger,
  storedDirectory,
} from '../test-support/sync-fixtures.js';

const TENANT = 'c0ffee00-0000-4000-8000-00000000c018';
const DOMAIN = 'fresh.onmicrosoft.com';
const KEY = randomBytes(32).toString('base64');
let emulator: RunningEmulator;
/** The API as a real process (`api/src/bin.ts`, as `npm start` runs it). */
let api: ChildProcess;
let apiOrigin: string;
let apiOutput = '';
let worker: RunningWorker;
let store: Store;
let dataDir: string;
/** The worker's clock runs this far ahead of real time (moved with the emulator's). */
let clockOffsetMs = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const control = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  emulatorControl<T>(emulator.origin, method, path, body);

interface EmulatedSubscription {
  id: string;
  tenantId: string;
  resource: string;
  expirationDateTime: string;
  needsReauthorization: boolean;
}
const emulatedSubscriptions = async (): Promise<EmulatedSubscription[]> =>
  (
    await control<{ subscriptions: EmulatedSubscription[] }>('GET', '/change-notifications')
  ).subscriptions.filter((subscription) => subscription.tenantId === TENANT);

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const snapshotUserIds = async () =>
  new Set((await storedDirectory(store, TENANT, 'tenant')).users.map((user) => user.id));

async function converged(): Promise<boolean> {
  const expected = emulatorDirectory(emulator, TENANT);
  const actual = await storedDirectory(store, TENANT, 'tenant');
  return JSON.stringify(expected) === JSON.stringify(actual);
}

const notifiedRuns = async () =>
  (await store.syncRuns.list(TENANT, { service: 'exchangeOnline', limit: 500 })).filter((run) =>
    run.id.startsWith('notified:'),
  );

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    throttling: false,
    tenants: [{ seed: 'fresh', users: 40, groups: 6, id: TENANT, defaultDomain: DOMAIN }],
    changeNotifications: {
      pumpIntervalMs: 50,
      retryBaseMs: 200,
      retryWindowMs: 10_000,
      reauthorizationLeadMs: 60_000,
    },
  });
  await control('PUT', `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`, {});
  dataDir = await mkdtemp(join(tmpdir(), 'cas-fresh-'));
  const common = {
    DATA_DIR: dataDir,
    SECRET_DATA_ENCRYPTION_KEY: KEY,
    AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
    GRAPH_BASE_URL: emulator.origin,
    AAD_APP_CLIENT_ID: CLOUD_APP_SECURITY_CLIENT_ID,
    SECRET_AAD_APP_CLIENT_SECRET: CLOUD_APP_SECURITY_CLIENT_SECRET,
    // One registration stands in for every consent app: this is not about the split.
    ...consentAppEnvironment(
      everyConsentApp({
        clientId: CLOUD_APP_SECURITY_CLIENT_ID,
        clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
      }),
    ),
    LOG_LEVEL: 'silent',
  };
  const port = await freePort();
  apiOrigin = `http://127.0.0.1:${port}`;
  api = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'api/src/bin.ts'], {
    cwd: new URL('../../../', import.meta.url).pathname,
    env: {
      ...(process.env as Record<string, string>),
      ...common,
      // No env/.env.* file: this test's environment only.
      TEAMSFX_ENV: 'change-notification-test',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      API_PUBLIC_URL: `http://localhost:${port}`,
      TAB_ORIGIN: 'https://localhost:53000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout?.on('data', (chunk: Buffer) => (apiOutput += chunk.toString()));
  api.stderr?.on('data', (chunk: Buffer) => (apiOutput += chunk.toString()));
  await until(
    `the API at ${apiOrigin}`,
    async () => ((await fetch(`${apiOrigin}/readyz`).catch(() => undefined))?.ok ? true : undefined),
    30_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${apiOutput}`);
  });
  worker = await startWorker(
    loadWorkerConfig({
      ...common,
      SMTP_URL: 'smtp://127.0.0.1:9',
      SYNC_POLL_INTERVAL_SECONDS: '0.2',
      // The periodic delta round stays far away: every refresh in these tests comes from a notification.
      SYNC_DELTA_INTERVAL_MINUTES: '1440',
      SYNC_DELTA_INTERVAL_WITH_NOTIFICATIONS_MINUTES: '1440',
      CHANGE_NOTIFICATION_URL: `${apiOrigin}/api/change-notifications`,
      CHANGE_NOTIFICATION_DEBOUNCE_SECONDS: '1',
      CHANGE_NOTIFICATION_POLL_SECONDS: '0.2',
      CHANGE_SUBSCRIPTION_UPKEEP_SECONDS: '3600',
      CHANGE_SUBSCRIPTION_LIFETIME_MINUTES: '120',
      CHANGE_SUBSCRIPTION_RENEW_BEFORE_MINUTES: '90',
      CHANGE_SUBSCRIPTION_VERIFY_MINUTES: '0',
    }),
    { logger: silentLogger, now: () => new Date(Date.now() + clockOffsetMs).toISOString() },
  );
  store = worker.store;
  // Done, as the API saves it: the first synchronization is requested and subscriptions follow.
  await protectAllUsers(store, TENANT);
  await scheduleSyncRuns({
    store,
    now: () => new Date().toISOString(),
    dailyTimeUtc: '02:00',
    deltaIntervalMs: 86_400_000,
  });
  worker.wakeSync();
  await worker.subscriptions?.reconcileAll();
  // The first (daily) synchronization runs at start; subscriptions come with the first upkeep pass.
  await until('the first synchronization', async () => ((await converged()) ? true : undefined), 30_000);
  await until('both subscriptions', async () =>
    (await emulatedSubscriptions()).length === 2 ? true : undefined,
  );
}, 90_000);

afterAll(async () => {
  await worker?.close();
  if (api && api.exitCode === null) {
    const exited = new Promise((resolve) => api.once('exit', resolve));
    api.kill('SIGTERM');
    await exited;
  }
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('change notifications drive the sync', () => {
  it('subscribes to users and groups with our endpoints and shows the state as active', async () => {
    const subscriptions = await emulatedSubscriptions();
    expect(subscriptions.map((subscription) => subscription.resource).sort()).toEqual(['groups', 'users']);
    const status = await store.changeNotifications.getStatus(TENANT);
    expect(status).toMatchObject({ state: 'active', cause: null });
    // The client state is kept only as its hash.
    const held = await store.changeNotifications.listSubscriptions(TENANT);
    expect(held.every((one) => /^[0-9a-f]{64}$/.test(one.clientStateHash))).toBe(true);
  });

  it('brings a user created in the emulator into the protected directory within seconds', async () => {
    const started = Date.now();
    const user = await control<{ id: string }>('POST', `/tenants/${TENANT}/users`, {
      userPrincipalName: `new.hire@${DOMAIN}`,
    });
    await until('the new user in the snapshot', async () =>
      (await snapshotUserIds()).has(user.id) ? true : undefined,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('turns a burst of changes into a handful of delta rounds', async () => {
    const before = (await notifiedRuns()).length;
    const ids: string[] = [];
    for (let index = 0; index < 60; index += 1) {
      const user = await control<{ id: string }>('POST', `/tenants/${TENANT}/users`, {
        userPrincipalName: `burst.${index}@${DOMAIN}`,
      });
      ids.push(user.id);
    }
    await until('the burst converged', async () => ((await converged()) ? true : undefined));
    const rounds = (await notifiedRuns()).length - before;
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(rounds).toBeLessThanOrEqual(3);
    const requests = (await notifiedRuns()).slice(0, rounds).reduce((sum, run) => sum + run.graphRequests, 0);
    expect(requests).toBeLessThanOrEqual(3 * 6);
  });

  it('gives the same final directory with duplicated and reordered deliveries', async () => {
    await control('POST', '/change-notifications/faults', { action: 'duplicate', count: 3 });
    await control('POST', '/change-notifications/faults', { action: 'reorder', count: 3 });
    const user = await control<{ id: string }>('POST', `/tenants/${TENANT}/users`, {
      userPrincipalName: `twice@${DOMAIN}`,
    });
    await control('PATCH', `/tenants/${TENANT}/users/${user.id}`, { displayName: 'Renamed twice' });
    const victim = [...(await snapshotUserIds())].find((id) => id !== user.id) as string;
    await control('DELETE', `/tenants/${TENANT}/users/${victim}`);
    await until('convergence after duplicates and reordering', async () =>
      (await converged()) ? true : undefined,
    );
    const stored = (await storedDirectory(store, TENANT, 'tenant')).users.find((one) => one.id === user.id);
    expect(stored?.displayName).toBe('Renamed twice');
    await control('DELETE', '/change-notifications/faults');
  });

  it('catches a dropped notification on the next safety-net round', async () => {
    await control('POST', '/change-notifications/faults', { action: 'drop', count: 5 });
    const user = await control<{ id: string }>('POST', `/tenants/${TENANT}/users`, {
      userPrincipalName: `dropped@${DOMAIN}`,
    });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await snapshotUserIds()).has(user.id)).toBe(false);
    await control('DELETE', '/change-notifications/faults');
    // The periodic delta round, as the scheduler requests it when the tenant's slot comes.
    const safetyNet = await store.syncJobs.requestRun(
      pendingRun(TENANT, { id: `delta:${TENANT}:safety-net`, trigger: 'delta' }),
    );
    expect(safetyNet.created).toBe(true);
    worker.wakeSync();
    await until('the dropped user in the snapshot', async () =>
      (await snapshotUserIds()).has(user.id) ? true : undefined,
    );
  });

  it('renews subscriptions well before they expire (emulator and worker clocks moved 35 minutes)', async () => {
    const before = await emulatedSubscriptions();
    clockOffsetMs += 35 * 60_000;
    emulator.advanceClock(35 * 60_000);
    const result = await worker.subscriptions?.reconcileTenant(TENANT);
    expect(result).toMatchObject({ renewed: 2, created: 0 });
    const after = await emulatedSubscriptions();
    expect(after.map((one) => one.id).sort()).toEqual(before.map((one) => one.id).sort());
    for (const subscription of after) {
      const old = before.find((one) => one.id === subscription.id) as EmulatedSubscription;
      expect(Date.parse(subscription.expirationDateTime)).toBeGreaterThan(Date.parse(old.expirationDateTime));
    }
    expect((await store.changeNotifications.getStatus(TENANT))?.renewedAt).not.toBeNull();
  });

  it('reauthorizes after reauthorizationRequired (consent changed) and notifications flow again', async () => {
    await control(
      'POST',
      `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}/remove-roles`,
      { resource: 'https://graph.microsoft.com', roles: ['Sites.Read.All'] },
    );
    await until('the subscriptions reauthorized', async () => {
      const subscriptions = await emulatedSubscriptions();
      return subscriptions.length === 2 &&
        subscriptions.every((one) => !one.needsReauthorization) &&
        (await control<{ counters: { lifecycleEvents: number } }>('GET', '/change-notifications')).counters
          .lifecycleEvents >= 2
        ? true
        : undefined;
    });
    const user = await control<{ id: string }>('POST', `/tenants/${TENANT}/users`, {
      userPrincipalName: `after.reauth@${DOMAIN}`,
    });
    await until('a user after reauthorization', async () =>
      (await snapshotUserIds()).has(user.id) ? true : undefined,
    );
    await control('PUT', `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`, {});
  });

  it('re-creates a subscription Graph lost, or removed with subscriptionRemoved', async () => {
    const [lost, removed] = await emulatedSubscriptions();
    await control('DELETE', `/change-notifications/subscriptions/${lost?.id ?? ''}`);
    await worker.subscriptions?.reconcileTenant(TENANT);
    await control('POST', `/change-notifications/subscriptions/${removed?.id ?? ''}/lifecycle`, {
      lifecycleEvent: 'subscriptionRemoved',
    });
    await until('two fresh subscriptions', async () => {
      const now = await emulatedSubscriptions();
      return now.length === 2 && !now.some((one) => one.id === lost?.id || one.id === removed?.id)
        ? true
        : undefined;
    });
    expect((await store.changeNotifications.listSubscriptions(TENANT)).map((one) => one.id).sort()).toEqual(
      (await emulatedSubscriptions()).map((one) => one.id).sort(),
    );
  });

  it('names a refused subscription instead of falling back silently', async () => {
    const [one] = await store.changeNotifications.listSubscriptions(TENANT);
    await control('DELETE', `/change-notifications/subscriptions/${one?.id ?? ''}`);
    // Graph is unavailable when the lost subscription is re-created: the status names it.
    await control('POST', '/faults', { pattern: '/v1.0/subscriptions', methods: ['POST'], rate503: 1 });
    const result = await worker.subscriptions?.reconcileTenant(TENANT);
    await control('DELETE', '/faults');
    expect(result?.failure).toBe('graphUnavailable');
    expect(await store.changeNotifications.getStatus(TENANT)).toMatchObject({
      state: 'failing',
      cause: 'graphUnavailable',
    });
    expect((await worker.subscriptions?.reconcileTenant(TENANT))?.failure).toBeUndefined();
    expect((await store.changeNotifications.getStatus(TENANT))?.state).toBe('active');
  });

  it('deletes the subscriptions when the tenant switches to selected users', async () => {
    const before = (await store.provisioning.get(TENANT))!;
    const saved = await store.provisioning.save(
      {
        ...before,
        services: {
          ...before.services,
          exchangeOnline: {
            ...before.services.exchangeOnline,
            scope: 'selectedUsers',
            targets: [
              { userId: 'x', displayName: 'X', userPrincipalName: `x@${DOMAIN}`, source: { kind: 'user' } },
            ],
          },
        },
      },
      before.version,
    );
    expect(saved.ok).toBe(true);
    const result = await worker.subscriptions?.reconcileTenant(TENANT);
    expect(result).toMatchObject({ deleted: 2 });
    expect(await emulatedSubscriptions()).toEqual([]);
    expect(await store.changeNotifications.listSubscriptions(TENANT)).toEqual([]);
    expect((await store.changeNotifications.getStatus(TENANT))?.state).toBe('off');
  });

  it('subscribes again when all users and groups return, and deletes when the service is no longer provisioned', async () => {
    await protectAllUsers(store, TENANT);
    expect(await worker.subscriptions?.reconcileTenant(TENANT)).toMatchObject({ created: 2 });
    expect(await emulatedSubscriptions()).toHaveLength(2);
    const before = (await store.provisioning.get(TENANT))!;
    const saved = await store.provisioning.save(
      {
        ...before,
        services: {
          ...before.services,
          exchangeOnline: { ...before.services.exchangeOnline, status: 'notProvisioned', scope: null },
        },
      },
      before.version,
    );
    expect(saved.ok).toBe(true);
    expect(await worker.subscriptions?.reconcileTenant(TENANT)).toMatchObject({ deleted: 2 });
    expect(await emulatedSubscriptions()).toEqual([]);
  });
});
