// Schedules (R3/R4): daily and delta runs for all-mode tenants only, each created once per slot
// even when several schedulers run at once, never stacked behind a waiting run, and a tick with
// nothing due costs one query however many tenants there are.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning, type SyncScope } from '@cas/core';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleSyncRuns, tenantDeltaSlot } from './sync-scheduler.js';

let store: DurableStore;
let other: DurableStore;
let dataDir: string;
let queries: string[] = [];
/** When the store saved provisioning (new tenants are due from then). */
const SAVED_AT = '2026-03-01T00:00:00.000Z';

async function provision(on: DurableStore, tenantId: string, scope: SyncScope): Promise<void> {
  const base = emptyProvisioning(tenantId);
  await on.provisioning.save(
    {
      ...base,
      services: {
        ...base.services,
        exchangeOnline: {
          ...base.services.exchangeOnline,
          status: 'protected',
          scope,
          protectedAt: SAVED_AT,
        },
      },
    },
    0,
  );
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-schedule-'));
  const key = SecretCipher.generateKey();
  store = await createStore({ dataDir, encryptionKey: key, now: () => SAVED_AT });
  other = await createStore({
    dataDir,
    encryptionKey: key,
    now: () => SAVED_AT,
    onQuery: (text) => queries.push(text),
  });
  await provision(store, 'tenant-all', 'allUsersAndGroups');
  await provision(store, 'tenant-selected', 'selectedUsers');
});

afterAll(async () => {
  await other?.close();
  await store?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('scheduleSyncRuns', () => {
  const options = (now: string, on = store) => ({
    store: on,
    now: () => now,
    dailyTimeUtc: '02:00',
    deltaIntervalMs: 15 * 60_000,
  });

  it('asks for the daily run of all-mode services once, from two schedulers at once, and none in selected mode', async () => {
    const [a, b] = await Promise.all([
      scheduleSyncRuns(options('2026-03-01T02:05:00.000Z')),
      scheduleSyncRuns(options('2026-03-01T02:05:00.000Z', other)),
    ]);
    const created = [...a, ...b];
    expect(created.map((run) => run.id)).toEqual(['daily:tenant-all:exchangeOnline:2026-03-01']);
    expect(created[0]).toMatchObject({ trigger: 'scheduled', scope: 'allUsersAndGroups', status: 'pending' });
    expect(await store.syncRuns.list('tenant-selected')).toEqual([]);
  });

  it("adds nothing while that run is still pending, then a delta run in the tenant's next slot", async () => {
    const slotAt = (at: string) => tenantDeltaSlot('tenant-all', Date.parse(at), 900_000);
    // Due again at the tenant's next delta slot, not before.
    const [schedule] = await store.syncJobs.dueSchedules('9999-01-01T00:00:00.000Z', 10);
    expect(schedule?.nextDueAt).toBe(new Date(slotAt('2026-03-01T02:05:00.000Z').nextAtMs).toISOString());
    const next = schedule?.nextDueAt ?? '';
    expect(await scheduleSyncRuns(options(next))).toEqual([]);
    const [daily] = await store.syncRuns.list('tenant-all');
    if (daily === undefined) throw new Error('no daily run');
    await store.syncRuns.update({ ...daily, status: 'succeeded', finishedAt: '2026-03-01T02:06:00.000Z' });
    const later = new Date(Date.parse(next) + 900_000).toISOString();
    const delta = await scheduleSyncRuns(options(later));
    expect(delta.map((run) => [run.id, run.trigger])).toEqual([
      [`delta:tenant-all:exchangeOnline:${slotAt(later).slot}`, 'delta'],
    ]);
  });

  it('asks for the next daily run after the next daily time', async () => {
    for (const run of await store.syncRuns.list('tenant-all'))
      await store.syncRuns.update({ ...run, status: 'succeeded' });
    const next = await scheduleSyncRuns(options('2026-03-02T02:00:00.000Z'));
    expect(next.map((run) => run.id)).toEqual(['daily:tenant-all:exchangeOnline:2026-03-02']);
  });

  it('a tick with nothing due costs one query, however many tenants are scheduled', async () => {
    for (let index = 0; index < 40; index++)
      await provision(store, `tenant-many-${index}`, 'allUsersAndGroups');
    // The first tick schedules them all; the next, in the same slot, has nothing due.
    await scheduleSyncRuns(options('2026-03-02T02:01:00.000Z', other));
    const [earliest] = await store.syncJobs.dueSchedules('9999-01-01T00:00:00.000Z', 1);
    const idle = new Date(Date.parse(earliest?.nextDueAt ?? '') - 1).toISOString();
    expect(idle > '2026-03-02T02:01:00.000Z').toBe(true);
    queries = [];
    expect(await scheduleSyncRuns(options(idle, other))).toEqual([]);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatch(/from "sync_schedules"/);
  });

  it('spreads tenants over the interval instead of making them all due at once', () => {
    const phases = new Set(
      Array.from({ length: 200 }, (_, index) =>
        Math.floor(tenantDeltaSlot(`t-${index}`, 0, 900_000).nextAtMs / 60_000),
      ),
    );
    // 200 tenants over 15 one-minute buckets: nearly all buckets used.
    expect(phases.size).toBeGreaterThanOrEqual(12);
  });

  it('stops scheduling a tenant whose last all-mode service left all-users mode', async () => {
    const before = await store.provisioning.get('tenant-many-0');
    if (before === undefined) throw new Error('missing');
    await store.provisioning.save(
      {
        ...before,
        services: {
          ...before.services,
          exchangeOnline: { ...before.services.exchangeOnline, scope: 'selectedUsers' },
        },
      },
      before.version,
    );
    const due = await store.syncJobs.dueSchedules('9999-01-01T00:00:00.000Z', 1_000);
    expect(due.map((each) => each.tenantId)).not.toContain('tenant-many-0');
    expect(due.map((each) => each.tenantId)).toContain('tenant-many-1');
  });
});
