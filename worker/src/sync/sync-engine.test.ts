// The sync engine against the Microsoft 365 emulator with real msal-node, real fetch and a real
// SQLite store: full rounds, delta rounds, selected mode, injected throttling, expired delta tokens.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning } from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { createAppTokenSource, createGraphSyncClient } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  emulatorDirectory,
  pendingRun,
  silentLogger,
  storedDirectory,
} from '../test-support/sync-fixtures.js';
import { SyncJobExecutor } from './sync-job-executor.js';
import type { SyncRun, Target } from '@cas/core';

const TENANT = 'c0ffee00-0000-4000-8000-00000000a001';
let emulator: RunningEmulator;
let store: DurableStore;
let dataDir: string;
let executor: SyncJobExecutor;

const control = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  emulatorControl<T>(emulator.origin, method, path, body);

/** Runs a sync to its end through the same claim and executor the worker uses. */
async function sync(overrides: Partial<SyncRun> = {}): Promise<SyncRun> {
  const run = pendingRun(TENANT, overrides);
  await store.syncRuns.create(run);
  for (;;) {
    const claimed = await store.syncJobs.claimRun(TENANT, run.id, executor.lease());
    if (claimed === undefined) break;
    await executor.execute(claimed.run, claimed.job);
    const after = await store.syncRuns.get(TENANT, run.id);
    if (after?.status !== 'pending') break;
  }
  const finished = await store.syncRuns.get(TENANT, run.id);
  if (finished === undefined) throw new Error('run vanished');
  return finished;
}

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    tenants: [
      { seed: 'worker-sync', users: 2_300, groups: 260, id: TENANT, defaultDomain: 'sync.onmicrosoft.com' },
    ],
  });
  await control('PUT', `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`, {});
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-sync-'));
  store = await createStore({ dataDir, encryptionKey: SecretCipher.generateKey() });
  const tokens = createAppTokenSource({
    authorityHost: emulator.origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
  });
  const graph = createGraphSyncClient({
    graphBaseUrl: emulator.origin,
    tokens,
    // Injected faults say "retry after 1 s"; tests wait a hundredth of that.
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))),
  });
  executor = new SyncJobExecutor({
    store,
    graph,
    now: () => new Date().toISOString(),
    owner: 'test-worker',
    leaseMs: 30_000,
    backoff: { baseMs: 1, maxMs: 1, maxAttempts: 3 },
    logger: silentLogger,
  });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await control('DELETE', '/faults');
});

