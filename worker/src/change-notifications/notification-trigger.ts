/**
 * Turns received change notifications into delta rounds (ADR 0014): a tenant's notifications wait
 * until the oldest is `debounceMs` old, then all of them are taken, in one transaction with the
 * request of one delta run per service that synchronizes all users and groups. A burst of a
 * thousand changes therefore costs one round (a handful of delta requests), and a run already
 * queued absorbs them (R13). While one of the tenant's runs is running, its notifications wait: the
 * running round may have read past the change, the next one will not miss it.
 */
import { newSyncRun, servicesToRefresh, type Store, type SyncRun } from '@cas/core';
import type { Logger } from 'pino';

/** What the trigger needs. */
export interface NotificationTriggerOptions {
  readonly store: Store;
  /** Clock as ISO-8601. */
  readonly now: () => string;
  /** How long a tenant's first notification waits for the rest of its burst. */
  readonly debounceMs: number;
  readonly logger: Logger;
}

const TRIGGER = { kind: 'system', component: 'change-notifications' } as const;

/** One pass over tenants with due notifications; answers the runs it created. */
export async function requestNotifiedRounds(options: NotificationTriggerOptions): Promise<SyncRun[]> {
  const { store } = options;
  const now = options.now();
  const cutoff = new Date(Date.parse(now) - options.debounceMs).toISOString();
  const created: SyncRun[] = [];
  for (const tenantId of await store.changeNotifications.tenantsWithPending('change', cutoff)) {
    try {
      created.push(...(await requestRound(store, tenantId, now)));
    } catch (error) {
      options.logger.error({ err: error, tenantId }, 'could not turn change notifications into a sync round');
    }
  }
  return created;
}

/**
 * Requests one delta round for the tenant's services that synchronize everything, taking its
 * pending notifications; nothing when one of its runs is running (they wait for the next pass).
 */
export async function requestRound(store: Store, tenantId: string, now: string): Promise<SyncRun[]> {
  const provisioning = await store.provisioning.get(tenantId);
  const services = provisioning === undefined ? [] : servicesToRefresh(provisioning);
  for (const service of services) {
    const [latest] = await store.syncRuns.list(tenantId, { service, limit: 1 });
    if (latest?.status === 'running') return [];
  }
  return store.transaction(async (tx) => {
    await tx.changeNotifications.takePending(tenantId, 'change');
    const created: SyncRun[] = [];
    for (const service of services) {
      const run = newSyncRun({
        id: `notified:${tenantId}:${service}:${Date.parse(now)}`,
        tenantId,
        service,
        trigger: 'delta',
        scope: 'allUsersAndGroups',
        requestedAt: now,
        requestedBy: TRIGGER,
      });
      if ((await tx.syncJobs.requestRun(run)).created) created.push(run);
    }
    return created;
  });
}
