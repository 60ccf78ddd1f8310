// A worker process killed in the middle of a sync (SIGKILL, not a thrown error): another worker
// takes the run over once its lease expires, resumes at the last committed page, and ends with
// exactly the emulator's directory and counts that include no page twice.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadWorkerConfig } from '../config.js';
import { startWorker } from '../main.js';
import {
  emulatorDirectory,
  pendingRun,
  protectAllUsers,
  silentLogger,
  storedDirectory,
} from '../test-support/sync-fixtures.js';
import type { SyncCheckpoint } from './sync-engine.js';

const TENANT = 'c0ffee00-0000-4000-8000-00000000a002';
const KEY = SecretCipher.generateKey();
let emulator: RunningEmulator;
let dataDir: string;
let store: DurableStore;

function environment(): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    SECRET_DATA_ENCRYPTION_KEY: KEY,
    AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
    GRAPH_BASE_URL: emulator.origin,
    // One registration stands in for every consent app: these tests are not about the split.
    ...consentAppEnvironment(
      everyConsentApp({
        clientId: CLOUD_APP_SECURITY_CLIENT_ID,
        clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
      }),
    ),
    SMTP_URL: 'smtp://127.0.0.1:9',
    SYNC_LEASE_SECONDS: '2',
    SYNC_POLL_INTERVAL_SECONDS: '0.2',
    LOG_LEVEL: 'silent',
  };
}

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    tenants: [
      {
        seed: 'worker-resume',
        users: 6_000,
        groups: 300,
        id: TENANT,
        defaultDomain: 'resume.onmicrosoft.com',
      },
    ],
  });
  await emulatorControl(
    emulator.origin,
    'PUT',
    `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
  dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-resume-'));
  store = await createStore({ dataDir, encryptionKey: KEY });
  await protectAllUsers(store, TENANT);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await emulator?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it('resumes a sync after its worker process was killed mid-way and ends identical', async () => {
  const run = pendingRun(TENANT);
  await store.syncRuns.create(run);

  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'worker/src/test-support/worker-process.ts'],
    {
      cwd: new URL('../../../', import.meta.url).pathname,
      env: { ...environment(), KILL_AFTER_SYNC_PAGES: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, killed) => resolve(killed)),
  );
  expect(signal, output).toBe('SIGKILL');

  // Killed after 4 committed pages: the delta link and 3 of the 7 user pages.
  const job = await store.syncJobs.get(run.id);
  const checkpoint = job?.checkpoint as SyncCheckpoint;
  expect(checkpoint).toMatchObject({ mode: 'full', phase: 'users' });
  expect(checkpoint.added).toBe(3 * 999);
  expect((await store.syncRuns.get(TENANT, run.id))?.status).toBe('running');

  const pagesAfterResume: string[] = [];
  const worker = await startWorker(loadWorkerConfig(environment()), {
    logger: silentLogger,
    onSyncPage: (page) => void pagesAfterResume.push(page.phase),
  });
  try {
    const deadline = Date.now() + 60_000;
    let finished = await store.syncRuns.get(TENANT, run.id);
    while (finished?.status !== 'succeeded' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = await store.syncRuns.get(TENANT, run.id);
    }
    const expected = emulatorDirectory(emulator, TENANT);
    expect(finished).toMatchObject({
      status: 'succeeded',
      added: expected.users.length + expected.groups.length,
      updated: 0,
      removed: 0,
    });
    expect(await storedDirectory(store, TENANT, 'tenant')).toEqual(expected);
    expect((await store.syncJobs.get(run.id))?.attempts).toBe(2);
    // The resumed worker started at the 4th user page, not from the beginning.
    expect(pagesAfterResume.filter((phase) => phase === 'users')).toHaveLength(3);
  } finally {
    await worker.close();
  }
}, 120_000);