describe('all users and groups', () => {
  it('a full sync equals the emulator directory exactly: users, groups and nested memberships', async () => {
    await control('DELETE', '/stats');
    const run = await sync({ trigger: 'initial' });
    expect(run).toMatchObject({ status: 'succeeded', removed: 0, error: null });
    const expected = emulatorDirectory(emulator, TENANT);
    expect(expected.memberships.some((membership) => membership.memberType === 'group')).toBe(true);
    expect(run.added).toBe(expected.users.length + expected.groups.length);
    expect(await storedDirectory(store, TENANT, 'exchangeOnline')).toEqual(expected);
    // Every request the run counted reached Graph, and none was wasted: 1 delta link + 3 user
    // pages of 999, then the group delta round's pages (groups with their members).
    const stats = await control<{ routes: Record<string, { requests: number }> }>('GET', '/stats');
    const graphRequests = Object.entries(stats.routes)
      .filter(([route]) => route.includes('/v1.0'))
      .reduce((sum, [, counters]) => sum + counters.requests, 0);
    expect(run.graphRequests).toBe(graphRequests);
    expect(stats.routes['GET /v1.0/users']?.requests).toBe(3);
  });

  it('a delta sync after adds, changes and removes converges to the directory, in a few requests', async () => {
    const users = emulatorDirectory(emulator, TENANT).users;
    const groups = emulatorDirectory(emulator, TENANT).groups;
    const added = await control<{ id: string }>('POST', `/tenants/${TENANT}/users`, {
      userPrincipalName: 'new.person@sync.onmicrosoft.com',
      displayName: 'New Person',
    });
    await control('PATCH', `/tenants/${TENANT}/users/${users[5]?.id}`, {
      displayName: 'Renamed Person',
      accountEnabled: false,
    });
    await control('DELETE', `/tenants/${TENANT}/users/${users[6]?.id}`);
    await control('POST', `/tenants/${TENANT}/groups/${groups[1]?.id}/members`, { id: added.id });
    await control('POST', `/tenants/${TENANT}/groups/${groups[1]?.id}/members`, { id: groups[2]?.id });
    await control('DELETE', `/tenants/${TENANT}/groups/${groups[3]?.id}`);
    const run = await sync({ trigger: 'delta' });
    expect(run).toMatchObject({ status: 'succeeded', added: 1, updated: 1 });
    expect(run.removed).toBe(2);
    expect(run.graphRequests).toBeLessThanOrEqual(4);
    expect(await storedDirectory(store, TENANT, 'exchangeOnline')).toEqual(
      emulatorDirectory(emulator, TENANT),
    );
    // Nothing changed: the delta costs one request per collection.
    const idle = await sync({ trigger: 'delta' });
    expect(idle).toMatchObject({ status: 'succeeded', added: 0, updated: 0, removed: 0, graphRequests: 2 });
  });

  it('converges with 20% injected 429 and 503 answers', async () => {
    const users = emulatorDirectory(emulator, TENANT).users;
    await control('DELETE', `/tenants/${TENANT}/users/${users[10]?.id}`);
    await control('PUT', '/faults', {
      value: [{ pattern: '/v1.0/*', rate429: 0.1, rate503: 0.1, retryAfterSeconds: 1 }],
    });
    const full = await sync({ trigger: 'manual' });
    expect(full.status).toBe('succeeded');
    expect(full.removed).toBe(1);
    await control('DELETE', '/faults');
    expect(await storedDirectory(store, TENANT, 'exchangeOnline')).toEqual(
      emulatorDirectory(emulator, TENANT),
    );
    const stats = await control<{ faults: { status429: number; status503: number } }>('GET', '/stats');
    expect(stats.faults.status429 + stats.faults.status503).toBeGreaterThan(0);
  });

  it('recovers from an expired delta token with a full round', async () => {
    const users = emulatorDirectory(emulator, TENANT).users;
    await control('PATCH', `/tenants/${TENANT}/users/${users[20]?.id}`, {
      displayName: 'Changed Before Expiry',
    });
    await control('POST', '/clock', { advanceSeconds: 8 * 24 * 3600 });
    const run = await sync({ trigger: 'delta' });
    expect(run).toMatchObject({ status: 'succeeded', updated: 1, error: null });
    expect(await storedDirectory(store, TENANT, 'exchangeOnline')).toEqual(
      emulatorDirectory(emulator, TENANT),
    );
    // The new links work again.
    expect(await sync({ trigger: 'delta' })).toMatchObject({ status: 'succeeded', graphRequests: 2 });
  });
});

describe('selected users', () => {
  it('synchronizes exactly the selected targets, in $batch requests of 20', async () => {
    const users = emulatorDirectory(emulator, TENANT).users;
    const chosen = users.slice(100, 145);
    const targets: Target[] = chosen.map((user) => ({
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      source: { kind: 'user' },
    }));
    const base = emptyProvisioning(TENANT);
    await store.provisioning.save(
      {
        ...base,
        services: {
          ...base.services,
          oneDrive: { ...base.services.oneDrive, status: 'protected', scope: 'selectedUsers', targets },
        },
      },
      0,
    );
    // One target left the directory after it was selected.
    await control('DELETE', `/tenants/${TENANT}/users/${chosen[0]?.id}`);
    const run = await sync({ service: 'oneDrive', scope: 'selectedUsers' });
    expect(run).toMatchObject({ status: 'succeeded', added: 44, graphRequests: 3 });
    const stored = await storedDirectory(store, TENANT, 'oneDrive');
    expect(stored).toEqual({
      users: emulatorDirectory(emulator, TENANT).users.filter((user) =>
        chosen.slice(1).some((each) => each.id === user.id),
      ),
      groups: [],
      memberships: [],
    });
  });
});
