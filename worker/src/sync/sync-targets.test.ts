// Each service's protected targets after a sync, against the Microsoft 365 emulator with real
// msal-node, real fetch and a real store: mailboxes and OneDrive accounts from the users'
// licence plans (read in the same pages), SharePoint Online's site collections enumerated page by
// page by page, selected targets exactly, and the counts recorded with every run. On SQLite, and
// on PostgreSQL too when TEST_DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning } from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl, hasExchangePlan, hasOneDrive } from '@cas/m365-emulator/testing';
import { createAppTokenSource, createGraphSyncClient } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pendingRun, settleRun, silentLogger } from '../test-support/sync-fixtures.js';
import { SyncJobExecutor } from './sync-job-executor.js';
import type { SyncCheckpoint } from './sync-engine.js';
import type { ServiceAccount, ServiceId, SiteTarget, SyncRun } from '@cas/core';

const TENANT = 'c0ffee00-0000-4000-8000-00000000a011';
const SCHEMA = `cas_worker_targets_${process.pid}_${randomBytes(3).toString('hex')}`;
// SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (as the store's own tests).
const BACKENDS: readonly { name: string; url?: string }[] = [
  { name: 'SQLite' },
  ...(process.env.TEST_DATABASE_URL ? [{ name: 'PostgreSQL', url: process.env.TEST_DATABASE_URL }] : []),
];
let emulator: RunningEmulator;
let store: DurableStore;
let dataDir: string;
let executor: SyncJobExecutor;
/** What the executor calls after every committed page (tests replace it). */
let onPage: (checkpoint: SyncCheckpoint) => void | Promise<void> = () => undefined;

const control = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  emulatorControl<T>(emulator.origin, method, path, body);

interface EmulatorTargets {
  mailboxes: number;
  siteCollections: number;
  oneDriveAccounts: number;
}

interface EmulatorUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  userType: 'Member' | 'Guest';
  mailboxType: string | null;
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
}

/** The emulator's counts of what each service would protect (its control API). */
const emulatorTargets = () => control<EmulatorTargets>('GET', `/tenants/${TENANT}/targets`);

/** The emulator's site collections, as the sync should keep them. */
async function emulatorSites(): Promise<SiteTarget[]> {
  const { value } = await control<{ value: { id: string; webUrl: string; displayName: string }[] }>(
    'GET',
    `/tenants/${TENANT}/sites`,
  );
  return value
    .map((site) => ({ siteId: site.id, webUrl: site.webUrl, displayName: site.displayName }))
    .sort((a, b) => (a.siteId < b.siteId ? -1 : 1));
}

function emulatorUsers(): EmulatorUser[] {
  const directory = emulator.directories.get(TENANT) as unknown as {
    userSlots: readonly (EmulatorUser | undefined)[];
  };
  return directory.userSlots.filter((user): user is EmulatorUser => user !== undefined);
}

/** Every stored protected site collection of the tenant. */
async function storedSites(): Promise<SiteTarget[]> {
  return store.protectedSites.list(TENANT, { limit: 100_000 });
}

async function setAccount(service: ServiceId, account: Partial<ServiceAccount>): Promise<void> {
  const before = (await store.provisioning.get(TENANT)) ?? emptyProvisioning(TENANT);
  const saved = await store.provisioning.save(
    {
      ...before,
      services: {
        ...before.services,
        [service]: {
          ...before.services[service],
          status: 'protected',
          protectedAt: new Date().toISOString(),
          ...account,
        },
      },
    },
    before.version,
  );
  if (!saved.ok) throw new Error('provisioning conflict');
}

const allMode = async () => {
  for (const service of ['exchangeOnline', 'sharePointOnline', 'oneDrive'] as const)
    await setAccount(service, { scope: 'allUsersAndGroups', targets: [], sites: [] });
};

/** Claims and executes an already requested run until it is no longer pending. */
const finish = (run: SyncRun): Promise<SyncRun> => settleRun(store, executor, run);

