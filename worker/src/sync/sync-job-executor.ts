/**
 * Executes one claimed sync run: first checks that it still applies to its service's current
 * scope (R14) and cancels it otherwise, then keeps its lease alive, runs the engine from the
 * checkpoint, and records the outcome — succeeded; cancelled (its scope changed while it ran);
 * failed for good (a token problem, which the token health monitor reports); retried later with
 * backoff; or dead after the last attempt. The first dead run after a success raises the service's
 * "sync failing" alert in the same transaction; later dead runs of the streak raise nothing.
 */
import { randomUUID } from 'node:crypto';
import {
  backoffDelayMs,
  opensSyncFailingAlert,
  sanitizeFailureDetail,
  snapshotKeyOf,
  syncFailedNotification,
  syncRunApplies,
  SYNC_JOB_BACKOFF,
  type BackoffPolicy,
  type Repositories,
  type Store,
  type SyncCancelReason,
  type SyncJob,
  type SyncRun,
} from '@cas/core';
import { EntraError, GraphError } from '@cas/microsoft365';
import {
  runSync,
  SyncLeaseLostError,
  SyncNotApplicableError,
  type SyncCheckpoint,
  type SyncEngineOptions,
} from './sync-engine.js';
import type { Logger } from 'pino';

/** What the executor needs. */
export interface SyncJobExecutorOptions extends SyncEngineOptions {
  readonly store: Store;
  /** This process's lease owner id. */
  readonly owner: string;
  /** How long a lease lasts without a heartbeat. */
  readonly leaseMs: number;
  readonly backoff?: BackoffPolicy;
  readonly logger: Logger;
  /** Called when Graph or Entra refused our token, so health is checked now rather than later (R9). */
  readonly onTokenRefused?: (tenantId: string) => void;
}

/** Runs claimed jobs; one instance per worker process. */
export class SyncJobExecutor {
  readonly #options: SyncJobExecutorOptions;

  constructor(options: SyncJobExecutorOptions) {
    this.#options = options;
  }

