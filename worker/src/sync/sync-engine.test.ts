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
  settleRun,
  silentLogger,
  storedDirectory,
} from '../test-support/sync-fixtures.js';
import { SyncJobExecutor } from './sync-job-executor.js';
import type { SyncRun, Target, ServiceAccount, ServiceId } from '@cas/core';

const TENANT = 'c0ffee00-0000-4000-8000-00000000a001';
let emulator: RunningEmulator;
let store: DurableStore;
let dataDir: string;
let executor: SyncJobExecutor;
let executorGraph: ReturnType<typeof createGraphSyncClient>;
/** What the executor calls after every committed page (tests replace it). */
let onPage: () => void | Promise<void> = () => undefined;

const control = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  emulatorControl<T>(emulator.origin, method, path, body);

/** Sets one service account of the tenant as the API would have saved it. */
async function setAccount(service: ServiceId, account: Partial<ServiceAccount>): Promise<void> {
  const before = (await store.provisioning.get(TENANT)) ?? emptyProvisioning(TENANT);
  const saved = await store.provisioning.save(
    {
      ...before,
      services: {
        ...before.services,
        [service]: { ...before.services[service], status: 'protected', ...account },
      },
    },
    before.version,
  );
  if (!saved.ok) throw new Error('provisioning conflict');
}

/** Users of the emulator's directory as Selected Targets. */
function targetsOf(
  users: readonly { id: string; userPrincipalName: string; displayName: string }[],
): Target[] {
  return users.map((user) => ({
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    source: { kind: 'user' },
  }));
}

/** Runs a sync to its end through the same claim and executor the worker uses. */
async function sync(overrides: Partial<SyncRun> = {}): Promise<SyncRun> {
  const run = pendingRun(TENANT, overrides);
  await store.syncRuns.create(run);
  return finish(run);
}

/** Claims and executes an already requested run until it is no longer pending. */
const finish = (run: SyncRun): Promise<SyncRun> => settleRun(store, executor, run);

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
  executorGraph = graph;
  executor = new SyncJobExecutor({
    store,
    graph,
    now: () => new Date().toISOString(),
    owner: 'test-worker',
    leaseMs: 30_000,
    backoff: { baseMs: 1, maxMs: 1, maxAttempts: 3 },
    logger: silentLogger,
    onPage: () => onPage(),
  });
  await setAccount('exchangeOnline', { scope: 'allUsersAndGroups' });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await control('DELETE', '/faults');
  onPage = () => undefined;
});

describe('all users and groups', () => {
  it('a full sync equals the emulator directory exactly: users, groups and nested memberships', async () => {
    await control('DELETE', '/stats');
    const run = await sync({ trigger: 'initial' });
    expect(run).toMatchObject({ status: 'succeeded', removed: 0, error: null });
    const expected = emulatorDirectory(emulator, TENANT);
    expect(expected.memberships.some((membership) => membership.memberType === 'group')).toBe(true);
    expect(run.added).toBe(expected.users.length + expected.groups.length);
    expect(await storedDirectory(store, TENANT, 'tenant')).toEqual(expected);
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
    expect(await storedDirectory(store, TENANT, 'tenant')).toEqual(emulatorDirectory(emulator, TENANT));
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
    expect(await storedDirectory(store, TENANT, 'tenant')).toEqual(emulatorDirectory(emulator, TENANT));
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
    expect(await storedDirectory(store, TENANT, 'tenant')).toEqual(emulatorDirectory(emulator, TENANT));
    // The new links work again.
    expect(await sync({ trigger: 'delta' })).toMatchObject({ status: 'succeeded', graphRequests: 2 });
  });
});

