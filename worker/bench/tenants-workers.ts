/**
 * The worker-process part of `npm run bench:tenants`: two worker processes (the production
 * composition, `worker/bench/worker.ts`) on one PostgreSQL database, in a schema of the
 * benchmark's own, against N emulator tenants of 20–200 users (the emulator in its own process,
 * default throttling), each protecting Exchange Online for all users and groups. Phases:
 *   1. first synchronization of every tenant, all due at once (full rounds);
 *   2. a delta round of every tenant, all due at once (the worst case);
 *   3. the steady state: each tenant due at its own phase of the 15-minute interval, as the
 *      scheduler spreads them, observed for a window;
 *   4. the same while one tenant floods manual syncs (the store's request path the API uses).
 * Delay = a run's start minus the time its tenant became due (the slot's start), so it includes
 * the scheduler's tick, the dispatcher and the queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { newSyncRun } from '@cas/core';
import { CLOUD_APP_SECURITY_CLIENT_ID, CLOUD_APP_SECURITY_CLIENT_SECRET } from '@cas/m365-emulator';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { createStore, SecretCipher } from '@cas/store';
import pg from 'pg';
import { tenantSchedulePhaseMs } from '../src/sync/sync-scheduler.js';
import { benchTenantId, provisionExchangeOnline, quantile } from './bench-tenants.js';
import {
  cpuSeconds,
  dropSchemas,
  firstLine,
  machineCpuSeconds,
  ROOT,
  startEmulatorProcess,
} from './processes.js';

/** Sizes and windows of the worker-process part. */
export interface WorkerBenchOptions {
  readonly tenants: number;
  readonly databaseUrl: string;
  /** Seconds of the steady-state window, and of the window with one tenant's flood. */
  readonly windowSeconds: number;
  /** Manual sync requests per second of the flooding tenant. */
  readonly floodPerSecond: number;
  /** Longest wait for a phase where every tenant must finish a round. */
  readonly phaseTimeoutMs: number;
}

const DELTA_INTERVAL_MS = 15 * 60_000;
const SERVICE = 'exchangeOnline';

interface RunRow {
  readonly id: string;
  readonly tenant_id: string;
  readonly sync_trigger: string;
  readonly status: string;
  readonly requested_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
}

