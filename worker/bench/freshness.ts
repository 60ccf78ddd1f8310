/**
 * `npm run bench:freshness`: how long a directory change takes to reach the protected directory.
 * Real parts on loopback: the emulator (in this process, default throttling), the API as its own
 * process (`api/src/bin.ts`, the public notification endpoint) and the worker (`startWorker`, its
 * production composition) over one SQLite store. After the first synchronization, users and
 * memberships are added, renamed and removed at a steady rate through the emulator's control API
 * while a watcher reads the snapshot every 250 ms and notes when each change shows. Some Graph
 * deliveries are duplicated and reordered on purpose. Then the same with change notifications off
 * (delta polling only). Prints p50/p95/max seconds change → snapshot, Graph delta requests per
 * change, delta rounds, duplicates and reorderings, and whether the end state equals the emulator's.
 *
 * Arguments: `bench:freshness -- [seconds of changes per mode, default 30] [changes per second,
 * default 1] [polling interval in minutes for the comparison, default 1]`. Default settings
 * otherwise (10 s debounce); the comparison's delta interval is shortened from 15 minutes so that
 * it fits the run: its latency grows with the interval (about half of it on average).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  DEFAULT_DATA_DIR,
  ensureTlsMaterial,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { pino } from 'pino';
import { loadWorkerConfig } from '../src/config.js';
import { startWorker, type RunningWorker } from '../src/main.js';
import { scheduleSyncRuns } from '../src/sync/sync-scheduler.js';
import {
  emulatorDirectory,
  protectAllUsers,
  storedDirectory,
  type DirectoryState,
} from '../src/test-support/sync-fixtures.js';

const seconds = Number(process.argv[2] ?? 30);
const rate = Number(process.argv[3] ?? 1);
const pollingMinutes = Number(process.argv[4] ?? 1);
const root = fileURLToPath(new URL('../../', import.meta.url));
const TENANT = 'c0ffee00-0000-4000-8000-00000000f018';
const DOMAIN = 'freshness.onmicrosoft.com';

// Node reads NODE_EXTRA_CA_CERTS only at start: trust the emulator's CA by starting again.
if (process.env.CAS_BENCH_TRUSTS_EMULATOR !== '1') {
  const tlsDir = join(DEFAULT_DATA_DIR, 'tls');
  const { caPath, caPem } = ensureTlsMaterial({ dir: tlsDir });
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  let trust = caPath;
  if (existing !== undefined && existing !== '' && existing !== caPath) {
    trust = join(tlsDir, 'ca-bundle.pem');
    writeFileSync(trust, `${readFileSync(existing, 'utf8').trim()}\n${caPem}`);
  }
  const again = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: trust, CAS_BENCH_TRUSTS_EMULATOR: '1' },
    stdio: 'inherit',
  });
  again.on('exit', (code) => process.exit(code ?? 1));
} else {
  const results = [await runMode(true), await runMode(false)];
  console.log('\n=== bench:freshness ===');
  console.log(
    `${new Date().toISOString()}, ${seconds} s of changes per mode at ${rate}/s, tenant 300 users / 30 groups`,
  );
  console.table(results);
  process.exit(0);
}

/** One change and how the snapshot shows it. */
interface Change {
  readonly kind: 'addUser' | 'renameUser' | 'deleteUser' | 'addMember' | 'removeMember';
  readonly at: number;
  readonly visible: (state: DirectoryState) => boolean;
  seenAt?: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function control<T = Record<string, unknown>>(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${emulator.origin}/_emulator${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function startApiProcess(environment: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'api/src/bin.ts'], {
    cwd: root,
    env: {
      ...(process.env as Record<string, string>),
      ...environment,
      TEAMSFX_ENV: 'bench-freshness',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      API_PUBLIC_URL: `http://localhost:${port}`,
      TAB_ORIGIN: 'https://localhost:53000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (ready?.ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the API did not start');
}

async function runMode(notifications: boolean): Promise<Record<string, string | number>> {
  const label = notifications ? 'change notifications' : `delta polling every ${pollingMinutes} min`;
  console.log(`\n--- ${label} ---`);
  const dataDir = await mkdtemp(join(tmpdir(), 'cas-bench-freshness-'));
  const emulator = await startEmulator({
    port: 0,
    tenants: [{ seed: 'freshness', users: 300, groups: 30, id: TENANT, defaultDomain: DOMAIN }],
  });
  let api: ChildProcess | undefined;
  let worker: RunningWorker | undefined;
  try {
    await control(
      emulator,
      'PUT',
      `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
      {},
    );
    const common = {
      DATA_DIR: dataDir,
      SECRET_DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      AAD_APP_CLIENT_ID: CLOUD_APP_SECURITY_CLIENT_ID,
      // One registration stands in for every consent app: this is not about the split.
      ...consentAppEnvironment(
        everyConsentApp({
          clientId: CLOUD_APP_SECURITY_CLIENT_ID,
          clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
        }),
      ),
      LOG_LEVEL: 'silent',
    };
    const port = await freePort();
    if (notifications) api = await startApiProcess(common, port);
    worker = await startWorker(
      loadWorkerConfig({
        ...common,
        SMTP_URL: 'smtp://127.0.0.1:9',
        SYNC_DELTA_INTERVAL_MINUTES: String(notifications ? 15 : pollingMinutes),
        ...(notifications
          ? { CHANGE_NOTIFICATION_URL: `http://127.0.0.1:${port}/api/change-notifications` }
          : {}),
      }),
      { logger: pino({ level: 'silent' }) },
    );
    const { store } = worker;
    await protectAllUsers(store, TENANT);
    // The first (daily) run, asked with the worker's own delta interval: the tenant's next due time
    // follows from it, and the polling comparison relies on that (issue 16's due-time schedule).
    await scheduleSyncRuns({
      store,
      now: () => new Date().toISOString(),
      dailyTimeUtc: '02:00',
      deltaIntervalMs: (notifications ? 15 : pollingMinutes) * 60_000,
    });
    worker.wakeSync();
    await worker.subscriptions?.reconcileAll();
    const converged = async () =>
      JSON.stringify(emulatorDirectory(emulator, TENANT)) ===
      JSON.stringify(await storedDirectory(store, TENANT, 'tenant'));
    for (const deadline = Date.now() + 120_000; !(await converged());) {
      if (Date.now() > deadline) throw new Error('the first synchronization did not finish');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (notifications) {
      // Some deliveries come twice or out of order, as Graph's may.
      await control(emulator, 'POST', '/change-notifications/faults', { action: 'duplicate', count: 5 });
      await control(emulator, 'POST', '/change-notifications/faults', { action: 'reorder', count: 5 });
    }
    await control(emulator, 'DELETE', '/stats');
    const roundsBefore = (await store.syncRuns.list(TENANT, { service: 'exchangeOnline', limit: 10_000 }))
      .length;

    const changes: Change[] = [];
    let watching = true;
    let stopped = false;
    const watcher = (async () => {
      while (!stopped && (watching || changes.some((change) => change.seenAt === undefined))) {
        const state = await storedDirectory(store, TENANT, 'tenant');
        const now = Date.now();
        for (const change of changes)
          if (change.seenAt === undefined && change.visible(state)) change.seenAt = now;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })().catch(() => undefined);
    const users = emulatorDirectory(emulator, TENANT).users.map((user) => user.id);
    const groups = emulatorDirectory(emulator, TENANT).groups.map((group) => group.id);
    const added: string[] = [];
    const memberships: { groupId: string; memberId: string }[] = [];
    const total = Math.round(seconds * rate);
    const started = Date.now();
    for (let index = 0; index < total; index += 1) {
      const dueAt = started + (index * 1000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now())));
      const at = Date.now();
      switch (index % 5) {
        case 0: {
          const user = await control<{ id: string }>(emulator, 'POST', `/tenants/${TENANT}/users`, {
            userPrincipalName: `fresh.${notifications ? 'n' : 'p'}${index}@${DOMAIN}`,
          });
          added.push(user.id);
          changes.push({
            kind: 'addUser',
            at,
            visible: (state) => state.users.some((one) => one.id === user.id),
          });
          break;
        }
        case 1: {
          const id = users[index % users.length] as string;
          const name = `Renamed ${index}`;
          await control(emulator, 'PATCH', `/tenants/${TENANT}/users/${id}`, { displayName: name });
          changes.push({
            kind: 'renameUser',
            at,
            visible: (state) => state.users.some((one) => one.id === id && one.displayName === name),
          });
          break;
        }
        case 2: {
          const groupId = groups[index % groups.length] as string;
          const memberId = added.at(-1) as string;
          await control(emulator, 'POST', `/tenants/${TENANT}/groups/${groupId}/members`, { id: memberId });
          memberships.push({ groupId, memberId });
          changes.push({
            kind: 'addMember',
            at,
            visible: (state) =>
              state.memberships.some((one) => one.groupId === groupId && one.memberId === memberId),
          });
          break;
        }
        case 3: {
          // Remove a membership added long enough ago to have shown: a change undone before any
          // round could see it is not a change the snapshot can reflect.
          const membership = memberships.length >= 5 ? memberships.shift() : undefined;
          if (membership === undefined) {
            const id = users[(index + 7) % users.length] as string;
            const name = `Renamed again ${index}`;
            await control(emulator, 'PATCH', `/tenants/${TENANT}/users/${id}`, { displayName: name });
            changes.push({
              kind: 'renameUser',
              at,
              visible: (state) => state.users.some((one) => one.id === id && one.displayName === name),
            });
            break;
          }
          await control(
            emulator,
            'DELETE',
            `/tenants/${TENANT}/groups/${membership.groupId}/members/${membership.memberId}`,
          );
          changes.push({
            kind: 'removeMember',
            at,
            visible: (state) =>
              !state.memberships.some(
                (one) => one.groupId === membership.groupId && one.memberId === membership.memberId,
              ),
          });
          break;
        }
        default: {
          const id = users.pop() as string;
          await control(emulator, 'DELETE', `/tenants/${TENANT}/users/${id}`);
          changes.push({
            kind: 'deleteUser',
            at,
            visible: (state) => !state.users.some((one) => one.id === id),
          });
        }
      }
    }
    watching = false;
    const drainLimit = Date.now() + (notifications ? 60_000 : pollingMinutes * 60_000 + 75_000);
    while (changes.some((change) => change.seenAt === undefined) && Date.now() < drainLimit) {
      if (!notifications) {
        // The worker's scheduler looks once a minute; ask as it would, so the bench stops on time.
        if (
          (
            await scheduleSyncRuns({
              store,
              now: () => new Date().toISOString(),
              dailyTimeUtc: '02:00',
              deltaIntervalMs: pollingMinutes * 60_000,
            })
          ).length > 0
        )
          worker.wakeSync();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await Promise.race([watcher, new Promise((resolve) => setTimeout(resolve, 2000))]);
    stopped = true;
    await watcher;
    const latencies = changes.flatMap((change) =>
      change.seenAt === undefined ? [] : [(change.seenAt - change.at) / 1000],
    );
    const stats = await control<{ routes: Record<string, { requests: number }> }>(emulator, 'GET', '/stats');
    const deltaRequests = Object.entries(stats.routes)
      .filter(([route]) => route.includes('/delta'))
      .reduce((sum, [, counters]) => sum + counters.requests, 0);
    const rounds =
      (await store.syncRuns.list(TENANT, { service: 'exchangeOnline', limit: 10_000 })).length - roundsBefore;
    const deliveries = notifications
      ? (await control<{ counters: Record<string, number> }>(emulator, 'GET', '/change-notifications'))
          .counters
      : undefined;
    const result = {
      mode: label,
      changes: changes.length,
      reflected: latencies.length,
      'not reflected (kinds)':
        changes
          .filter((change) => change.seenAt === undefined)
          .map((change) => change.kind)
          .join(' ') || '-',
      'p50 s': Number(percentile(latencies, 50).toFixed(1)),
      'p95 s': Number(percentile(latencies, 95).toFixed(1)),
      'max s': Number(Math.max(...latencies).toFixed(1)),
      'delta rounds': rounds,
      'Graph delta requests': deltaRequests,
      'requests / change': Number((deltaRequests / Math.max(1, changes.length)).toFixed(2)),
      'notifications delivered': deliveries?.notifications ?? 0,
      'duplicated / reordered': deliveries ? `${deliveries.duplicated} / ${deliveries.reordered}` : '-',
      'end state = emulator': (await converged()) ? 'yes' : 'no',
    };
    console.log(result);
    return result;
  } finally {
    await worker?.close();
    if (api && api.exitCode === null) {
      const exited = new Promise((resolve) => api?.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    }
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
