// Two worker processes on PostgreSQL (pg-boss) share the sync runs but never synchronize the same
// tenant at once: the runs of one tenant never overlap in time, and every run succeeds once; one
// Graph read serves a tenant's every all-mode service (the shared snapshot).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { SERVICE_IDS } from '@cas/core';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl, hasOneDrive } from '@cas/m365-emulator/testing';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatorDirectory,
  pendingRun,
  protectAllUsers,
  storedDirectory,
} from '../test-support/sync-fixtures.js';

const url = process.env.TEST_DATABASE_URL;
const skipReason = url === undefined || url === '' ? 'TEST_DATABASE_URL is not set' : undefined;
if (skipReason !== undefined) console.warn(`PostgreSQL worker test skipped: ${skipReason}`);

const TENANT = 'c0ffee00-0000-4000-8000-00000000a003';
const OTHER = 'c0ffee00-0000-4000-8000-00000000a004';
const KEY = SecretCipher.generateKey();
const schema = `cas_worker_${process.pid}_${randomBytes(3).toString('hex')}`;

describe.skipIf(skipReason !== undefined)(
  skipReason === undefined
    ? 'two workers on PostgreSQL'
    : `two workers on PostgreSQL (skipped: ${skipReason})`,
  () => {
    let emulator: RunningEmulator;
    let store: DurableStore;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      emulator = await startEmulator({
        port: 0,
        tenants: [
          { seed: 'pg-a', users: 1_200, groups: 60, id: TENANT, defaultDomain: 'pga.onmicrosoft.com' },
          { seed: 'pg-b', users: 600, groups: 30, id: OTHER, defaultDomain: 'pgb.onmicrosoft.com' },
        ],
      });
      for (const tenant of [TENANT, OTHER]) {
        await emulatorControl(
          emulator.origin,
          'PUT',
          `/tenants/${tenant}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
          {},
        );
      }
      store = await createStore({ databaseUrl: url, schema, encryptionKey: KEY, poolMax: 4 });
      await protectAllUsers(store, TENANT, ['exchangeOnline', 'sharePointOnline']);
      // OneDrive keeps its own snapshot of Selected Targets: its run reads Graph on its own.
      const before = await store.provisioning.get(TENANT);
      if (before === undefined) throw new Error('not provisioned');
      const chosen = emulatorDirectory(emulator, TENANT).users.slice(0, 45);
      const saved = await store.provisioning.save(
        {
          ...before,
          services: {
            ...before.services,
            oneDrive: {
              ...before.services.oneDrive,
              status: 'protected',
              scope: 'selectedUsers',
              protectedAt: new Date().toISOString(),
              targets: chosen.map((user) => ({
                userId: user.id,
                userPrincipalName: user.userPrincipalName,
                displayName: user.displayName,
                source: { kind: 'user' },
              })),
            },
          },
        },
        before.version,
      );
      if (!saved.ok) throw new Error('provisioning conflict');
      await protectAllUsers(store, OTHER, ['exchangeOnline', 'oneDrive']);
    }, 60_000);

    afterAll(async () => {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(null))),
        ),
      );
      await store?.close();
      await emulator?.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.query(`drop schema if exists ${schema}_boss cascade`);
      } finally {
        await admin.end();
      }
    });

    it('never runs two syncs of one tenant at once', async () => {
      // One queued run per tenant and service (R13): three of one tenant, two of the other.
      const runs = [
        ...SERVICE_IDS.map((service, index) =>
          pendingRun(TENANT, {
            service,
            scope: service === 'oneDrive' ? 'selectedUsers' : 'allUsersAndGroups',
            trigger: 'manual',
            requestedAt: new Date(Date.now() + index).toISOString(),
          }),
        ),
        ...(['exchangeOnline', 'oneDrive'] as const).map((service) =>
          pendingRun(OTHER, { service, trigger: 'manual' }),
        ),
      ];
      for (const run of runs) await store.syncRuns.create(run);
      for (let index = 0; index < 2; index++) {
        const child = spawn(
          process.execPath,
          ['--conditions=source', '--import', 'tsx', 'worker/src/test-support/worker-process.ts'],
          {
            cwd: new URL('../../../', import.meta.url).pathname,
            env: {
              ...process.env,
              DATABASE_URL: url,
              STORE_SCHEMA: schema,
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
              SYNC_POLL_INTERVAL_SECONDS: '0.5',
              LOG_LEVEL: process.env.WORKER_TEST_LOG_LEVEL ?? 'silent',
            },
            stdio: ['ignore', 'inherit', 'inherit'],
          },
        );
        children.push(child);
      }

      const deadline = Date.now() + 90_000;
      let finished = await Promise.all(runs.map((run) => store.syncRuns.get(run.tenantId, run.id)));
      while (finished.some((run) => run?.status !== 'succeeded') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        finished = await Promise.all(runs.map((run) => store.syncRuns.get(run.tenantId, run.id)));
      }
      expect(finished.map((run) => run?.status)).toEqual(runs.map(() => 'succeeded'));
      for (const tenant of [TENANT, OTHER]) {
        const ofTenant = finished.filter((run) => run?.tenantId === tenant);
        // One Graph read served the tenant's every all-mode service: the others cost no request;
        // a selected-mode service reads its targets in a run of its own.
        const executed = ofTenant.filter((run) => (run?.graphRequests ?? 0) > 0);
        expect(executed.map((run) => run?.scope).sort()).toEqual(
          tenant === TENANT ? ['allUsersAndGroups', 'selectedUsers'] : ['allUsersAndGroups'],
        );
        expect(ofTenant.filter((run) => run?.graphRequests === 0)).toHaveLength(1);
        const intervals = executed
          .map((run) => [Date.parse(run?.startedAt ?? ''), Date.parse(run?.finishedAt ?? '')] as const)
          .sort((a, b) => a[0] - b[0]);
        for (let index = 1; index < intervals.length; index++) {
          expect(intervals[index]?.[0]).toBeGreaterThanOrEqual(intervals[index - 1]?.[1] ?? Infinity);
        }
        expect(await storedDirectory(store, tenant, 'tenant')).toEqual(emulatorDirectory(emulator, tenant));
        if (tenant === TENANT)
          expect((await storedDirectory(store, tenant, 'oneDrive')).users).toEqual(
            emulatorDirectory(emulator, tenant).users.filter((user) =>
              emulatorDirectory(emulator, tenant)
                .users.slice(0, 45)
                .some((each) => each.id === user.id),
            ),
          );
      }

      // Each service recorded what it protects, equal to what the emulator holds: the all-mode
      // services from the shared read (SharePoint Online's sites enumerated in it), the selected
      // service its selected users that have a OneDrive.
      for (const tenant of [TENANT, OTHER]) {
        const expected = await emulatorControl<{
          mailboxes: number;
          siteCollections: number;
          oneDriveAccounts: number;
        }>(emulator.origin, 'GET', `/tenants/${tenant}/targets`);
        const users = (
          emulator.directories.get(tenant) as unknown as {
            userSlots: readonly ({ id: string } | undefined)[];
          }
        ).userSlots.filter((user) => user !== undefined);
        const chosen = new Set(
          emulatorDirectory(emulator, tenant)
            .users.slice(0, 45)
            .map((user) => user.id),
        );
        const selectedOneDrives = users.filter(
          (user) => chosen.has(user.id) && hasOneDrive(user as never),
        ).length;
        const byService = Object.fromEntries(
          finished
            .filter((run) => run?.tenantId === tenant)
            .map((run) => [run?.service, run?.protectedTargets]),
        );
        expect(byService).toEqual(
          tenant === TENANT
            ? {
                exchangeOnline: expected.mailboxes,
                sharePointOnline: expected.siteCollections,
                oneDrive: selectedOneDrives,
              }
            : { exchangeOnline: expected.mailboxes, oneDrive: expected.oneDriveAccounts },
        );
        expect(
          Object.fromEntries(
            (await store.protectedTargets.countsFor(tenant)).map((each) => [each.service, each.count]),
          ),
        ).toEqual(byService);
        expect(await store.protectedSites.count(tenant)).toBe(
          tenant === TENANT ? expected.siteCollections : 0,
        );
      }
    }, 120_000);
  },
);
