// Issue 16: the token health monitor does work proportional to what is due. Each tenant's check
// is due at its own phase of the interval, a pass with nothing due is one statement however many
// tenants are watched, and two monitors (two workers) over one database never check a tenant
// twice in a round nor at the same time — on SQLite and on PostgreSQL. Entra is replaced by a
// counting token source: what is under test is the claiming, not the probe (see the other tests).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyProvisioning, type ConsentAppId } from '@cas/core';
import { createStore, SecretCipher, type DurableStore } from '@cas/store';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantDeltaSlot } from '../sync/sync-scheduler.js';
import { silentLogger } from '../test-support/sync-fixtures.js';
import { nextHealthCheckAt, TokenHealthMonitor } from './token-health-monitor.js';

const INTERVAL_MS = 15 * 60_000;
const START = '2026-12-01T10:00:00.000Z';
const TENANTS = Array.from({ length: 40 }, (_, index) => `tenant-health-${String(index).padStart(2, '0')}`);
const url = process.env.TEST_DATABASE_URL;

type Backend = { name: string; open: (onQuery?: (sql: string) => void) => Promise<DurableStore> };

const backends: Backend[] = [];
let dataDir: string | undefined;
const key = SecretCipher.generateKey();
const schema = `cas_health_${process.pid}_${randomBytes(3).toString('hex')}`;
backends.push({
  name: 'SQLite',
  open: async (onQuery) => {
    dataDir ??= await mkdtemp(join(tmpdir(), 'cas-health-schedule-'));
    return createStore({ dataDir, encryptionKey: key, now: () => START, ...(onQuery ? { onQuery } : {}) });
  },
});
if (url !== undefined && url !== '')
  backends.push({
    name: 'PostgreSQL',
    open: (onQuery) =>
      createStore({
        databaseUrl: url,
        schema,
        encryptionKey: key,
        poolMax: 4,
        now: () => START,
        ...(onQuery ? { onQuery } : {}),
      }),
  });

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (url !== undefined && url !== '') {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
});