/** Requests one run per service (Exchange Online's first), runs the first; returns all three. */
async function syncAll(trigger: SyncRun['trigger']): Promise<Record<ServiceId, SyncRun>> {
  const services = ['exchangeOnline', 'sharePointOnline', 'oneDrive'] as const;
  const runs = services.map((service, index) =>
    pendingRun(TENANT, { service, trigger, requestedAt: new Date(Date.now() - 10 + index).toISOString() }),
  );
  for (const run of runs) await store.syncRuns.create(run);
  await finish(runs[0] as SyncRun);
  const [exchangeOnline, sharePointOnline, oneDrive] = await Promise.all(
    runs.map(async (run) => (await store.syncRuns.get(TENANT, run.id)) as SyncRun),
  );
  return { exchangeOnline, sharePointOnline, oneDrive } as Record<ServiceId, SyncRun>;
}

/** Asserts every service's count (on its run and recorded) equals what the emulator holds. */
async function expectCountsLikeEmulator(runs: Record<ServiceId, SyncRun>): Promise<void> {
  const expected = await emulatorTargets();
  expect({
    exchangeOnline: runs.exchangeOnline.protectedTargets,
    sharePointOnline: runs.sharePointOnline.protectedTargets,
    oneDrive: runs.oneDrive.protectedTargets,
  }).toEqual({
    exchangeOnline: expected.mailboxes,
    sharePointOnline: expected.siteCollections,
    oneDrive: expected.oneDriveAccounts,
  });
  const recorded = await store.protectedTargets.countsFor(TENANT);
  expect(recorded.map(({ service, count }) => [service, count])).toEqual([
    ['exchangeOnline', expected.mailboxes],
    ['sharePointOnline', expected.siteCollections],
    ['oneDrive', expected.oneDriveAccounts],
  ]);
  expect(await storedSites()).toEqual(await emulatorSites());
}

