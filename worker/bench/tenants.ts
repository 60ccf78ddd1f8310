/**
 * `npm run bench:tenants`: 10,000 tenants on PostgreSQL (`DATABASE_URL`; the store-side part also
 * runs on SQLite without it), each protecting Exchange Online for all users and groups.
 * Part 1, the store side (`measureStoreSide`): queries of an idle scheduler tick, the time to
 * request every tenant's run when all are due, the fair `due()` query the pg-boss dispatcher runs
 * with every tenant pending, the queries of an idle email delivery pass, then the token health
 * monitor: an idle pass over every watched tenant, and two monitors (as two workers, here in one
 * process over two store connections) checking M emulator tenants of 20–200 users with real
 * tokens (checks per second).
 * Part 2, two worker processes against N emulator tenants (PostgreSQL only; see
 * `tenants-workers.ts`): first syncs, a delta round of every tenant due at once, and the start
 * delays of the steady state, also while one tenant floods manual syncs.
 * Size: `bench:tenants -- [tenants] [health-check emulator tenants]`, default 10,000 and 500;
 * `BENCH_PARTS=store` or `=workers` runs one part; `BENCH_WINDOW_SECONDS` (default 180) is each
 * steady-state window, `BENCH_FLOOD_PER_SECOND` (default 20) the flood's rate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVELOPMENT_CONSENT_APPS, startEmulator } from '@cas/m365-emulator';
import { createAppTokenSource } from '@cas/microsoft365';
import { createStore, SecretCipher } from '@cas/store';
import { pino } from 'pino';
import { TokenHealthMonitor } from '../src/health/token-health-monitor.js';
import { EmailDeliverer } from '../src/mail/email-deliverer.js';
import { scheduleSyncRuns } from '../src/sync/sync-scheduler.js';
import { provisionExchangeOnline } from './bench-tenants.js';
import { dropSchemas, trustEmulatorCa } from './processes.js';
import { measureWorkerProcesses } from './tenants-workers.js';

await trustEmulatorCa();

const tenants = Number(process.argv[2] ?? 10_000);
/** Emulator tenants (20–200 users each) whose tokens the health monitors really check. */
const emulatorTenants = Number(process.argv[3] ?? 500);
const databaseUrl = process.env.DATABASE_URL;
const parts = (process.env.BENCH_PARTS ?? 'store,workers').split(',');
if (parts.includes('store')) await measureStoreSide();
if (parts.includes('workers')) {
  if (databaseUrl === undefined)
    throw new Error('the worker-process part needs PostgreSQL: set DATABASE_URL');
  await measureWorkerProcesses({
    tenants,
    databaseUrl,
    windowSeconds: Number(process.env.BENCH_WINDOW_SECONDS ?? 180),
    floodPerSecond: Number(process.env.BENCH_FLOOD_PER_SECOND ?? 20),
    phaseTimeoutMs: 20 * 60_000,
  });
}
// Pooled keep-alive sockets and msal's timers would keep the process alive for minutes.
process.exit(0);

