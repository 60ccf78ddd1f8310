/**
 * Who picks up sync runs. Embedded (SQLite): an in-process loop claiming due runs from the same
 * tables. PostgreSQL: pg-boss distributes them over every worker process, one active job per
 * tenant (queue policy `singleton`, keyed by tenant); the tenant lease in the store still decides
 * who may write, so even an expired pg-boss job can never run a tenant twice.
 */
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { SyncJobExecutor } from './sync-job-executor.js';
import type { Store } from '@cas/core';
import type { Logger } from 'pino';

/** A running runner. */
export interface SyncRunner {
  /** Looks for work now instead of at the next poll. */
  wake(): void;
  /** Stops taking work and waits for the runs in progress. */
  close(): Promise<void>;
}

/** Options shared by both runners. */
export interface SyncRunnerOptions {
  readonly store: Store;
  readonly executor: SyncJobExecutor;
  readonly pollMs: number;
  readonly logger: Logger;
  /** Runs at once in this process (different tenants). Default 2. */
  readonly concurrency?: number;
}

/** Embedded runner: polls `syncJobs.claimNext` and executes what it claims. */
export function startEmbeddedSyncRunner(options: SyncRunnerOptions): SyncRunner {
  const concurrency = options.concurrency ?? 2;
  const active = new Set<Promise<void>>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let looking = false;

  async function look(): Promise<void> {
    if (looking || closed) return;
    looking = true;
    try {
      while (!closed && active.size < concurrency) {
        const claimed = await options.store.syncJobs.claimNext(options.executor.lease());
        if (claimed === undefined) break;
        const running = options.executor.execute(claimed.run, claimed.job).finally(() => {
          active.delete(running);
          void look();
        });
        active.add(running);
      }
    } catch (error) {
      options.logger.error({ err: error }, 'claiming sync runs failed');
    } finally {
      looking = false;
    }
  }

  const schedule = () => {
    timer = setTimeout(() => {
      void look().finally(() => {
        if (!closed) schedule();
      });
    }, options.pollMs);
  };
  void look();
  schedule();

  return {
    wake: () => void look(),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...active]);
    },
  };
}

/** pg-boss queue of sync runs. */
export const SYNC_QUEUE = 'cas-sync-run';

interface SyncJobData {
  readonly tenantId: string;
  readonly runId: string;
}

/** A stable UUID for a string, so every dispatcher sends the same job id for the same dispatch. */
export function uuidFor(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * PostgreSQL runner: a dispatcher sends the due runs to pg-boss — one per tenant, none of a tenant
 * being synchronized (`due` is fair, R13) — with a job id derived from the run, its attempt, its
 * lease and a 30 s slot, so dispatchers in several processes send each once; pg-boss hands it to
 * one worker, never two jobs of one tenant at once.
 */
export async function startPgBossSyncRunner(
  options: SyncRunnerOptions & {
    readonly connectionString: string;
    readonly schema?: string;
    readonly expireSeconds?: number;
  },
): Promise<SyncRunner> {
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: options.schema ?? 'pgboss',
    max: 4,
    schedule: false,
  });
  boss.on('error', (error) => options.logger.error({ err: error }, 'pg-boss error'));
  await boss.start();
  await boss.createQueue(SYNC_QUEUE, {
    name: SYNC_QUEUE,
    policy: 'singleton',
    // Retries and their backoff are ours (the run's job row), the same in both modes.
    retryLimit: 0,
    expireInSeconds: options.expireSeconds ?? 3_600,
  });
  let closed = false;

  // `concurrency` pg-boss workers, each running one job at a time. A pg-boss worker waits its
  // polling interval after every fetch unless notified, so one that just ran a job looks for the
  // next at once: otherwise a process would run one job per interval, far too few for 10,000
  // tenants' delta rounds.
  const workerIds: string[] = [];
  for (let index = 0; index < (options.concurrency ?? 2); index++) {
    const workerId: string = await boss.work<SyncJobData>(
      SYNC_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, options.pollMs / 1000) },
      async ([job]) => {
        if (job === undefined || closed) return;
        boss.notifyWorker(workerId);
        const claimed = await options.store.syncJobs.claimRun(
          job.data.tenantId,
          job.data.runId,
          options.executor.lease(),
        );
        // Not due, finished, or the tenant is busy: the dispatcher sends it again when it is due.
        if (claimed === undefined) return;
        await options.executor.execute(claimed.run, claimed.job);
      },
    );
    workerIds.push(workerId);
  }

  /** Sends the due runs (one per tenant that is not being synchronized) to the queue. */
  async function dispatch(): Promise<void> {
    const now = Date.parse(options.executor.lease().now);
    const slot = Math.floor(now / 30_000);
    const due = await options.store.syncJobs.due(new Date(now).toISOString(), 100);
    for (const { run, job } of due) {
      const id = uuidFor(`${run.id}|${job?.attempts ?? 0}|${job?.leaseUntil ?? ''}|${slot}`);
      await boss.send(SYNC_QUEUE, { tenantId: run.tenantId, runId: run.id } satisfies SyncJobData, {
        id,
        singletonKey: run.tenantId,
      });
    }
    // This process's worker fetches at once rather than at its next poll, so a run due now
    // starts within one dispatch interval.
    if (due.length > 0) for (const workerId of workerIds) boss.notifyWorker(workerId);
  }

  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    timer = setTimeout(() => {
      dispatch()
        .catch((error: unknown) => options.logger.error({ err: error }, 'dispatching sync runs failed'))
        .finally(() => {
          if (!closed) loop();
        });
    }, options.pollMs);
  };
  void dispatch().catch((error: unknown) =>
    options.logger.error({ err: error }, 'dispatching sync runs failed'),
  );
  loop();

  return {
    wake: () => void dispatch().catch(() => undefined),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
  };
}