  /** A lease for this owner from now. */
  lease(): { owner: string; now: string; leaseUntil: string } {
    const now = Date.parse(this.#options.now());
    return {
      owner: this.#options.owner,
      now: new Date(now).toISOString(),
      leaseUntil: new Date(now + this.#options.leaseMs).toISOString(),
    };
  }

  /** Runs a claimed run to its outcome; never throws for an expected failure. */
  async execute(run: SyncRun, job: SyncJob): Promise<void> {
    const { store, owner, logger } = this.#options;
    const log = logger.child({
      tenantId: run.tenantId,
      runId: run.id,
      trigger: run.trigger,
      attempt: job.attempts,
    });
    // R14: the scope that holds now decides, not the one of the request.
    const applies = syncRunApplies(await store.provisioning.get(run.tenantId), run);
    if (!applies.ok) {
      await this.#cancel(run, applies.error.reason, log);
      return;
    }
    let lost = false;
    const heartbeat = setInterval(
      () => {
        void store.syncJobs
          .renew(run.id, this.lease())
          .then((kept) => {
            if (!kept) lost = true;
          })
          .catch((error: unknown) => log.warn({ err: error }, 'sync lease renewal failed'));
      },
      Math.max(250, this.#options.leaseMs / 3),
    );
    heartbeat.unref();
    const started = Date.now();
    try {
      const totals = await runSync(
        {
          ...this.#options,
          onPage: async (checkpoint) => {
            if (lost) throw new SyncLeaseLostError(run.id);
            await this.#options.onPage?.(checkpoint);
          },
        },
        run,
        owner,
        (job.checkpoint as SyncCheckpoint | null) ?? null,
      );
      let served: SyncRun[] = [];
      let protectedTargets: number | null = null;
      const recorded = await store.transaction(async (tx) => {
        const finishedAt = this.#options.now();
        const count = protectedTargetsCounter(tx);
        protectedTargets = await count(run);
        const succeeded: SyncRun = {
          ...run,
          status: 'succeeded',
          finishedAt,
          protectedTargets,
          added: totals.added,
          updated: totals.updated,
          removed: totals.removed,
          graphRequests: totals.graphRequests,
          error: null,
          missingTargets: totals.missingTargets,
        };
        // A cancellation after the last page stands: the outcome never overwrites it.
        const moved = await tx.syncRuns.transition(succeeded, 'running');
        await tx.syncJobs.release(run.id, owner, { done: true });
        if (!moved) return false;
        await tx.protectedTargets.record({
          tenantId: run.tenantId,
          service: run.service,
          count: protectedTargets,
          lastSynchronizedAt: finishedAt,
        });
        // The shared snapshot is current for every all-mode service that asked before this read;
        // each of those services records its own count of what it protects.
        served = [];
        for (const each of await tx.syncJobs.completeServedBy(succeeded, totals.fullRound)) {
          const withCount: SyncRun = { ...each, protectedTargets: await count(each) };
          await tx.syncRuns.transition(withCount, 'succeeded');
          await tx.protectedTargets.record({
            tenantId: each.tenantId,
            service: each.service,
            count: withCount.protectedTargets ?? 0,
            lastSynchronizedAt: each.finishedAt ?? finishedAt,
          });
          served.push(withCount);
        }
        return true;
      });
      log.info(
        {
          ...totals,
          missingTargets: totals.missingTargets.length,
          protectedTargets,
          servedRuns: served.map((each) => each.id),
          meter: totals.meter,
          durationMs: Date.now() - started,
        },
        recorded ? 'sync run succeeded' : 'sync run finished after it was cancelled',
      );
    } catch (error) {
      if (error instanceof SyncNotApplicableError) {
        await this.#cancel(run, error.reason, log);
        return;
      }
      if (error instanceof SyncLeaseLostError) {
        if ((await store.syncRuns.get(run.tenantId, run.id))?.status === 'cancelled') {
          // Cancelled while running (its scope changed): nothing more was applied; free the tenant.
          await store.syncJobs.release(run.id, owner, { done: true });
          log.info('sync run cancelled while running; stopped before its next page');
          return;
        }
        log.warn('sync run lease lost; another worker continues it');
        return;
      }
      await this.#fail(run, job, error, log);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async #cancel(run: SyncRun, reason: SyncCancelReason, log: Logger): Promise<void> {
    const { store, owner } = this.#options;
    await store.syncJobs.cancelClaimed(run.id, owner, { reason, at: this.#options.now() });
    log.info({ reason }, 'sync run cancelled: it no longer applies to its service');
  }

  async #fail(run: SyncRun, job: SyncJob, error: unknown, log: Logger): Promise<void> {
    const { store, owner } = this.#options;
    const message = sanitizeFailureDetail(error instanceof Error ? error.message : String(error));
    const tokenRefused =
      error instanceof EntraError ||
      (error instanceof GraphError && (error.statusCode === 401 || error.statusCode === 403));
    const delay = tokenRefused
      ? undefined
      : backoffDelayMs(job.attempts, this.#options.backoff ?? SYNC_JOB_BACKOFF);
    const now = this.#options.now();
    const progress = (await store.syncJobs.get(run.id))?.checkpoint as SyncCheckpoint | null | undefined;
    const counts = {
      added: progress?.added ?? 0,
      updated: progress?.updated ?? 0,
      removed: progress?.removed ?? 0,
      graphRequests: progress?.graphRequests ?? 0,
    };
    await store.transaction(async (tx) => {
      if (delay !== undefined) {
        await tx.syncRuns.transition({ ...run, status: 'pending', ...counts, error: message }, 'running');
        await tx.syncJobs.release(run.id, owner, {
          done: false,
          error: message,
          nextAttemptAt: new Date(Date.parse(now) + delay).toISOString(),
        });
        return;
      }
      const finished: SyncRun = {
        ...run,
        status: tokenRefused ? 'failed' : 'dead',
        finishedAt: now,
        ...counts,
        error: message,
      };
      // Read before this run is recorded dead, so it does not count as its own streak.
      const opensAlert = !tokenRefused && (await opensFailingAlert(tx, run));
      const moved = await tx.syncRuns.transition(finished, 'running');
      await tx.syncJobs.release(run.id, owner, { done: false, error: message, nextAttemptAt: null });
      // A token failure is announced once per incident by the health monitor, not per run; a
      // streak of dead runs once, by its first run.
      if (moved && opensAlert)
        await tx.notifications.raise(syncFailedNotification({ id: randomUUID(), createdAt: now }, finished));
    });
    if (tokenRefused) this.#options.onTokenRefused?.(run.tenantId);
    log.warn(
      { err: message, retryInMs: delay ?? null, final: delay === undefined },
      delay === undefined ? 'sync run failed' : 'sync run failed; will retry',
    );
  }
}

/**
 * Counts what a run's service protects once its run has written everything: Exchange Online's
 * mailboxes and OneDrive's accounts from the snapshot's licence flags (one query per snapshot,
 * shared by the runs it serves), SharePoint Online's site collections from its table.
 */
function protectedTargetsCounter(tx: Repositories): (run: SyncRun) => Promise<number> {
  const holdings = new Map<string, Promise<{ mailboxes: number; oneDriveAccounts: number }>>();
  return async (run) => {
    if (run.service === 'sharePointOnline') return tx.protectedSites.count(run.tenantId);
    const key = snapshotKeyOf(run);
    const id = `${key.tenantId}|${key.snapshot}`;
    let counts = holdings.get(id);
    if (counts === undefined) {
      counts = tx.directorySnapshots.countHoldings(key);
      holdings.set(id, counts);
    }
    const { mailboxes, oneDriveAccounts } = await counts;
    return run.service === 'exchangeOnline' ? mailboxes : oneDriveAccounts;
  };
}

/** Whether this run's death opens its service's "sync failing" alert: one alert per failure streak. */
async function opensFailingAlert(tx: Repositories, run: SyncRun): Promise<boolean> {
  const filter = { service: run.service, limit: 1 } as const;
  const [lastSucceeded] = await tx.syncRuns.list(run.tenantId, { ...filter, status: 'succeeded' });
  const [previousDead] = await tx.syncRuns.list(run.tenantId, { ...filter, status: 'dead' });
  return opensSyncFailingAlert({ lastSucceeded, previousDead });
}
