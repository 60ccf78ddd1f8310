/**
 * `npm run bench:sync`: a full synchronization of a 100,000-user, 10,000-group emulator tenant
 * protected for all three services (one read must serve them all), on SQLite or, with
 * `DATABASE_URL`, PostgreSQL
 * (realistic nesting, default throttling), then 100 directory changes and a delta synchronization.
 * Prints wall time, Graph requests, resource units, 429s, peak RSS of this (worker) process and
 * the lower bound of requests per collection. Sizes: `bench:sync -- [users] [groups]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics, type HeapSpaceInfo } from 'node:v8';
import { GRAPH_MAX_PAGE_SIZE, minimumPageRequests, SERVICE_IDS, type SyncRun } from '@cas/core';
import { CLOUD_APP_SECURITY_CLIENT_ID, CLOUD_APP_SECURITY_CLIENT_SECRET } from '@cas/m365-emulator';
import { createAppTokenSource, createGraphSyncClient } from '@cas/microsoft365';
import { createStore, SecretCipher } from '@cas/store';
import { pino } from 'pino';
import { SyncJobExecutor } from '../src/sync/sync-job-executor.js';
import { pendingRun, protectAllUsers } from '../src/test-support/sync-fixtures.js';
import { dropSchemas, startEmulatorProcess, trustEmulatorCa } from './processes.js';

const users = Number(process.argv[2] ?? 100_000);
const groups = Number(process.argv[3] ?? 10_000);

await trustEmulatorCa();
await bench();
// Pooled keep-alive sockets and msal's timers would keep the process alive for minutes.
process.exit(0);

interface Stats {
  totalRequests: number;
  throttled: number;
  resourceUnits: { total: number };
  routes: Record<string, { requests: number; statuses: Record<string, number> }>;
}

async function bench(): Promise<void> {
  const started = Date.now();
  const emulator = await startEmulatorProcess<{ origin: string; tenantId: string }>({
    BENCH_USERS: String(users),
    BENCH_GROUPS: String(groups),
  });
  const { origin, tenantId } = emulator.ready;
  try {
    await measure(origin, tenantId, started);
  } finally {
    emulator.child.kill('SIGTERM');
  }
}

/** Runs the full and the delta synchronization against the emulator at `origin` and prints the figures. */
async function measure(origin: string, tenantId: string, started: number): Promise<void> {
  console.log(
    `emulator with ${users} users, ${groups} groups ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const send = () =>
      fetch(`${origin}/_emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // A pooled keep-alive connection the server just closed fails once; a new one works.
    const response = await send().catch(() => send());
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  await control('PUT', `/tenants/${tenantId}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`, {});

  // Memory, sampled every 50 ms: the breakdown at the peak of RSS, and the peak of the V8 heap.
  const baseline = process.memoryUsage();
  let peak = baseline;
  let peakSpaces = getHeapSpaceStatistics();
  let peakHeapUsed = baseline.heapUsed;
  const sampler = setInterval(() => {
    const sample = process.memoryUsage();
    if (sample.rss > peak.rss) {
      peak = sample;
      peakSpaces = getHeapSpaceStatistics();
    }
    peakHeapUsed = Math.max(peakHeapUsed, sample.heapUsed);
  }, 50);
  const dataDir = await mkdtemp(join(tmpdir(), 'cas-bench-sync-'));
  const databaseUrl = process.env.DATABASE_URL;
  const schema = `cas_bench_${process.pid}`;
  const store = await createStore({
    dataDir,
    databaseUrl,
    schema,
    encryptionKey: SecretCipher.generateKey(),
  });
  console.log(`store: ${store.kind}`);
  // A run applies only to a protected service of the same scope (R14), as after Done; all three
  // services synchronize all users and groups, so one read must serve them all.
  await protectAllUsers(store, tenantId, SERVICE_IDS);
  const tokens = createAppTokenSource({
    authorityHost: origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
  });
  const executor = new SyncJobExecutor({
    store,
    graph: createGraphSyncClient({ graphBaseUrl: origin, tokens }),
    now: () => new Date().toISOString(),
    owner: 'bench',
    leaseMs: 60_000,
    logger: pino({ level: 'warn' }),
    // BENCH_READ_AHEAD=0: one Graph page in memory at a time (what the read-ahead costs).
    readAhead: process.env.BENCH_READ_AHEAD !== '0',
  });

  /** Requests one run per service at once and runs them as the worker does (one claim at a time). */
  const runOnce = async (overrides: Partial<SyncRun>) => {
    await control('DELETE', '/stats');
    const requestedAt = new Date().toISOString();
    const runs = SERVICE_IDS.map((service) => pendingRun(tenantId, { ...overrides, service, requestedAt }));
    for (const run of runs) await store.syncRuns.create(run);
    const t0 = Date.now();
    for (const run of runs) {
      const claimed = await store.syncJobs.claimRun(tenantId, run.id, executor.lease());
      // Served by the run before it: nothing left to claim.
      if (claimed === undefined) continue;
      await executor.execute(claimed.run, claimed.job);
    }
    const wallMs = Date.now() - t0;
    const all = await Promise.all(runs.map((run) => store.syncRuns.get(tenantId, run.id)));
    const finished = all.find((run) => (run?.graphRequests ?? 0) > 0) ?? all[0];
    const served = all.filter((run) => run !== finished);
    console.log(
      `\n(${runs.length} services requested: ${all.filter((run) => run?.status === 'succeeded').length} succeeded, ${served.filter((run) => run?.graphRequests === 0).length} served by the first run's read at 0 requests; Graph requests of all runs ${all.reduce((sum, run) => sum + (run?.graphRequests ?? 0), 0)})`,
    );
    const stats = await control<Stats>('GET', '/stats');
    const requestsOf = (prefix: string) =>
      Object.entries(stats.routes)
        .filter(([route]) => route.startsWith(prefix))
        .reduce((sum, [, counters]) => sum + counters.requests, 0);
    return { finished, wallMs, stats, requestsOf };
  };

  // Lower bounds: users at 999 per page plus the delta link; groups with members at the page
  // shape the delta round is served in (see groupDeltaPages).
  // Rows written per second: users, groups and memberships the full round stored.
  const full = await runOnce({ trigger: 'initial' });
  // The full sync's own peak, before this benchmark reads the snapshot back for its lower bounds.
  const fullPeak = { memory: peak, spaces: peakSpaces, heapUsed: peakHeapUsed };
  const counts = await store.directorySnapshots.counts({ tenantId, snapshot: 'tenant' });
  const usersRequests = full.requestsOf('GET /v1.0/users');
  const groupsRequests = full.requestsOf('GET /v1.0/groups');
  const usersBound = minimumPageRequests(counts.users, GRAPH_MAX_PAGE_SIZE) + 1;
  // 200 entries per delta page and 500 members per chunk: the page shape the emulator (like Graph) serves.
  const groupsBound = await groupDeltaPages(store, tenantId, 200, 500);
  print('Full sync', full, counts, [
    ['users (+ delta link)', usersRequests, usersBound],
    ['groups with members (delta round)', groupsRequests, groupsBound],
  ]);

  // 100 changes: 30 renames, 20 new users, 10 deleted users, 30 membership changes, 10 group renames.
  const sample = await store.directorySnapshots.listUsers({ tenantId, snapshot: 'tenant' }, { limit: 200 });
  const groupSample = await store.directorySnapshots.listGroups(
    { tenantId, snapshot: 'tenant' },
    { limit: 40 },
  );
  for (let i = 0; i < 30; i++)
    await control('PATCH', `/tenants/${tenantId}/users/${sample[i]?.id}`, { displayName: `Renamed ${i}` });
  const created: string[] = [];
  for (let i = 0; i < 20; i++) {
    const user = await control<{ id: string }>('POST', `/tenants/${tenantId}/users`, {
      userPrincipalName: `bench.new.${i}@bench.onmicrosoft.com`,
      displayName: `Bench New ${i}`,
    });
    created.push(user.id);
  }
  for (let i = 0; i < 10; i++) await control('DELETE', `/tenants/${tenantId}/users/${sample[100 + i]?.id}`);
  for (let i = 0; i < 30; i++) {
    await control('POST', `/tenants/${tenantId}/groups/${groupSample[i]?.id}/members`, {
      id: created[i % created.length],
    });
  }
  for (let i = 0; i < 10; i++)
    await control('PATCH', `/tenants/${tenantId}/groups/${groupSample[30 + i]?.id}`, {
      displayName: `Renamed group ${i}`,
    });
  const delta = await runOnce({ trigger: 'delta' });
  print(
    'Delta sync after 100 changes',
    delta,
    await store.directorySnapshots.counts({ tenantId, snapshot: 'tenant' }),
    [
      ['users', delta.requestsOf('GET /v1.0/users'), 1],
      ['groups with members', delta.requestsOf('GET /v1.0/groups'), 1],
    ],
  );
  clearInterval(sampler);
  const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;
  const breakdown = (sample: NodeJS.MemoryUsage) =>
    `rss ${mb(sample.rss)} = V8 heap ${mb(sample.heapTotal)} (used ${mb(sample.heapUsed)}) + external ${mb(sample.external)} (array buffers ${mb(sample.arrayBuffers)}) + the rest (code, native allocations, threads) ${mb(sample.rss - sample.heapTotal - sample.external)}`;
  const report = (
    title: string,
    at: { memory: NodeJS.MemoryUsage; spaces: HeapSpaceInfo[]; heapUsed: number },
  ) => {
    console.log(
      `\n${title}: ${mb(at.memory.rss)} (target ≤ 200 MB; read-ahead ${process.env.BENCH_READ_AHEAD === '0' ? 'off' : 'on'})`,
    );
    console.log(`  at peak:  ${breakdown(at.memory)}`);
    console.log(
      `  V8 heap spaces at peak (size / used): ${at.spaces
        .filter((space) => space.space_size >= 1_048_576)
        .map((space) => `${space.space_name} ${mb(space.space_size)} / ${mb(space.space_used_size)}`)
        .join(', ')}; most V8 heap in use until then: ${mb(at.heapUsed)}`,
    );
  };
  console.log(`\nMemory at start: ${breakdown(baseline)}`);
  report('Peak RSS of the worker process during the full sync', fullPeak);
  report('Peak RSS of the worker process, whole benchmark', {
    memory: peak,
    spaces: peakSpaces,
    heapUsed: peakHeapUsed,
  });
  const cleanup = Date.now();

  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  if (store.kind === 'postgres' && databaseUrl !== undefined) await dropSchemas(databaseUrl, [schema]);
  console.log(`(store closed and removed in ${((Date.now() - cleanup) / 1000).toFixed(1)} s)`);
}

/**
 * Pages a `/groups/delta` full round cannot do with fewer: one entry per group plus one per extra
 * member chunk, at most `pageSize` entries a page, and every continued group ends its page.
 */
async function groupDeltaPages(
  store: Awaited<ReturnType<typeof createStore>>,
  tenantId: string,
  pageSize: number,
  chunk: number,
): Promise<number> {
  const key = { tenantId, snapshot: 'tenant' as const };
  const perGroup = new Map<string, number>();
  let after: { groupId: string; memberId: string } | undefined;
  for (;;) {
    const page = await store.directorySnapshots.listMemberships(key, {
      limit: 50_000,
      ...(after ? { after } : {}),
    });
    if (page.length === 0) break;
    for (const membership of page)
      perGroup.set(membership.groupId, (perGroup.get(membership.groupId) ?? 0) + 1);
    const last = page.at(-1);
    after = last === undefined ? undefined : { groupId: last.groupId, memberId: last.memberId };
  }
  const groupsCount = (await store.directorySnapshots.counts(key)).groups;
  let splits = 0;
  for (const members of perGroup.values()) splits += Math.max(0, Math.ceil(members / chunk) - 1);
  // A page holds at most `pageSize` entries, and a group continued on the next page ends its page.
  return Math.max(minimumPageRequests(groupsCount + splits, pageSize), splits + 1);
}

function print(
  title: string,
  result: { finished: SyncRun | undefined; wallMs: number; stats: Stats },
  counts: { users: number; groups: number; memberships: number },
  collections: [string, number, number][],
): void {
  const run = result.finished;
  console.log(
    `\n${title}: ${run?.status} in ${result.wallMs < 1_000 ? `${result.wallMs} ms` : `${(result.wallMs / 1000).toFixed(1)} s`}`,
  );
  console.log(
    `  snapshot: ${counts.users} users, ${counts.groups} groups, ${counts.memberships} memberships`,
  );
  const rows = (run?.added ?? 0) + (run?.updated ?? 0) + (run?.removed ?? 0);
  console.log(
    `  added ${run?.added}, updated ${run?.updated}, removed ${run?.removed}` +
      (title.startsWith('Full') && result.wallMs >= 1_000
        ? `; objects ${Math.round(rows / (result.wallMs / 1000))}/s, rows incl. memberships ${Math.round((rows + counts.memberships) / (result.wallMs / 1000))}/s`
        : ''),
  );
  console.log(
    `  Graph requests ${run?.graphRequests} (emulator saw ${result.stats.totalRequests} incl. token requests), resource units ${result.stats.resourceUnits.total}, 429s ${result.stats.throttled}`,
  );
  for (const [name, requests, bound] of collections) {
    console.log(`  ${name}: ${requests} requests, lower bound ${bound} (${(requests / bound).toFixed(2)}×)`);
  }
}
