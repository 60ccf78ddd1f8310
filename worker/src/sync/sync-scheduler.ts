/**
 * R4 and the freshness beyond it: asks for the daily synchronization (at the configured UTC time)
 * and the frequent delta synchronization of every tenant's service that synchronizes all users
 * and groups (R3: none in selected mode). Work is proportional to what is due: each scheduled
 * tenant's next due time is an indexed column (`sync_schedules`), so a tick with nothing due is
 * one query, whatever the number of tenants. Tenants' delta slots are spread over the interval by
 * a phase derived from the tenant id, so 10,000 tenants do not all become due in the same second.
 * Run ids are derived from the slot, so several worker processes scheduling at once still create
 * each run once.
 */
import { createHash } from 'node:crypto';
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
  /** Tenants handled per tick at most (the rest stay due for the next tick). Default 500. */
  readonly batch?: number;
  /** Due tenants scheduled at once. Default 8. */
  readonly concurrency?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const SCHEDULER = { kind: 'system', component: 'sync-scheduler' } as const;

/** Where in each delta interval a tenant's slots start: stable, and spread evenly over tenants. */
export function tenantSchedulePhaseMs(tenantId: string, intervalMs: number): number {
  const hash = createHash('sha256').update(tenantId).digest();
  return hash.readUInt32BE(0) % Math.max(1, Math.floor(intervalMs));
}

/** The tenant's delta slot at `nowMs` (its number, and when the next one starts). */
export function tenantDeltaSlot(
  tenantId: string,
  nowMs: number,
  intervalMs: number,
): { readonly slot: number; readonly nextAtMs: number } {
  const phase = tenantSchedulePhaseMs(tenantId, intervalMs);
  const slot = Math.floor((nowMs - phase) / intervalMs);
  return { slot, nextAtMs: (slot + 1) * intervalMs + phase };
}

/** Requests the daily and delta runs of the tenants due now; returns the runs it created. */
export async function scheduleSyncRuns(options: SyncScheduleOptions): Promise<SyncRun[]> {
  const { store } = options;
  const now = options.now();
  const nowMs = Date.parse(now);
  // The latest daily slot at or before now.
  const dailySlot = nextDailySync(new Date(nowMs - DAY_MS).toISOString(), options.dailyTimeUtc);
  const nextDaily = Date.parse(nextDailySync(now, options.dailyTimeUtc));
  const created: SyncRun[] = [];
  const due = await store.syncJobs.dueSchedules(now, options.batch ?? 500);
  // A few tenants at a time: each costs a handful of round trips, not CPU.
  const workers = Array.from({ length: Math.min(options.concurrency ?? 8, due.length) }, async () => {
    for (let next = due.shift(); next !== undefined; next = due.shift()) await scheduleTenant(next.tenantId);
  });
  await Promise.all(workers);
  return created;

  async function scheduleTenant(tenantId: string): Promise<void> {
    const deltaIntervalMs = (await options.deltaIntervalMsFor?.(tenantId)) ?? options.deltaIntervalMs;
    const { slot, nextAtMs } = tenantDeltaSlot(tenantId, nowMs, deltaIntervalMs);
    const provisioning = await store.provisioning.get(tenantId);
    for (const service of provisioning === undefined ? [] : SERVICE_IDS) {
      if (provisioning === undefined || !scheduledSyncApplies(provisioning, service).ok) continue;
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
      // The daily run (a delta round unless a full one is due, R4); a delta run in the same slot
      // would only repeat it.
      if (latest === undefined || latest.requestedAt < dailySlot) {
        await request(`daily:${tenantId}:${service}:${dailySlot.slice(0, 10)}`, 'scheduled');
      } else {
        await request(`delta:${tenantId}:${service}:${slot}`, 'delta');
      }
    }
    await store.syncJobs.setNextDue(tenantId, new Date(Math.min(nextAtMs, nextDaily)).toISOString());
  }
}