describe('one directory per tenant, delta as the daily sync (R4)', () => {
  const graphRequestsSince = async () => {
    const stats = await control<{ routes: Record<string, { requests: number }> }>('GET', '/stats');
    return Object.entries(stats.routes)
      .filter(([route]) => route.includes('/v1.0'))
      .reduce((sum, [, counters]) => sum + counters.requests, 0);
  };

  it("one Graph read serves every all-mode service: the other services' runs cost no request", async () => {
    await setAccount('sharePointOnline', { scope: 'allUsersAndGroups', targets: [] });
    await setAccount('oneDrive', { scope: 'allUsersAndGroups', targets: [] });
    const requestedAt = new Date(Date.now() - 1_000).toISOString();
    const runs = (['exchangeOnline', 'sharePointOnline', 'oneDrive'] as const).map((service) =>
      pendingRun(TENANT, { service, trigger: 'manual', requestedAt }),
    );
    for (const run of runs) await store.syncRuns.create(run);
    await control('DELETE', '/stats');
    const first = await finish(runs[0] as SyncRun);
    expect(first).toMatchObject({ status: 'succeeded', error: null });
    const others = await Promise.all(runs.slice(1).map((run) => store.syncRuns.get(TENANT, run.id)));
    for (const other of others)
      expect(other).toMatchObject({
        status: 'succeeded',
        graphRequests: 0,
        added: first.added,
        updated: first.updated,
        removed: first.removed,
      });
    // Exactly the requests of one full round, counted by the emulator.
    expect(await graphRequestsSince()).toBe(first.graphRequests);
    expect(await storedDirectory(store, TENANT, 'tenant')).toEqual(emulatorDirectory(emulator, TENANT));
    for (const service of ['exchangeOnline', 'sharePointOnline', 'oneDrive'] as const)
      expect(await store.directorySnapshots.counts({ tenantId: TENANT, snapshot: service })).toEqual({
        users: 0,
        groups: 0,
        memberships: 0,
      });
  });

  it('a run requested after the shared round started is not served by it', async () => {
    const run = pendingRun(TENANT, { service: 'exchangeOnline', trigger: 'delta' });
    await store.syncRuns.create(run);
    const later = pendingRun(TENANT, {
      service: 'oneDrive',
      trigger: 'delta',
      requestedAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await store.syncRuns.create(later);
    expect(await finish(run)).toMatchObject({ status: 'succeeded' });
    expect(await store.syncRuns.get(TENANT, later.id)).toMatchObject({ status: 'pending' });
    expect(await finish(later)).toMatchObject({ status: 'succeeded', graphRequests: 2 });
  });

  it("an idle all-users tenant's daily sync is a delta round of at most 2 Graph requests; manual forces full", async () => {
    await control('DELETE', '/stats');
    const daily = await sync({ trigger: 'scheduled' });
    expect(daily).toMatchObject({ status: 'succeeded', added: 0, updated: 0, removed: 0 });
    expect(daily.graphRequests).toBeLessThanOrEqual(2);
    expect(await graphRequestsSince()).toBe(daily.graphRequests);
    // The Policies General tab's manual sync reads everything again.
    const manual = await sync({ trigger: 'manual' });
    expect(manual.status).toBe('succeeded');
    expect(manual.graphRequests).toBeGreaterThan(4);
  });

  it('the daily run is a full reconciling round once the weekly full round is due', async () => {
    const weekly = new SyncJobExecutor({
      store,
      graph: executorGraph,
      now: () => new Date(Date.now() + 8 * 24 * 3600_000).toISOString(),
      owner: 'test-worker',
      leaseMs: 30_000,
      logger: silentLogger,
    });
    const run = pendingRun(TENANT, { trigger: 'scheduled' });
    await store.syncRuns.create(run);
    const claimed = await store.syncJobs.claimRun(TENANT, run.id, executor.lease());
    if (claimed === undefined) throw new Error('not claimed');
    await weekly.execute(claimed.run, claimed.job);
    const done = await store.syncRuns.get(TENANT, run.id);
    expect(done?.status).toBe('succeeded');
    expect(done?.graphRequests).toBeGreaterThan(4);
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
    await setAccount('oneDrive', { scope: 'selectedUsers', targets });
    // One target left the directory after it was selected.
    await control('DELETE', `/tenants/${TENANT}/users/${chosen[0]?.id}`);
    const run = await sync({ service: 'oneDrive', scope: 'selectedUsers' });
    expect(run).toMatchObject({ status: 'succeeded', added: 44, graphRequests: 3 });
    // Reported in the run, not silently skipped.
    expect(run.missingTargets).toEqual([
      {
        userId: chosen[0]?.id,
        userPrincipalName: chosen[0]?.userPrincipalName,
        displayName: chosen[0]?.displayName,
      },
    ]);
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

describe('R14: a run applies to the scope that holds when it runs', () => {
  it('a selected-users retry that runs after Extend is cancelled and leaves the synchronized directory in place', async () => {
    const chosen = emulatorDirectory(emulator, TENANT).users.slice(300, 303);
    await setAccount('oneDrive', { scope: 'selectedUsers', targets: targetsOf(chosen) });
    expect(await sync({ service: 'oneDrive', scope: 'selectedUsers' })).toMatchObject({
      status: 'succeeded',
    });
    const before = await storedDirectory(store, TENANT, 'oneDrive');
    expect(before.users).toHaveLength(3);
    // A retry of the selected-users run waits; meanwhile Extend switches OneDrive to all users.
    const retry = pendingRun(TENANT, { service: 'oneDrive', scope: 'selectedUsers', trigger: 'initial' });
    await store.syncRuns.create(retry);
    await setAccount('oneDrive', { scope: 'allUsersAndGroups', targets: [] });
    const outcome = await finish(retry);
    expect(outcome).toMatchObject({ status: 'cancelled', cancelReason: 'scopeChanged', graphRequests: 0 });
    expect(await storedDirectory(store, TENANT, 'oneDrive')).toEqual(before);
    // The tenant is free at once for the run of the new scope.
    expect((await store.syncJobs.get(retry.id))?.leaseOwner).toBeNull();
  });

  it('an all-users run queued before a switch to selected users is cancelled without copying the directory', async () => {
    await setAccount('sharePointOnline', { scope: 'allUsersAndGroups', targets: [] });
    const queued = pendingRun(TENANT, { service: 'sharePointOnline', trigger: 'manual' });
    await store.syncRuns.create(queued);
    const one = emulatorDirectory(emulator, TENANT).users.slice(400, 401);
    await setAccount('sharePointOnline', { scope: 'selectedUsers', targets: targetsOf(one) });
    expect(await finish(queued)).toMatchObject({ status: 'cancelled', cancelReason: 'scopeChanged' });
    expect(await store.directorySnapshots.counts({ tenantId: TENANT, snapshot: 'sharePointOnline' })).toEqual(
      {
        users: 0,
        groups: 0,
        memberships: 0,
      },
    );
  });

  it('never sweeps on an empty selection', async () => {
    const chosen = emulatorDirectory(emulator, TENANT).users.slice(500, 502);
    await setAccount('oneDrive', { scope: 'selectedUsers', targets: targetsOf(chosen) });
    expect(await sync({ service: 'oneDrive', scope: 'selectedUsers' })).toMatchObject({
      status: 'succeeded',
    });
    const kept = await storedDirectory(store, TENANT, 'oneDrive');
    expect(kept.users).toHaveLength(2);
    await setAccount('oneDrive', { scope: 'selectedUsers', targets: [] });
    const run = await sync({ service: 'oneDrive', scope: 'selectedUsers' });
    expect(run).toMatchObject({ status: 'cancelled', cancelReason: 'noTargets' });
    expect(await storedDirectory(store, TENANT, 'oneDrive')).toEqual(kept);
  });

  it('a run whose scope changes while it runs stops at its next page and frees the tenant', async () => {
    await setAccount('sharePointOnline', { scope: 'allUsersAndGroups', targets: [] });
    const run = pendingRun(TENANT, { service: 'sharePointOnline', trigger: 'manual' });
    await store.syncRuns.create(run);
    let pages = 0;
    let pagesAfterCancel = 0;
    onPage = async () => {
      pages += 1;
      if (pages === 2) {
        // What the API's scope change does in its own transaction.
        await store.syncJobs.cancelQueued(TENANT, 'sharePointOnline', {
          reason: 'scopeChanged',
          at: new Date().toISOString(),
        });
      } else if (pages > 2) {
        pagesAfterCancel += 1;
      }
    };
    const outcome = await finish(run);
    expect(outcome).toMatchObject({ status: 'cancelled', cancelReason: 'scopeChanged' });
    expect(pagesAfterCancel).toBe(0);
    expect((await store.syncJobs.get(run.id))?.leaseOwner).toBeNull();
    const next = pendingRun(TENANT, { service: 'oneDrive', scope: 'allUsersAndGroups', trigger: 'manual' });
    await store.syncRuns.create(next);
    expect(await store.syncJobs.claimRun(TENANT, next.id, executor.lease())).toBeDefined();
    await store.syncJobs.release(next.id, 'test-worker', { done: true });
    await store.syncRuns.update({ ...next, status: 'cancelled', cancelReason: 'superseded' });
  });
});

describe('one open "sync failing" alert per tenant and service', () => {
  const failingAlerts = async () =>
    (await store.notifications.list(TENANT)).filter(
      (notification) => notification.kind === 'syncFailed' && notification.service === 'exchangeOnline',
    );

  it('a sync that keeps failing raises one open alert until a success; the next streak raises a new one', async () => {
    const before = (await failingAlerts()).length;
    await control('PUT', '/faults', { value: [{ pattern: '/v1.0/*', rate503: 1, retryAfterSeconds: 0 }] });
    expect(await sync({ trigger: 'manual' })).toMatchObject({ status: 'dead' });
    expect(await sync({ trigger: 'delta' })).toMatchObject({ status: 'dead' });
    expect(await sync({ trigger: 'delta' })).toMatchObject({ status: 'dead' });
    expect(await failingAlerts()).toHaveLength(before + 1);
    await control('DELETE', '/faults');
    expect(await sync({ trigger: 'delta' })).toMatchObject({ status: 'succeeded' });
    await control('PUT', '/faults', { value: [{ pattern: '/v1.0/*', rate503: 1, retryAfterSeconds: 0 }] });
    expect(await sync({ trigger: 'delta' })).toMatchObject({ status: 'dead' });
    expect(await failingAlerts()).toHaveLength(before + 2);
  });
});
