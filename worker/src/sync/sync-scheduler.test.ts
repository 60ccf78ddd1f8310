// Schedules (R3/R4): daily and delta runs for all-mode tenants only, each created once per slot
// even when several schedulers run at once, and never stacked behind a waiting run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning, type SyncScope } from '@cas/core';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleSyncRuns } from './sync-scheduler.js';

let store: DurableStore;
let other: DurableStore;
let dataDir: string;

async function provision(tenantId: string, scope: SyncScope): Promise<void> {
  const base = emptyProvisioning(tenantId);
  await store.provisioning.save(
    {
      ...base,
      services: {
        ...base.services,
        exchangeOnline: {
          ...base.services.exchangeOnline,
          status: 'protected',
          scope,
          protectedAt: '2026-01-01T00:00:00.000Z',
        },
      },
    },
    0,
  );
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-schedule-'));
  const key = SecretCipher.generateKey();
  store = await createStore({ dataDir, encryptionKey: key });
  other = await createStore({ dataDir, encryptionKey: key });
  await provision('tenant-all', 'allUsersAndGroups');
  await provision('tenant-selected', 'selectedUsers');
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

  it('adds nothing while that run is still pending, then a delta run per interval', async () => {
    expect(await scheduleSyncRuns(options('2026-03-01T02:20:00.000Z'))).toEqual([]);
    const [daily] = await store.syncRuns.list('tenant-all');
    if (daily === undefined) throw new Error('no daily run');
    await store.syncRuns.update({ ...daily, status: 'succeeded', finishedAt: '2026-03-01T02:06:00.000Z' });
    const delta = await scheduleSyncRuns(options('2026-03-01T02:20:00.000Z'));
    expect(delta.map((run) => [run.id, run.trigger])).toEqual([
      [
        `delta:tenant-all:exchangeOnline:${Math.floor(Date.parse('2026-03-01T02:20:00.000Z') / 900_000)}`,
        'delta',
      ],
    ]);
  });

  it('asks for the next daily run after the next daily time', async () => {
    for (const run of await store.syncRuns.list('tenant-all'))
      await store.syncRuns.update({ ...run, status: 'succeeded' });
    const next = await scheduleSyncRuns(options('2026-03-02T02:00:00.000Z'));
    expect(next.map((run) => run.id)).toEqual(['daily:tenant-all:exchangeOnline:2026-03-02']);
  });
});