/** Part 1: the store side of scheduling, delivery and token health. */
async function measureStoreSide(): Promise<void> {
  const schema = `cas_bench_tenants_${process.pid}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'cas-bench-tenants-'));
  let queries = 0;
  const encryptionKey = SecretCipher.generateKey();
  const store = await createStore({
    dataDir,
    databaseUrl,
    schema,
    encryptionKey,
    onQuery: () => {
      queries += 1;
    },
  });
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`store: ${store.kind}, ${tenants} tenants`);

  try {
    let started = Date.now();
    const ids = Array.from(
      { length: tenants },
      (_, index) => `bench-tenant-${String(index).padStart(6, '0')}`,
    );
    const provision = (tenantIds: readonly string[]) => provisionExchangeOnline(store, tenantIds);
    await provision(ids);
    console.log(`provisioned in ${seconds(Date.now() - started)}`);

    const options = (now: string) => ({
      store,
      now: () => now,
      dailyTimeUtc: '02:00',
      deltaIntervalMs: 15 * 60_000,
      batch: 500,
    });
    // Every tenant is due: ticks of 500 until none is left.
    const dueAt = new Date(Date.now() + 1_000).toISOString();
    started = Date.now();
    queries = 0;
    let requested = 0;
    let ticks = 0;
    for (;;) {
      const created = await scheduleSyncRuns(options(dueAt));
      ticks += 1;
      requested += created.length;
      if (created.length === 0) break;
    }
    const scheduleMs = Date.now() - started;
    console.log(
      `scheduling with every tenant due: ${requested} runs requested in ${ticks} ticks, ${seconds(scheduleMs)} (${Math.round(requested / (scheduleMs / 1000))} runs/s, ${(queries / requested).toFixed(1)} queries per due tenant)`,
    );

    queries = 0;
    await scheduleSyncRuns(options(dueAt));
    console.log(`idle scheduler tick: ${queries} queries (target ≤ 5)`);

    // What the pg-boss dispatcher (and the embedded runner's claim) asks with every tenant pending.
    const timings: number[] = [];
    for (let round = 0; round < 5; round++) {
      const t0 = Date.now();
      await store.syncJobs.due(new Date().toISOString(), 100);
      timings.push(Date.now() - t0);
    }
    console.log(
      `fair due() with ${requested} pending runs: ${Math.min(...timings)}–${Math.max(...timings)} ms`,
    );

    const email = new EmailDeliverer({
      store,
      smtpUrl: 'smtp://127.0.0.1:9',
      from: 'Cloud App Security <no-reply@example.test>',
      now: () => new Date().toISOString(),
      logger: pino({ level: 'silent' }),
    });
    queries = 0;
    await email.deliverAll();
    console.log(`idle email delivery pass: ${queries} queries (target ≤ 5)`);
    email.close();

    // Token health: claim every store tenant's first check (one statement), then an idle pass.
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await store.provisioning.claimDueHealthChecks(new Date().toISOString(), future, tenants + 1);
    started = Date.now();
    const emulator = await startEmulator({
      port: 0,
      tenants: Array.from({ length: emulatorTenants }, (_, index) => ({
        seed: `bench-tenants-${index}`,
        users: 20 + ((index * 37) % 181),
        groups: 5,
        id: `be0c0000-0000-4000-8000-${String(index).padStart(12, '0')}`,
        defaultDomain: `bench-tenant-${index}.onmicrosoft.com`,
      })),
    });
    console.log(
      `emulator with ${emulatorTenants} tenants (20–200 users) started in ${seconds(Date.now() - started)}`,
    );
    const second = await createStore({ dataDir, databaseUrl, schema, encryptionKey });
    const monitorOn = (on: typeof store) =>
      new TokenHealthMonitor({
        store: on,
        tokens: createAppTokenSource({ authorityHost: emulator.origin, apps: DEVELOPMENT_CONSENT_APPS }),
        graphBaseUrl: emulator.origin,
        ewsEnabled: false,
        now: () => new Date().toISOString(),
        logger: pino({ level: 'silent' }),
        concurrency: 4,
      });
    try {
      // Each emulator tenant consents Exchange Online's Graph app (the app its check probes).
      const clientId = DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph.clientId;
      for (let index = 0; index < emulatorTenants; index++) {
        const tenantId = `be0c0000-0000-4000-8000-${String(index).padStart(12, '0')}`;
        const response = await fetch(
          `${emulator.origin}/_emulator/tenants/${tenantId}/service-principals/${clientId}`,
          {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          },
        );
        if (!response.ok) throw new Error(`consent ${tenantId}: ${response.status} ${await response.text()}`);
      }
      const monitors = [monitorOn(store), monitorOn(second)];
      queries = 0;
      const idle = await monitors[0]?.checkDue();
      console.log(
        `idle token health pass over ${tenants} watched tenants: ${queries} queries, ${idle?.length} checked`,
      );
      await provision(
        Array.from(
          { length: emulatorTenants },
          (_, index) => `be0c0000-0000-4000-8000-${String(index).padStart(12, '0')}`,
        ),
      );
      started = Date.now();
      const checked = await Promise.all(monitors.map((monitor) => monitor.checkDue()));
      const healthMs = Date.now() - started;
      const all = checked.flat();
      const incidents = await Promise.all(
        all.slice(0, 20).map((tenantId) => store.tokenIncidents.findOpen(tenantId)),
      );
      console.log(
        `token health, two monitors (4 at a time each) against the emulator: ${all.length} checks (${new Set(all).size} tenants, split ${checked.map((one) => one.length).join('/')}) in ${seconds(healthMs)} = ${(all.length / (healthMs / 1000)).toFixed(1)} checks/s; open incidents among the first 20: ${incidents.filter(Boolean).length} (${[...new Set(incidents.map((one) => one?.cause ?? 'ok'))].join(', ')})`,
      );
    } finally {
      await second.close();
      await emulator.close();
    }
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
    if (store.kind === 'postgres' && databaseUrl !== undefined) await dropSchemas(databaseUrl, [schema]);
  }
}