describe.each(backends)('token health schedule on $name', (backend) => {
  let first: DurableStore;
  let second: DurableStore;
  let queries: string[] = [];
  let now = START;
  /** Probes in flight per tenant, the most ever seen at once, and probes per tenant. */
  const inFlight = new Map<string, number>();
  let mostAtOnce = 0;
  const probes = new Map<string, number>();

  const monitor = (store: DurableStore) =>
    new TokenHealthMonitor({
      store,
      tokens: {
        acquire: async (tenantId: string, app: ConsentAppId) => {
          const running = (inFlight.get(tenantId) ?? 0) + 1;
          inFlight.set(tenantId, running);
          mostAtOnce = Math.max(mostAtOnce, running);
          probes.set(tenantId, (probes.get(tenantId) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 3));
          inFlight.set(tenantId, running - 1);
          return { accessToken: 'not-a-token', app, tenantId, roles: [], expiresOn: null };
        },
      },
      graphBaseUrl: 'http://127.0.0.1:9',
      ewsEnabled: false,
      now: () => now,
      logger: silentLogger,
      intervalMs: INTERVAL_MS,
      concurrency: 3,
      claimBatch: 4,
    });

  beforeAll(async () => {
    first = await backend.open();
    second = await backend.open((text) => queries.push(text));
    for (const tenantId of TENANTS) {
      const base = emptyProvisioning(tenantId);
      await first.provisioning.save(
        {
          ...base,
          services: {
            ...base.services,
            exchangeOnline: {
              ...base.services.exchangeOnline,
              status: 'protected',
              scope: 'allUsersAndGroups',
              protectedAt: START,
            },
          },
        },
        0,
      );
    }
    // A tenant with nothing protected is not watched.
    await first.provisioning.save(emptyProvisioning('tenant-unwatched'), 0);
  }, 60_000);

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const round = async () => {
    probes.clear();
    const [a, b] = await Promise.all([monitor(first).checkDue(), monitor(second).checkDue()]);
    return { a, b };
  };

  it('two monitors check every due tenant exactly once between them, never one tenant at once', async () => {
    const { a, b } = await round();
    expect([...a, ...b].sort()).toEqual(TENANTS);
    expect(a.filter((tenantId) => b.includes(tenantId))).toEqual([]);
    expect(mostAtOnce).toBe(1);
    // Exchange Online without EWS needs one app: one probe per tenant, none for the unwatched one.
    expect([...probes.values()].every((count) => count === 1)).toBe(true);
    expect(probes.has('tenant-unwatched')).toBe(false);
  });

  it("sets each tenant's next check at its own phase of the interval, spread over it", async () => {
    const minutes = new Set<number>();
    for (const tenantId of TENANTS) {
      const next = await first.provisioning.nextHealthCheck(tenantId);
      expect(next).toBe(new Date(nextHealthCheckAt(tenantId, Date.parse(START), INTERVAL_MS)).toISOString());
      // At its phase, between half an interval and one and a half on.
      const { nextAtMs } = tenantDeltaSlot(tenantId, Date.parse(next ?? ''), INTERVAL_MS);
      expect(nextAtMs - Date.parse(next ?? '')).toBe(INTERVAL_MS);
      expect(Date.parse(next ?? '') - Date.parse(START)).toBeGreaterThanOrEqual(INTERVAL_MS / 2);
      expect(Date.parse(next ?? '') - Date.parse(START)).toBeLessThanOrEqual(1.5 * INTERVAL_MS);
      minutes.add(Math.floor((Date.parse(next ?? '') % INTERVAL_MS) / 60_000));
    }
    // 40 tenants over 15 one-minute buckets of the interval: nearly all used.
    expect(minutes.size).toBeGreaterThanOrEqual(12);
    expect(await first.provisioning.nextHealthCheck('tenant-unwatched')).toBeUndefined();
  });

  it('a pass with nothing due is one statement; one with a few due checks only those', async () => {
    now = new Date(Date.parse(START) + 1).toISOString();
    queries = [];
    expect(await monitor(second).checkDue()).toEqual([]);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatch(/update "token_health_schedules"/);
    // Twelve minutes on: the tenants whose phase fell in the minutes since, once each.
    now = new Date(Date.parse(START) + 12 * 60_000).toISOString();
    const expected = TENANTS.filter(
      (tenantId) => nextHealthCheckAt(tenantId, Date.parse(START), INTERVAL_MS) <= Date.parse(now),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(TENANTS.length);
    const { a, b } = await round();
    expect([...a, ...b].sort()).toEqual(expected);
    expect(mostAtOnce).toBe(1);
  });

  it('a claimed check whose worker died is due again one interval later (the claim is its lease)', async () => {
    now = new Date(Date.parse(START) + 20 * 60_000).toISOString();
    const claimed = await first.provisioning.claimDueHealthChecks(
      now,
      new Date(Date.parse(now) + INTERVAL_MS).toISOString(),
      1,
    );
    expect(claimed).toHaveLength(1);
    // Nobody completes it: the other worker does not take it while the claim holds...
    const { a, b } = await round();
    expect([...a, ...b]).not.toContain(claimed[0]);
    // ...and does once it has run out.
    now = new Date(Date.parse(now) + INTERVAL_MS).toISOString();
    const later = await round();
    expect([...later.a, ...later.b]).toContain(claimed[0]);
  });

  it('stops watching a tenant with nothing protected left', async () => {
    const before = await first.provisioning.get(TENANTS[0] ?? '');
    if (before === undefined) throw new Error('missing');
    await first.provisioning.save(emptyProvisioning(before.tenantId), before.version);
    expect(await first.provisioning.nextHealthCheck(before.tenantId)).toBeUndefined();
    now = new Date(Date.parse(now) + 2 * INTERVAL_MS).toISOString();
    const { a, b } = await round();
    expect([...a, ...b]).not.toContain(before.tenantId);
    expect([...a, ...b]).toContain(TENANTS[1]);
  });
});