export async function measureWorkerProcesses(options: WorkerBenchOptions): Promise<void> {
  const { tenants, databaseUrl } = options;
  const schema = `cas_bench_workers_${process.pid}`;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  let started = Date.now();
  const emulator = await startEmulatorProcess<{ origin: string }>({ BENCH_TENANTS: String(tenants) }, [
    '--max-old-space-size=8192',
  ]);
  const { origin } = emulator.ready;
  console.log(
    `\nWorker processes: emulator with ${tenants} tenants (20–200 users, 5 groups) started in ${seconds(Date.now() - started)}`,
  );
  const encryptionKey = SecretCipher.generateKey();
  const store = await createStore({ databaseUrl, schema, encryptionKey });
  // The benchmark's own observation queries, beside the store.
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const workers: ChildProcess[] = [];
  try {
    const ids = Array.from({ length: tenants }, (_, index) => benchTenantId(index));
    started = Date.now();
    await provisionExchangeOnline(store, ids);
    for (let index = 0; index < ids.length; index += 32) {
      await Promise.all(
        ids.slice(index, index + 32).map(async (tenantId) => {
          const response = await fetch(
            `${origin}/_emulator/tenants/${tenantId}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
            { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' },
          );
          if (!response.ok)
            throw new Error(`consent ${tenantId}: ${response.status} ${await response.text()}`);
        }),
      );
    }
    console.log(`provisioned and consented ${tenants} tenants in ${seconds(Date.now() - started)}`);

    /** The emulator's request counts since the last call (which resets them). */
    const emulatorStats = async () => {
      const response = await fetch(`${origin}/_emulator/stats`);
      const stats = (await response.json()) as { totalRequests: number; throttled: number };
      await (await fetch(`${origin}/_emulator/stats`, { method: 'DELETE' })).text();
      return stats;
    };
    /** CPU seconds of each process (group) from now on, and the load average, for one phase. */
    const cpuMeter = () => {
      const take = () => ({
        at: Date.now(),
        emulator: cpuSeconds(emulator.child.pid ?? 0),
        workers: workers.map((worker) => cpuSeconds(worker.pid ?? 0)),
        machine: machineCpuSeconds(),
        bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
      });
      const before = take();
      return () => {
        const after = take();
        const wall = (after.at - before.at) / 1000;
        const share = (cpu: number) => `${cpu.toFixed(0)} s (${((100 * cpu) / wall).toFixed(0)} %)`;
        return `CPU over ${wall.toFixed(0)} s of wall time (2 cores = 200 %): emulator ${share(after.emulator - before.emulator)}, workers ${after.workers.map((cpu, index) => share(cpu - (before.workers[index] ?? 0))).join(' + ')}, benchmark ${share(after.bench - before.bench)}, the rest of the machine (PostgreSQL, other sessions) ${share(after.machine - before.machine - (after.emulator - before.emulator) - after.workers.reduce((sum, cpu, index) => sum + cpu - (before.workers[index] ?? 0), 0) - (after.bench - before.bench))}; load average ${loadavg()
          .map((load) => load.toFixed(1))
          .join(' ')}`;
      };
    };
    const runsSince = async (since: string): Promise<RunRow[]> =>
      (
        await db.query<RunRow>(
          `select id, tenant_id, sync_trigger, status, requested_at, started_at, finished_at
             from ${schema}.sync_runs where requested_at >= $1`,
          [since],
        )
      ).rows;
    /** Waits until every tenant has a succeeded run of `trigger` requested since `since`. */
    const untilEveryTenant = async (since: string, trigger: string): Promise<RunRow[]> => {
      const deadline = Date.now() + options.phaseTimeoutMs;
      let lastReport = Date.now();
      for (;;) {
        const runs = (await runsSince(since)).filter((run) => run.sync_trigger === trigger);
        const done = new Set(runs.filter((run) => run.status === 'succeeded').map((run) => run.tenant_id));
        if (done.size >= tenants || Date.now() > deadline) {
          if (done.size < tenants) console.log(`  timed out: ${done.size} of ${tenants} tenants done`);
          return runs;
        }
        if (Date.now() - lastReport > 30_000) {
          lastReport = Date.now();
          console.log(
            `  … ${done.size} of ${tenants} tenants done after ${seconds(Date.now() - Date.parse(since))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    };
    const delays = (values: readonly number[]) =>
      `p50 ${seconds(quantile(values, 0.5))}, p95 ${seconds(quantile(values, 0.95))}, max ${seconds(Math.max(...values))}`;
    /** Figures of a phase where every tenant became due at `dueAt`. */
    const allDue = (title: string, dueAt: string, runs: readonly RunRow[]) => {
      const dueMs = Date.parse(dueAt);
      const succeeded = runs.filter((run) => run.status === 'succeeded');
      const finishedMs = Math.max(...succeeded.map((run) => Date.parse(run.finished_at ?? '')));
      console.log(
        `${title}: ${succeeded.length} rounds succeeded (${runs.filter((run) => run.status === 'failed').length} failed), every tenant done ${seconds(finishedMs - dueMs)} after becoming due (${(succeeded.length / ((finishedMs - dueMs) / 1000)).toFixed(1)} rounds/s)`,
      );
      console.log(
        `  run requested after due: ${delays(runs.map((run) => Date.parse(run.requested_at) - dueMs))}; started after due: ${delays(succeeded.map((run) => Date.parse(run.started_at ?? '') - dueMs))}`,
      );
    };

    // The workers: production composition and defaults, except the shared stand-in consent app.
    const workerEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      STORE_SCHEMA: schema,
      SECRET_DATA_ENCRYPTION_KEY: encryptionKey,
      AAD_APP_OAUTH_AUTHORITY_HOST: origin,
      GRAPH_BASE_URL: origin,
      ...consentAppEnvironment(
        everyConsentApp({
          clientId: CLOUD_APP_SECURITY_CLIENT_ID,
          clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
        }),
      ),
      // Token health probes Graph only: the emulator tenants' stand-in app has no EWS role.
      EWS_CONSENT_ENABLED: 'false',
      SMTP_URL: 'smtp://127.0.0.1:9',
      LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'error',
    };
    await emulatorStats();
    let meter = cpuMeter();
    const firstDue = new Date().toISOString();
    for (let index = 0; index < 2; index++) {
      const worker = spawn(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', 'worker/bench/worker.ts'],
        { cwd: ROOT, env: workerEnv, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      workers.push(worker);
    }
    await Promise.all(workers.map((worker) => firstLine(worker)));
    console.log(`two worker processes started in ${seconds(Date.now() - Date.parse(firstDue))}`);

    // 1. First synchronization of every tenant: full rounds, all due at once.
    allDue('1. first sync, all due at once', firstDue, await untilEveryTenant(firstDue, 'scheduled'));
    let stats = await emulatorStats();
    console.log(`  Graph and token requests ${stats.totalRequests}, 429s ${stats.throttled}`);
    console.log(`  ${meter()}`);

    // 2. A delta round of every tenant, all due at once (the worst case).
    meter = cpuMeter();
    // Tenants whose slot came during phase 1 already ran its delta round, and a slot's run is
    // requested once (its id is derived from the slot): those runs of phase 1 are removed (history
    // only, no run is pending) so that every tenant's current slot is requested again.
    await db.query(
      `delete from ${schema}.sync_jobs where run_id in (select id from ${schema}.sync_runs where sync_trigger = 'delta')`,
    );
    await db.query(`delete from ${schema}.sync_runs where sync_trigger = 'delta'`);
    const deltaDue = new Date().toISOString();
    await db.query(`update ${schema}.sync_schedules set next_due_at = $1`, [deltaDue]);
    allDue('2. delta round, all due at once', deltaDue, await untilEveryTenant(deltaDue, 'delta'));
    stats = await emulatorStats();
    console.log(`  Graph and token requests ${stats.totalRequests}, 429s ${stats.throttled}`);
    console.log(`  ${meter()}`);

    // 3 and 4. Steady state: tenants come due at their own phase of the interval.
    const flooding = benchTenantId(0);
    const window = async (title: string, flood: boolean) => {
      meter = cpuMeter();
      const startMs = Date.now();
      const endMs = startMs + options.windowSeconds * 1000;
      let floodRequests = 0;
      let floodQueued = 0;
      if (flood) {
        const pause = 1000 / options.floodPerSecond;
        while (Date.now() < endMs) {
          const tick = Date.now();
          const requested = await store.syncJobs.requestRun(
            newSyncRun({
              id: randomUUID(),
              tenantId: flooding,
              service: SERVICE,
              trigger: 'manual',
              scope: 'allUsersAndGroups',
              requestedAt: new Date().toISOString(),
              requestedBy: { kind: 'user', userId: 'flood', userPrincipalName: 'flood@bench.test' },
            }),
          );
          floodRequests += 1;
          if (requested.created) floodQueued += 1;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, pause - (Date.now() - tick))));
        }
      } else {
        await new Promise((resolve) => setTimeout(resolve, endMs - startMs));
      }
      // Who became due in the window (leaving a minute for the last to start), and when they started.
      const measuredUntil = endMs - 60_000;
      const runs = new Map(
        (await runsSince(new Date(startMs - DELTA_INTERVAL_MS).toISOString())).map((run) => [run.id, run]),
      );
      const values: number[] = [];
      let notStarted = 0;
      for (const tenantId of flood ? ids.slice(1) : ids) {
        const phase = tenantSchedulePhaseMs(tenantId, DELTA_INTERVAL_MS);
        const slot = Math.ceil((startMs - phase) / DELTA_INTERVAL_MS);
        const dueMs = slot * DELTA_INTERVAL_MS + phase;
        if (dueMs >= measuredUntil) continue;
        const run = runs.get(`delta:${tenantId}:${SERVICE}:${slot}`);
        if (run?.started_at === undefined || run.started_at === null) {
          notStarted += 1;
          values.push(Number.POSITIVE_INFINITY);
        } else values.push(Date.parse(run.started_at) - dueMs);
      }
      const finite = values.filter(Number.isFinite);
      console.log(
        `${title}: ${values.length} tenants became due in ${seconds(measuredUntil - startMs)} (${(values.length / ((measuredUntil - startMs) / 1000)).toFixed(1)}/s), ${notStarted} not started ≥ 60 s later; started after due: p50 ${seconds(quantile(values, 0.5))}, p95 ${seconds(quantile(values, 0.95))}, max of the started ${seconds(Math.max(...finite))}`,
      );
      if (flood) {
        const floodRuns = [...runs.values()].filter(
          (run) => run.tenant_id === flooding && run.sync_trigger === 'manual',
        );
        console.log(
          `  flood: ${floodRequests} manual sync requests by one tenant (${(floodRequests / options.windowSeconds).toFixed(0)}/s), ${floodQueued} queued (the others answered with the run already queued, R13), ${floodRuns.filter((run) => run.status === 'succeeded').length} of its full rounds succeeded`,
        );
      }
      stats = await emulatorStats();
      console.log(`  Graph and token requests ${stats.totalRequests}, 429s ${stats.throttled}`);
      console.log(`  ${meter()}`);
    };
    await window('3. steady state (due times spread over 15 minutes)', false);
    await window(`4. steady state while one tenant floods manual syncs (${options.floodPerSecond}/s)`, true);
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise((resolve) => (worker.exitCode === null ? worker.on('exit', resolve) : resolve(null))),
      ),
    );
    emulator.child.kill('SIGTERM');
    await db.end();
    await store.close();
    await dropSchemas(databaseUrl, [schema, `${schema}_boss`]);
  }
}
