/**
 * Executes one claimed sync run: keeps its lease alive, runs the engine from the checkpoint,
 * and records the outcome — succeeded; failed for good (a token problem, which the token health
 * monitor reports); retried later with backoff; or dead after the last attempt, with a
 * "Synchronization … failed" notification in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import {
  backoffDelayMs,
  sanitizeFailureDetail,
  syncFailedNotification,
  SYNC_JOB_BACKOFF,
  type BackoffPolicy,
  type Store,
  type SyncJob,
  type SyncRun,
} from '@cas/core';
import { EntraError, GraphError } from '@cas/microsoft365';
import { runSync, SyncLeaseLostError, type SyncCheckpoint, type SyncEngineOptions } from './sync-engine.js';
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
      await store.transaction(async (tx) => {
        await tx.syncRuns.update({
          ...run,
          status: 'succeeded',
          finishedAt: this.#options.now(),
          added: totals.added,
          updated: totals.updated,
          removed: totals.removed,
          graphRequests: totals.graphRequests,
          error: null,
        });
        await tx.syncJobs.release(run.id, owner, { done: true });
      });
      log.info({ ...totals, meter: totals.meter, durationMs: Date.now() - started }, 'sync run succeeded');
    } catch (error) {
      if (error instanceof SyncLeaseLostError) {
        log.warn('sync run lease lost; another worker continues it');
        return;
      }
      await this.#fail(run, job, error, log);
    } finally {
      clearInterval(heartbeat);
    }
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
        await tx.syncRuns.update({ ...run, status: 'pending', ...counts, error: message });
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
      await tx.syncRuns.update(finished);
      await tx.syncJobs.release(run.id, owner, { done: false, error: message, nextAttemptAt: null });
      // A token failure is announced once per incident by the health monitor, not per run.
      if (!tokenRefused)
        await tx.notifications.raise(syncFailedNotification({ id: randomUUID(), createdAt: now }, finished));
    });
    if (tokenRefused) this.#options.onTokenRefused?.(run.tenantId);
    log.warn(
      { err: message, retryInMs: delay ?? null, final: delay === undefined },
      delay === undefined ? 'sync run failed' : 'sync run failed; will retry',
    );
  }
}
