/**
 * `npm run bench:tenants`: the store side of 10,000 tenants on PostgreSQL (`DATABASE_URL`, or
 * SQLite without it): provisions N tenants protecting Exchange Online for all users and groups,
 * then measures what the scheduler and the deliverers cost — queries of an idle scheduler tick,
 * the time to request every tenant's run when all are due, the fair `due()` query the pg-boss
 * dispatcher runs with every tenant pending, and the queries of an idle email delivery pass.
 * Graph is not involved (see docs/benchmarks.md for what this does not measure). Size:
 * `bench:tenants -- [tenants]`, default 10,000.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning } from '@cas/core';
import { createStore, SecretCipher } from '@cas/store';
import pg from 'pg';
import { pino } from 'pino';
import { EmailDeliverer } from '../src/mail/email-deliverer.js';
import { scheduleSyncRuns } from '../src/sync/sync-scheduler.js';

const tenants = Number(process.argv[2] ?? 10_000);
const databaseUrl = process.env.DATABASE_URL;
const schema = `cas_bench_tenants_${process.pid}`;
const dataDir = await mkdtemp(join(tmpdir(), 'cas-bench-tenants-'));
let queries = 0;
const store = await createStore({
  dataDir,
  databaseUrl,
  schema,
  encryptionKey: SecretCipher.generateKey(),
  onQuery: () => {
    queries += 1;
  },
});
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(`store: ${store.kind}, ${tenants} tenants`);

try {
  let started = Date.now();
  const ids = Array.from({ length: tenants }, (_, index) => `bench-tenant-${String(index).padStart(6, '0')}`);
  for (let index = 0; index < ids.length; index += 16) {
    await Promise.all(
      ids.slice(index, index + 16).map(async (tenantId) => {
        const base = emptyProvisioning(tenantId);
        await store.provisioning.save(
          {
            ...base,
            services: {
              ...base.services,
              exchangeOnline: {
                ...base.services.exchangeOnline,
                status: 'protected',
                scope: 'allUsersAndGroups',
                protectedAt: new Date().toISOString(),
              },
            },
          },
          0,
        );
      }),
    );
  }
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
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  if (store.kind === 'postgres') {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}
