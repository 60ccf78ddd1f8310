/**
 * R4 and the freshness beyond it: asks for the daily synchronization (at the configured UTC time)
 * and the frequent delta synchronization of every tenant's service that synchronizes all users
 * and groups (R3: none in selected mode). Run ids are derived from the time slot, so several
 * worker processes scheduling at once still create each run once.
 */
import {
  newSyncRun,
  nextDailySync,
  scheduledSyncApplies,
  SERVICE_IDS,
  type Store,
  type SyncRun,
  type SyncTrigger,
} from '@cas/core';

/** What the scheduler needs. */
export interface SyncScheduleOptions {
  readonly store: Store;
  readonly now: () => string;
  /** "HH:MM" UTC. */
  readonly dailyTimeUtc: string;
  readonly deltaIntervalMs: number;
  /**
   * The delta interval of one tenant when it differs (a tenant whose Graph change notifications
   * are active needs delta only as a safety net, ADR 0014); default `deltaIntervalMs`.
   */
  readonly deltaIntervalMsFor?: (tenantId: string) => Promise<number>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const SCHEDULER = { kind: 'system', component: 'sync-scheduler' } as const;

/** Requests the daily and delta runs due now; returns the runs it created. */
export async function scheduleSyncRuns(options: SyncScheduleOptions): Promise<SyncRun[]> {
  const { store } = options;
  const now = options.now();
  // The latest daily slot at or before now.
  const dailySlot = nextDailySync(new Date(Date.parse(now) - DAY_MS).toISOString(), options.dailyTimeUtc);
  const created: SyncRun[] = [];
  for (const tenantId of await store.provisioning.listTenantIds()) {
    const provisioning = await store.provisioning.get(tenantId);
    if (provisioning === undefined) continue;
    const deltaIntervalMs = (await options.deltaIntervalMsFor?.(tenantId)) ?? options.deltaIntervalMs;
    const deltaSlot = Math.floor(Date.parse(now) / deltaIntervalMs);
    for (const service of SERVICE_IDS) {
      if (!scheduledSyncApplies(provisioning, service).ok) continue;
      const [latest] = await store.syncRuns.list(tenantId, { service, limit: 1 });
      // Never pile runs up behind one that is still waiting or running.
      if (latest !== undefined && (latest.status === 'pending' || latest.status === 'running')) continue;
      const request = async (id: string, trigger: SyncTrigger) => {
        const run = newSyncRun({
          id,
          tenantId,
          service,
          trigger,
          scope: 'allUsersAndGroups',
          requestedAt: now,
          requestedBy: SCHEDULER,
        });
        if ((await store.syncJobs.requestRun(run)).created) created.push(run);
      };
      // The daily run reconciles everything; a delta run in the same slot would only repeat it.
      if (latest === undefined || latest.requestedAt < dailySlot) {
        await request(`daily:${tenantId}:${service}:${dailySlot.slice(0, 10)}`, 'scheduled');
      } else {
        await request(`delta:${tenantId}:${service}:${deltaSlot}`, 'delta');
      }
    }
  }
  return created;
}