describe.each(BACKENDS)('on $name', (backend) => {
  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      tenants: [
        {
          seed: 'worker-targets',
          users: 1_500,
          groups: 80,
          id: TENANT,
          defaultDomain: 'targets.onmicrosoft.com',
        },
      ],
    });
    await control('PUT', `/tenants/${TENANT}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`, {});
    dataDir = await mkdtemp(join(tmpdir(), 'cas-worker-targets-'));
    store =
      backend.url === undefined
        ? await createStore({ dataDir, encryptionKey: SecretCipher.generateKey() })
        : await createStore({
            databaseUrl: backend.url,
            schema: SCHEMA,
            encryptionKey: SecretCipher.generateKey(),
            poolMax: 4,
          });
    const tokens = createAppTokenSource({
      authorityHost: emulator.origin,
      clientId: CLOUD_APP_SECURITY_CLIENT_ID,
      clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
    });
    const graph = createGraphSyncClient({
      graphBaseUrl: emulator.origin,
      tokens,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))),
    });
    executor = new SyncJobExecutor({
      store,
      graph,
      now: () => new Date().toISOString(),
      owner: 'test-worker',
      leaseMs: 30_000,
      backoff: { baseMs: 1, maxMs: 1, maxAttempts: 3 },
      logger: silentLogger,
      onPage: (checkpoint) => onPage(checkpoint),
    });
    await allMode();
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await emulator?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (backend.url !== undefined) {
      const admin = new pg.Client({ connectionString: backend.url });
      await admin.connect();
      try {
        await admin.query(`drop schema if exists ${SCHEMA} cascade`);
      } finally {
        await admin.end();
      }
    }
  });

  beforeEach(async () => {
    await control('DELETE', '/faults');
    onPage = () => undefined;
  });

  describe('all targets', () => {
    it('after a full run each service protects what the emulator holds; the served runs cost no request', async () => {
      const runs = await syncAll('initial');
      expect(Object.values(runs).map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(runs.exchangeOnline.graphRequests).toBeGreaterThan(0);
      expect([runs.sharePointOnline.graphRequests, runs.oneDrive.graphRequests]).toEqual([0, 0]);
      await expectCountsLikeEmulator(runs);
      const expected = await emulatorTargets();
      // Realistic numbers: a licensed majority, about one site per 20 users.
      expect(expected.mailboxes).toBeGreaterThan(1_000);
      expect(expected.siteCollections).toBeGreaterThan(30);
    });

    it('after a site added, a site removed, a user unlicensed and one licensed, the next runs equal the emulator again', async () => {
      await syncAll('initial');
      const licensed = emulatorUsers().find(
        (user) =>
          user.userType === 'Member' && user.assignedLicenses.length > 0 && hasExchangePlan(user as never),
      );
      const unlicensed = emulatorUsers().find(
        (user) =>
          user.userType === 'Member' && user.assignedLicenses.length === 0 && user.mailboxType === null,
      );
      if (licensed === undefined || unlicensed === undefined) throw new Error('tenant lacks the users');
      const added = await control<{ id: string }>('POST', `/tenants/${TENANT}/sites`, {
        name: `Added${Date.now()}`,
        displayName: 'Added in a test',
      });
      const removable = (await emulatorSites()).find((site) => site.webUrl.includes('/sites/'));
      if (removable === undefined) throw new Error('no site to remove');
      await control('DELETE', `/tenants/${TENANT}/sites/${encodeURIComponent(removable.siteId)}`);
      await control('POST', `/tenants/${TENANT}/users/${licensed.id}/unlicense`);
      await control('POST', `/tenants/${TENANT}/users/${unlicensed.id}/license`, {});

      // The daily delta round sees the licence changes in the same users delta; the site collections
      // were enumerated less than a day ago, so it reads no site (Graph reports no deleted site).
      const before = await store.protectedTargets.countsFor(TENANT);
      const delta = await syncAll('scheduled');
      expect(delta.exchangeOnline.graphRequests).toBe(2);
      const expected = await emulatorTargets();
      expect([delta.exchangeOnline.protectedTargets, delta.oneDrive.protectedTargets]).toEqual([
        expected.mailboxes,
        expected.oneDriveAccounts,
      ]);
      expect(delta.sharePointOnline.protectedTargets).toBe(
        before.find((each) => each.service === 'sharePointOnline')?.count,
      );

      // A day later the daily round enumerates the site collections again.
      await store.protectedSites.recordEnumeration(
        TENANT,
        new Date(Date.now() - 25 * 3_600_000).toISOString(),
      );
      const daily = await syncAll('scheduled');
      await expectCountsLikeEmulator(daily);
      expect((await storedSites()).map((site) => site.siteId)).toContain(added.id);
      expect((await storedSites()).map((site) => site.siteId)).not.toContain(removable.siteId);

      // A manual (full) round always does, and agrees.
      await expectCountsLikeEmulator(await syncAll('manual'));
    });

    it('an idle tenant’s daily round costs the two delta requests; the site enumeration only once a day', async () => {
      await syncAll('initial');
      const idle = await syncAll('scheduled');
      expect(idle.exchangeOnline.graphRequests).toBe(2);
      await expectCountsLikeEmulator(idle);
      await store.protectedSites.recordEnumeration(
        TENANT,
        new Date(Date.now() - 25 * 3_600_000).toISOString(),
      );
      const daily = await syncAll('scheduled');
      // Two delta requests plus getAllSites' pages (site collections and personal sites, 999 a page).
      const users = emulatorUsers().filter((user) => hasOneDrive(user as never)).length;
      const pages = Math.ceil(((await emulatorSites()).length + users) / 999);
      expect(daily.exchangeOnline.graphRequests).toBe(2 + pages);
      await expectCountsLikeEmulator(daily);
    });

    it('resumes after an interruption during the site enumeration and ends identical', async () => {
      await syncAll('initial');
      // Start from a stale table so the resumed enumeration has to add and sweep.
      await control('POST', `/tenants/${TENANT}/sites`, { name: `Resume${Date.now()}` });
      let sitePages = 0;
      let interrupted = false;
      onPage = (checkpoint) => {
        // A committed page of sites, not the last one (the directory's end commits 'sites' at no link).
        if (checkpoint.phase !== 'sites' || checkpoint.link === null) return;
        sitePages += 1;
        if (!interrupted) {
          interrupted = true;
          throw new Error('worker interrupted');
        }
      };
      const runs = await syncAll('manual');
      expect(interrupted).toBe(true);
      expect(runs.exchangeOnline.status).toBe('succeeded');
      expect((await store.syncJobs.get(runs.exchangeOnline.id))?.attempts).toBe(2);
      // Interrupted after the first page of sites: the resumed attempt read none of them twice.
      const personal = emulatorUsers().filter((user) => hasOneDrive(user as never)).length;
      expect(sitePages).toBe(Math.ceil(((await emulatorSites()).length + personal) / 999) - 1);
      await expectCountsLikeEmulator(runs);
    });
  });

  describe('selected targets', () => {
    it('Exchange Online and OneDrive count exactly their selected users that still have a mailbox or OneDrive', async () => {
      const users = emulatorUsers().filter((user) => user.userType === 'Member');
      const withPlans = users.filter((user) => hasExchangePlan(user as never)).slice(0, 23);
      const withoutPlans = users.filter((user) => user.assignedLicenses.length === 0).slice(0, 3);
      const chosen = [...withPlans, ...withoutPlans];
      const targets = chosen.map((user) => ({
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
        source: { kind: 'user' as const },
      }));
      const gone = withPlans[0] as EmulatorUser;
      await control('DELETE', `/tenants/${TENANT}/users/${gone.id}`);
      try {
        for (const service of ['exchangeOnline', 'oneDrive'] as const) {
          await setAccount(service, { scope: 'selectedUsers', targets });
          const run = pendingRun(TENANT, { service, scope: 'selectedUsers' });
          await store.syncRuns.create(run);
          const finished = await finish(run);
          const present = chosen.filter((user) => user.id !== gone.id);
          const expected = present.filter((user) =>
            service === 'exchangeOnline' ? hasExchangePlan(user as never) : hasOneDrive(user as never),
          ).length;
          expect(finished).toMatchObject({ status: 'succeeded', protectedTargets: expected });
          expect(finished.missingTargets.map((target) => target.userId)).toEqual([gone.id]);
          // One $batch per 20 users: the licence plans came with the users.
          expect(finished.graphRequests).toBe(Math.ceil(chosen.length / 20));
          expect(
            (await store.protectedTargets.countsFor(TENANT)).find((each) => each.service === service)?.count,
          ).toBe(expected);
        }
      } finally {
        await control('POST', `/tenants/${TENANT}/users`, {
          id: gone.id,
          userPrincipalName: gone.userPrincipalName,
          displayName: gone.displayName,
        }).catch(() => undefined);
        await allMode();
      }
    });

    it('SharePoint Online reads exactly its selected sites; a deleted one is reported missing with its URL', async () => {
      const [first, second] = (await emulatorSites()).filter((site) => site.webUrl.includes('/sites/'));
      if (first === undefined || second === undefined) throw new Error('not enough sites');
      const doomed = await control<{ id: string; webUrl: string; displayName: string }>(
        'POST',
        `/tenants/${TENANT}/sites`,
        {
          name: `Doomed${Date.now()}`,
          displayName: 'Doomed',
        },
      );
      const doomedTarget = { siteId: doomed.id, webUrl: doomed.webUrl, displayName: doomed.displayName };
      await control('DELETE', `/tenants/${TENANT}/sites/${encodeURIComponent(doomed.id)}`);
      try {
        await setAccount('sharePointOnline', {
          scope: 'selectedUsers',
          targets: [],
          sites: [first, doomedTarget, second],
        });
        const run = pendingRun(TENANT, { service: 'sharePointOnline', scope: 'selectedUsers' });
        await store.syncRuns.create(run);
        const finished = await finish(run);
        expect(finished).toMatchObject({ status: 'succeeded', protectedTargets: 2, graphRequests: 1 });
        expect(finished.missingTargets).toEqual([
          {
            userId: doomed.id,
            userPrincipalName: doomed.webUrl,
            displayName: doomed.displayName,
            webUrl: doomed.webUrl,
          },
        ]);
        expect(await storedSites()).toEqual([first, second].sort((a, b) => (a.siteId < b.siteId ? -1 : 1)));
        // Back to all targets: the next round enumerates again (the table held only the selection).
        await allMode();
        await expectCountsLikeEmulator(await syncAll('scheduled'));
      } finally {
        await allMode();
      }
    });
  });
});
