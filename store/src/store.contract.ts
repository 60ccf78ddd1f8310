/**
 * The repository contract every backend must meet, registered as vitest tests by
 * `describeStoreContract`. `sqlite.test.ts` and `postgres.test.ts` run it against real databases.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { emptyServiceAccount, SERVICE_IDS } from '@cas/core';
import { Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, SQLITE_FILE_NAME } from './create-store.js';
import { openPostgres, openSqlite } from './dialects.js';
import { migrations } from './migrations/index.js';
import { NOTIFICATION_UNREAD_WINDOW } from './repositories/notification-repository.js';
import { SecretCipher, SecretDecryptionError } from './secret-cipher.js';
import { StoreError } from './store-error.js';
import type { DurableStore, StoreOptions } from './create-store.js';
import type { DatabaseKind } from './dialects.js';
import type {
  AuditEvent,
  BotConversation,
  DirectoryGroup,
  DirectoryUser,
  Notification,
  ServiceAccount,
  ServiceId,
  SyncRun,
  TenantProvisioning,
  TokenIncident,
} from '@cas/core';

/** A database server or directory the contract can create fresh databases in. */
export interface ContractBackend {
  /** The backend under test. */
  readonly kind: DatabaseKind;
  /** Options (without the key) pointing at a new, empty database: its own file or schema. */
  freshDatabase(): Promise<Omit<StoreOptions, 'encryptionKey'>>;
  /** Runs raw SQL (no parameters) on the database `options` point at, bypassing the store. */
  query(options: Omit<StoreOptions, 'encryptionKey'>, sqlText: string): Promise<Record<string, unknown>[]>;
  /** Removes every database `freshDatabase` created. */
  dispose(): Promise<void>;
}

const KEY = SecretCipher.generateKey();
const OTHER_KEY = SecretCipher.generateKey();

/**
 * Brings a fresh database to the schema of the migrations named before `firstPending`, as an
 * older release left it, so a test can put old rows in and watch the next migration convert them.
 */
async function migrateBefore(
  kind: DatabaseKind,
  options: Omit<StoreOptions, 'encryptionKey'>,
  firstPending: string,
): Promise<void> {
  const earlier = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < firstPending));
  const provider = { getMigrations: () => Promise.resolve(earlier) };
  let db: Kysely<unknown>;
  let migrator: Migrator;
  if (kind === 'sqlite') {
    mkdirSync(options.dataDir ?? '', { recursive: true });
    db = new Kysely({ dialect: openSqlite(join(options.dataDir ?? '', SQLITE_FILE_NAME), 5_000).dialect });
    migrator = new Migrator({ db, provider });
  } else {
    const schema = options.schema ?? 'public';
    db = new Kysely({ dialect: openPostgres(options.databaseUrl ?? '', schema, 2, () => {}).dialect });
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    migrator = new Migrator({ db, provider, migrationTableSchema: schema });
  }
  try {
    const { error } = await migrator.migrateToLatest();
    if (error !== undefined) throw error;
  } finally {
    await db.destroy();
  }
}

/** Object ids of two admins of one tenant, each with their own read state. */
const READER = '0a0a0a0a-0000-4000-8000-00000000a001';
const OTHER_READER = '0a0a0a0a-0000-4000-8000-00000000a002';
const UNICODE = 'Zoë O’Brien-Łukasz 山田 🚀 ‘quoted’ "double" \\ back';

/** A timestamp `minutes` after a fixed instant, so orderings are deterministic. */
function at(minutes: number): string {
  return new Date(Date.UTC(2025, 0, 2, 3, 4, 5) + minutes * 60_000).toISOString();
}

function tenant(): string {
  return `tenant-${randomUUID()}`;
}

/** A record exercising every field: consents, unicode, nulls and a deliberately unsorted target order. */
function richProvisioning(tenantId: string): TenantProvisioning {
  const services = Object.fromEntries(
    SERVICE_IDS.map((service) => [service, emptyServiceAccount(service)]),
  ) as Record<ServiceId, ServiceAccount>;
  services.exchangeOnline = {
    service: 'exchangeOnline',
    status: 'protected',
    consents: [
      {
        step: 'exchangeWebServices',
        grantedAt: at(1),
        grantedBy: { kind: 'user', userId: 'u-1', userPrincipalName: `o'brien@contoso.com` },
        roles: ['full_access_as_app'],
      },
      {
        step: 'microsoftGraph',
        grantedAt: at(2),
        grantedBy: { kind: 'system', component: 'consent-callback' },
        roles: ['User.Read.All', 'Mail.ReadWrite', 'Group.Read.All'],
      },
    ],
    scope: 'selectedUsers',
    targets: [
      {
        userId: 'z-user',
        userPrincipalName: 'zed@contoso.com',
        displayName: UNICODE,
        source: { kind: 'user' },
      },
      {
        userId: 'a-user',
        userPrincipalName: 'ann@contoso.com',
        displayName: 'Ann',
        source: { kind: 'group', groupId: 'g-1', groupName: 'Finance – Øresund' },
      },
      { userId: 'm-user', userPrincipalName: 'mia@contoso.com', displayName: '', source: { kind: 'user' } },
    ],
    sites: [],
    protectedAt: at(3),
    lastVerifiedAt: at(4),
    tokenFailure: null,
  };
  services.sharePointOnline = {
    ...emptyServiceAccount('sharePointOnline'),
    status: 'tokenInvalid',
    consents: [
      { step: 'microsoftGraph', grantedAt: at(5), grantedBy: { kind: 'system', component: 'x' }, roles: [] },
    ],
    scope: 'allUsersAndGroups',
    protectedAt: at(6),
    tokenFailure: 'consentRevoked',
  };
  services.oneDrive = {
    ...emptyServiceAccount('oneDrive'),
    status: 'consented',
    scope: 'selectedUsers',
    // Not SharePoint's, but the store keeps whatever a service holds, in order.
    sites: [
      {
        siteId: 'contoso.sharepoint.com,z,1',
        webUrl: 'https://contoso.sharepoint.com/sites/Zeta',
        displayName: UNICODE,
      },
      {
        siteId: 'contoso.sharepoint.com,a,2',
        webUrl: 'https://contoso.sharepoint.com/teams/alpha',
        displayName: '',
      },
    ],
  };
  return { tenantId, version: 0, services };
}

/** The same record with different targets, so two writers' child rows can be told apart. */
function withTargets(record: TenantProvisioning, prefix: string, count: number): TenantProvisioning {
  const targets = Array.from({ length: count }, (_, index) => ({
    userId: `${prefix}-${index}`,
    userPrincipalName: `${prefix}${index}@contoso.com`,
    displayName: `${prefix} ${index}`,
    source: { kind: 'user' as const },
  }));
  return {
    ...record,
    services: { ...record.services, exchangeOnline: { ...record.services.exchangeOnline, targets } },
  };
}

function notification(tenantId: string, overrides: Partial<Notification> = {}): Notification {
  return {
    id: randomUUID(),
    tenantId,
    kind: 'serviceProtected',
    service: 'exchangeOnline',
    message: 'Exchange Online protected.',
    dedupeKey: `protected:${randomUUID()}`,
    createdAt: at(0),
    readAt: null,
    ...overrides,
  };
}

function auditEvent(tenantId: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: randomUUID(),
    tenantId,
    actor: { kind: 'user', userId: 'u-1', userPrincipalName: 'admin@contoso.com' },
    action: 'scope.saved',
    service: 'oneDrive',
    at: at(0),
    before: null,
    after: { scope: 'selectedUsers' },
    ...overrides,
  };
}

function syncRun(tenantId: string, overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: randomUUID(),
    tenantId,
    service: 'exchangeOnline',
    trigger: 'initial',
    scope: 'selectedUsers',
    status: 'pending',
    requestedAt: at(0),
    requestedBy: { kind: 'system', component: 'scheduler' },
    startedAt: null,
    finishedAt: null,
    added: 0,
    updated: 0,
    removed: 0,
    graphRequests: 0,
    error: null,
    cancelReason: null,
    missingTargets: [],
    protectedTargets: null,
    ...overrides,
  };
}

function incident(tenantId: string, overrides: Partial<TokenIncident> = {}): TokenIncident {
  return {
    id: randomUUID(),
    tenantId,
    services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
    cause: 'consentRevoked',
    detail: `AADSTS65001: ${UNICODE}`,
    missingRoles: [],
    apps: ['exchangeOnlineGraph'],
    openedAt: at(0),
    lastFailureAt: at(0),
    failureCount: 1,
    closedAt: null,
    ...overrides,
  };
}

/**
 * Registers the contract for one backend. `skipReason` set → the whole suite is reported as
 * skipped, with the reason in its title, instead of silently passing.
 */
export function describeStoreContract(
  title: string,
  createBackend: () => Promise<ContractBackend>,
  skipReason?: string,
): void {
  describe.skipIf(skipReason !== undefined)(
    skipReason === undefined ? title : `${title} (skipped: ${skipReason})`,
    () => {
      let backend: ContractBackend;
      let database: Omit<StoreOptions, 'encryptionKey'>;
      let store: DurableStore;
      const opened: DurableStore[] = [];

      /** Opens another store on `options` (like a second process), closed after the suite. */
      async function open(
        options: Omit<StoreOptions, 'encryptionKey'> & Partial<StoreOptions> = database,
      ): Promise<DurableStore> {
        const another = await createStore({ encryptionKey: KEY, ...options });
        opened.push(another);
        return another;
      }

      async function rawRows(sqlText: string): Promise<Record<string, unknown>[]> {
        return backend.query(database, sqlText);
      }

      /** Brings a fresh database to the schema of migration `last` (as an older release left it). */
      async function migrateUpTo(options: Omit<StoreOptions, 'encryptionKey'>, last: string): Promise<void> {
        const entries = Object.entries(migrations);
        const upTo = Object.fromEntries(entries.slice(0, entries.findIndex(([name]) => name === last) + 1));
        const provider = { getMigrations: () => Promise.resolve(upTo) };
        if (backend.kind === 'sqlite') {
          const dataDir = options.dataDir ?? '';
          mkdirSync(dataDir, { recursive: true });
          const { dialect } = openSqlite(join(dataDir, SQLITE_FILE_NAME), 5_000);
          const db = new Kysely<unknown>({ dialect });
          try {
            expect((await new Migrator({ db, provider }).migrateToLatest()).error).toBeUndefined();
          } finally {
            await db.destroy();
          }
          return;
        }
        const schema = options.schema ?? 'public';
        const { dialect } = openPostgres(options.databaseUrl ?? '', schema, 2, () => undefined);
        const db = new Kysely<unknown>({ dialect });
        try {
          await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
          const migrator = new Migrator({ db, provider, migrationTableSchema: schema });
          expect((await migrator.migrateToLatest()).error).toBeUndefined();
        } finally {
          await db.destroy();
        }
      }

      beforeAll(async () => {
        backend = await createBackend();
        database = await backend.freshDatabase();
        store = await open();
      });

      afterAll(async () => {
        await Promise.all(opened.map((each) => each.close()));
        await backend?.dispose();
      });

      describe('store', () => {
        it('reports its backend and answers ping', async () => {
          expect(store.kind).toBe(backend.kind);
          expect(await store.ping()).toBe(true);
        });

        it('ping is false once closed', async () => {
          const closing = await createStore({ encryptionKey: KEY, ...database });
          await closing.close();
          expect(await closing.ping()).toBe(false);
        });
      });

      describe('migrations', () => {
        it('are idempotent: running them again applies nothing and keeps data', async () => {
          const tenantId = tenant();
          await store.notifications.raise(notification(tenantId));
          expect(await store.migrate()).toEqual([]);
          expect(await store.migrate()).toEqual([]);
          const reopened = await open();
          expect(await reopened.notifications.countUnread(tenantId, READER)).toBe(1);
          const rows = await rawRows('select name from kysely_migration order by name');
          expect(rows.map((row) => row.name)).toEqual(Object.keys(migrations).sort());
          expect(rows.map((row) => row.name)).toContain('0002_consent_states');
        });

        it('0006 keeps one queued run per tenant and service on existing data, superseding the others', async () => {
          const fresh = await backend.freshDatabase();
          await migrateUpTo(fresh, '0005_bot_conversations');
          const tenantId = tenant();
          const row = (id: string, service: string, status: string, minutes: number) =>
            `('${id}', '${tenantId}', '${service}', 'manual', 'allUsersAndGroups', '${status}', '${at(minutes)}', '{}', null, null, 0, 0, 0, 0, null)`;
          await backend.query(
            fresh,
            `insert into sync_runs values ${[
              row('a-pending-old', 'exchangeOnline', 'pending', 1),
              row('a-running', 'exchangeOnline', 'running', 2),
              row('a-pending-new', 'exchangeOnline', 'pending', 3),
              row('b-pending-old', 'oneDrive', 'pending', 1),
              row('b-pending-new', 'oneDrive', 'pending', 2),
              row('c-done', 'oneDrive', 'succeeded', 0),
            ].join(', ')}`,
          );
          await backend.query(
            fresh,
            `insert into sync_tenant_leases values ('${tenantId}', 'a-pending-old', 'w', '${at(50)}')`,
          );
          const migrated = await open(fresh);
          const statuses = Object.fromEntries(
            (await migrated.syncRuns.list(tenantId)).map((run) => [run.id, [run.status, run.cancelReason]]),
          );
          expect(statuses).toEqual({
            'a-running': ['running', null],
            'a-pending-old': ['cancelled', 'superseded'],
            'a-pending-new': ['cancelled', 'superseded'],
            'b-pending-old': ['pending', null],
            'b-pending-new': ['cancelled', 'superseded'],
            'c-done': ['succeeded', null],
          });
          // The superseded run's tenant lease went with it, so the kept runs can be claimed.
          expect(await backend.query(fresh, 'select * from sync_tenant_leases')).toEqual([]);
          expect((await migrated.syncRuns.get(tenantId, 'b-pending-old'))?.missingTargets).toEqual([]);
        });

        it('0014 makes every stored snapshot’s next all-users run a full round (its users have no licence flags yet)', async () => {
          const fresh = await backend.freshDatabase();
          await migrateUpTo(fresh, '0013_targets_per_service');
          const tenantId = tenant();
          await backend.query(
            fresh,
            `insert into directory_snapshots (tenant_id, snapshot, last_full_round_started_at, last_round_started_at) values ('${tenantId}', 'tenant', '${at(1)}', '${at(2)}')`,
          );
          const migrated = await open(fresh);
          expect(await migrated.directorySnapshots.rounds({ tenantId, snapshot: 'tenant' })).toEqual({
            lastFullRoundStartedAt: null,
            lastRoundStartedAt: at(2),
          });
        });

        it('are safe when several stores start at once on a fresh database', async () => {
          const fresh = await backend.freshDatabase();
          const stores = await Promise.all([open(fresh), open(fresh), open(fresh)]);
          const tenantId = tenant();
          await Promise.all(
            stores.map((each, index) => each.audit.append(auditEvent(tenantId, { at: at(index) }))),
          );
          expect(await stores[0]?.audit.list(tenantId)).toHaveLength(3);
          const rows = await backend.query(fresh, 'select name from kysely_migration');
          expect(rows).toHaveLength(Object.keys(migrations).length);
          expect(await stores[1]?.migrate()).toEqual([]);
        });

        it('0007 merges the open per-service incidents of a tenant into one listing their services', async () => {
          const old = await backend.freshDatabase();
          await migrateBefore(backend.kind, old, '0007');
          const [tenantId, other] = [tenant(), tenant()];
          const row = (
            id: string,
            tenant: string,
            service: string,
            openedAt: string,
            closedAt: string | null,
          ) =>
            `('${id}', '${tenant}', '${service}', 'consentRevoked', 'AADSTS7000229', '${openedAt}', '${openedAt}', 2, ${closedAt === null ? 'null' : `'${closedAt}'`})`;
          await backend.query(
            old,
            `insert into token_incidents (id, tenant_id, service, cause, detail, opened_at, last_failure_at, failure_count, closed_at) values ${[
              row('a-onedrive', tenantId, 'oneDrive', at(2), null),
              row('a-exchange', tenantId, 'exchangeOnline', at(1), null),
              row('a-closed', tenantId, 'sharePointOnline', at(0), at(1)),
              row('b-sharepoint', other, 'sharePointOnline', at(3), null),
            ].join(', ')}`,
          );
          const migrated = await open(old);
          expect(await migrated.tokenIncidents.findOpen(tenantId)).toMatchObject({
            id: 'a-exchange',
            services: ['exchangeOnline', 'oneDrive'],
            missingRoles: [],
            apps: [],
            failureCount: 2,
          });
          expect((await migrated.tokenIncidents.list(tenantId)).map((one) => [one.id, one.closedAt])).toEqual(
            [
              ['a-onedrive', at(2)],
              ['a-exchange', null],
              ['a-closed', at(1)],
            ],
          );
          expect(await migrated.tokenIncidents.findOpen(other)).toMatchObject({
            id: 'b-sharepoint',
            services: ['sharePointOnline'],
          });
        });
      });

      describe('0010: one directory snapshot per tenant', () => {
        it('moves the newest completed all-mode copy to the shared snapshot, keeps selected copies, and restarts half-written rounds', async () => {
          const old = await backend.freshDatabase();
          await migrateBefore(backend.kind, old, '0010');
          const [tenantId, other] = [tenant(), tenant()];
          const sqlText = (value: string | null) => (value === null ? 'null' : `'${value}'`);
          await backend.query(
            old,
            `insert into tenant_provisioning (tenant_id, version, updated_at) values ('${tenantId}', 1, '${at(0)}'), ('${other}', 1, '${at(0)}')`,
          );
          const account = (tenant: string, service: string, scope: string | null) =>
            `('${tenant}', '${service}', 'protected', ${sqlText(scope)}, '${at(0)}', null, null)`;
          await backend.query(
            old,
            `insert into service_accounts (tenant_id, service, status, scope, protected_at, last_verified_at, token_failure) values ${[
              account(tenantId, 'exchangeOnline', 'allUsersAndGroups'),
              account(tenantId, 'sharePointOnline', 'allUsersAndGroups'),
              account(tenantId, 'oneDrive', 'selectedUsers'),
              account(other, 'exchangeOnline', 'allUsersAndGroups'),
            ].join(', ')}`,
          );
          const userRow = (tenant: string, service: string, id: string) =>
            `('${tenant}', '${service}', '${id}', '${id}@contoso.com', '${id}', null, 1, 'Member', 'r')`;
          await backend.query(
            old,
            `insert into directory_users (tenant_id, service, id, user_principal_name, display_name, mail, account_enabled, user_type, seen_round) values ${[
              // Exchange's copy completed last (its groups link is newer): it becomes the shared one.
              userRow(tenantId, 'exchangeOnline', 'u1'),
              userRow(tenantId, 'exchangeOnline', 'u2'),
              userRow(tenantId, 'sharePointOnline', 'u1'),
              userRow(tenantId, 'oneDrive', 'u9'),
              // A copy that never completed a round still moves when it is the only one.
              userRow(other, 'exchangeOnline', 'x1'),
            ].join(', ')}`,
          );
          await backend.query(
            old,
            `insert into directory_groups (tenant_id, service, id, display_name, mail, kind, seen_round) values ('${tenantId}', 'exchangeOnline', 'g1', 'g1', null, 'security', 'r'), ('${tenantId}', 'sharePointOnline', 'g1', 'g1', null, 'security', 'r')`,
          );
          await backend.query(
            old,
            `insert into directory_memberships (tenant_id, service, group_id, member_id, member_type, seen_round) values ('${tenantId}', 'exchangeOnline', 'g1', 'u1', 'user', 'r'), ('${tenantId}', 'sharePointOnline', 'g1', 'u1', 'user', 'r')`,
          );
          const link = (service: string, collection: string, updatedAt: string) =>
            `('${tenantId}', '${service}', '${collection}', 'https://graph/${service}/${collection}', '${updatedAt}')`;
          await backend.query(
            old,
            `insert into directory_delta_links (tenant_id, service, collection, link, updated_at) values ${[
              link('exchangeOnline', 'users', at(5)),
              link('exchangeOnline', 'groups', at(5)),
              link('sharePointOnline', 'users', at(3)),
              link('sharePointOnline', 'groups', at(3)),
            ].join(', ')}`,
          );
          await backend.query(
            old,
            `insert into sync_runs (id, tenant_id, service, sync_trigger, scope, status, requested_at, requested_by_json, started_at, finished_at, added, updated, removed, graph_requests, error, cancel_reason, missing_targets_json) values ('run-half', '${tenantId}', 'sharePointOnline', 'delta', 'allUsersAndGroups', 'running', '${at(6)}', '{"kind":"system","component":"test"}', '${at(6)}', null, 0, 0, 0, 0, null, null, '[]')`,
          );
          await backend.query(
            old,
            `insert into sync_jobs (run_id, tenant_id, attempts, next_attempt_at, lease_owner, lease_until, checkpoint_json, last_error) values ('run-half', '${tenantId}', 1, null, 'w', '${at(7)}', '{"phase":"users"}', null)`,
          );
          const migrated = await open(old);
          const shared = { tenantId, snapshot: 'tenant' } as const;
          expect((await migrated.directorySnapshots.listUsers(shared)).map((one) => one.id)).toEqual([
            'u1',
            'u2',
          ]);
          expect(await migrated.directorySnapshots.counts(shared)).toEqual({
            users: 2,
            groups: 1,
            memberships: 1,
          });
          expect(await migrated.directorySnapshots.deltaLink(shared, 'groups')).toBe(
            'https://graph/exchangeOnline/groups',
          );
          // 0010 kept the copy's last completed round as its last full round; 0014 (applied too,
          // to the latest) then asks for one full round, since the copy's users have no licence flags.
          expect(await migrated.directorySnapshots.rounds(shared)).toEqual({
            lastFullRoundStartedAt: null,
            lastRoundStartedAt: at(5),
          });
          for (const service of ['exchangeOnline', 'sharePointOnline'] as const)
            expect(await migrated.directorySnapshots.counts({ tenantId, snapshot: service })).toEqual({
              users: 0,
              groups: 0,
              memberships: 0,
            });
          expect(
            (await migrated.directorySnapshots.listUsers({ tenantId, snapshot: 'oneDrive' })).map(
              (one) => one.id,
            ),
          ).toEqual(['u9']);
          expect(
            (await migrated.directorySnapshots.listUsers({ tenantId: other, snapshot: 'tenant' })).map(
              (one) => one.id,
            ),
          ).toEqual(['x1']);
          expect(await migrated.directorySnapshots.rounds({ tenantId: other, snapshot: 'tenant' })).toEqual({
            lastFullRoundStartedAt: null,
            lastRoundStartedAt: null,
          });
          expect((await migrated.syncJobs.get('run-half'))?.checkpoint).toBeNull();
          // 0010b: every all-mode tenant is scheduled, due at once.
          expect(
            (await migrated.syncJobs.dueSchedules(at(0), 10)).map((each) => each.tenantId).sort(),
          ).toEqual([tenantId, other].sort());
        });
      });

      describe('provisioning', () => {
        it('returns undefined for a tenant never seen', async () => {
          expect(await store.provisioning.get(tenant())).toBeUndefined();
        });

        it('creates a record at version 1 and round-trips every field, target order included', async () => {
          const record = richProvisioning(tenant());
          const saved = await store.provisioning.save(record, 0);
          expect(saved).toEqual({ ok: true, value: { ...record, version: 1 } });
          expect(await store.provisioning.get(record.tenantId)).toEqual({ ...record, version: 1 });
          expect(await store.provisioning.listTenantIds()).toContain(record.tenantId);
        });

        it('replaces child rows on each save and increments the version', async () => {
          const record = richProvisioning(tenant());
          await store.provisioning.save(record, 0);
          const next = withTargets(record, 'second', 2);
          const saved = await store.provisioning.save({ ...next, version: 1 }, 1);
          expect(saved.ok && saved.value.version).toBe(2);
          const emptied: TenantProvisioning = {
            ...next,
            services: { ...next.services, exchangeOnline: emptyServiceAccount('exchangeOnline') },
          };
          await store.provisioning.save(emptied, 2);
          expect(await store.provisioning.get(record.tenantId)).toEqual({ ...emptied, version: 3 });
        });

        it('refuses a stale version with the actual one and changes nothing', async () => {
          const record = richProvisioning(tenant());
          await store.provisioning.save(record, 0);
          await store.provisioning.save(withTargets(record, 'b', 1), 1);
          const stale = await store.provisioning.save(withTargets(record, 'stale', 4), 1);
          expect(stale).toEqual({
            ok: false,
            error: {
              code: 'version_conflict',
              tenantId: record.tenantId,
              expectedVersion: 1,
              actualVersion: 2,
            },
          });
          expect(await store.provisioning.get(record.tenantId)).toEqual({
            ...withTargets(record, 'b', 1),
            version: 2,
          });
        });

        it('treats creating an existing tenant, or updating a missing one, as a conflict', async () => {
          const record = richProvisioning(tenant());
          await store.provisioning.save(record, 0);
          expect(await store.provisioning.save(record, 0)).toMatchObject({
            ok: false,
            error: { actualVersion: 1 },
          });
          const missing = richProvisioning(tenant());
          expect(await store.provisioning.save(missing, 3)).toMatchObject({
            ok: false,
            error: { code: 'version_conflict', expectedVersion: 3, actualVersion: 0 },
          });
          expect(await store.provisioning.get(missing.tenantId)).toBeUndefined();
        });

        it('lists tenant ids in order', async () => {
          const ids = [`zz-${randomUUID()}`, `aa-${randomUUID()}`];
          for (const id of ids) await store.provisioning.save(richProvisioning(id), 0);
          const listed = await store.provisioning.listTenantIds();
          expect(listed).toEqual([...listed].sort());
          expect(listed).toEqual(expect.arrayContaining(ids));
        });

        it.each([
          ['one store (one connection or pool)', false],
          ['two stores (two processes)', true],
        ])(
          'two simultaneous saves from the same version via %s: one wins, no lost update',
          async (_label, twoStores) => {
            const writerB = twoStores ? await open() : store;
            const record = richProvisioning(tenant());
            await store.provisioning.save(record, 0);
            const a = withTargets({ ...record, version: 1 }, 'alice', 3);
            const b = withTargets({ ...record, version: 1 }, 'bob', 5);

            const [resultA, resultB] = await Promise.all([
              store.provisioning.save(a, 1),
              writerB.provisioning.save(b, 1),
            ]);

            const winners = [resultA, resultB].filter((result) => result.ok);
            const losers = [resultA, resultB].filter((result) => !result.ok);
            expect(winners).toHaveLength(1);
            expect(losers).toEqual([
              {
                ok: false,
                error: {
                  code: 'version_conflict',
                  tenantId: record.tenantId,
                  expectedVersion: 1,
                  actualVersion: 2,
                },
              },
            ]);
            const winner = resultA.ok ? a : b;
            const stored = await writerB.provisioning.get(record.tenantId);
            expect(stored).toEqual({ ...winner, version: 2 });
            const rows = await rawRows(
              `select user_id from selected_targets where tenant_id = '${record.tenantId}' order by position`,
            );
            expect(rows.map((row) => row.user_id)).toEqual(
              winner.services.exchangeOnline.targets.map((t) => t.userId),
            );
          },
        );

        it('lets exactly one of many simultaneous creators of a new tenant win', async () => {
          const other = await open();
          const tenantId = tenant();
          const contenders = ['a', 'b', 'c', 'd', 'e', 'f'].map((prefix) =>
            withTargets(richProvisioning(tenantId), prefix, 2),
          );
          const results = await Promise.all(
            contenders.map((record, index) => (index % 2 === 0 ? store : other).provisioning.save(record, 0)),
          );
          expect(results.filter((result) => result.ok)).toHaveLength(1);
          for (const result of results.filter((each) => !each.ok)) {
            expect(result).toMatchObject({
              ok: false,
              error: { code: 'version_conflict', actualVersion: 1 },
            });
          }
          const winnerIndex = results.findIndex((result) => result.ok);
          expect(await store.provisioning.get(tenantId)).toEqual({ ...contenders[winnerIndex], version: 1 });
        });

        it('reads a consistent record while saves race with it', async () => {
          const record = richProvisioning(tenant());
          await store.provisioning.save(record, 0);
          const other = await open();
          const writes = (async () => {
            for (let version = 1; version <= 10; version += 1) {
              await other.provisioning.save(withTargets(record, `v${version + 1}`, version % 4), version);
            }
          })();
          for (let read = 0; read < 10; read += 1) {
            const seen = await store.provisioning.get(record.tenantId);
            const targets = seen?.services.exchangeOnline.targets ?? [];
            // Children must belong to the version read with them.
            if (seen !== undefined && seen.version > 1) {
              expect(targets.every((target) => target.userId.startsWith(`v${seen.version}-`))).toBe(true);
              expect(targets).toHaveLength((seen.version - 1) % 4);
            }
          }
          await writes;
        });
      });

      describe('protected targets', () => {
        it('records one count per service, replaces it, forgets it, and keeps tenants apart', async () => {
          const tenantId = tenant();
          const other = tenant();
          expect(await store.protectedTargets.countsFor(tenantId)).toEqual([]);
          await store.protectedTargets.record({
            tenantId,
            service: 'oneDrive',
            count: 980,
            lastSynchronizedAt: at(1),
          });
          await store.protectedTargets.record({
            tenantId,
            service: 'exchangeOnline',
            count: 1204,
            lastSynchronizedAt: at(2),
          });
          await store.protectedTargets.record({
            tenantId: other,
            service: 'exchangeOnline',
            count: 3,
            lastSynchronizedAt: null,
          });
          await store.protectedTargets.record({
            tenantId,
            service: 'oneDrive',
            count: 979,
            lastSynchronizedAt: at(3),
          });
          expect(await store.protectedTargets.countsFor(tenantId)).toEqual([
            { service: 'exchangeOnline', count: 1204, lastSynchronizedAt: at(2) },
            { service: 'oneDrive', count: 979, lastSynchronizedAt: at(3) },
          ]);
          await store.protectedTargets.forget(tenantId, 'exchangeOnline');
          expect(await store.protectedTargets.countsFor(tenantId)).toEqual([
            { service: 'oneDrive', count: 979, lastSynchronizedAt: at(3) },
          ]);
          expect(await store.protectedTargets.countsFor(other)).toEqual([
            { service: 'exchangeOnline', count: 3, lastSynchronizedAt: null },
          ]);
        });
      });

      describe('protected site collections', () => {
        const site = (name: string, displayName = name) => ({
          siteId: `contoso.sharepoint.com,${name},w`,
          webUrl: `https://contoso.sharepoint.com/sites/${name}`,
          displayName,
        });

        it('upserts per round, sweeps what the round did not see, counts and lists per tenant', async () => {
          const tenantId = tenant();
          const other = tenant();
          const sites = store.protectedSites;
          await sites.upsert(tenantId, [site('a'), site('b'), site('b', 'B again')], 'r1');
          await sites.upsert(other, [site('a')], 'r9');
          expect(await sites.count(tenantId)).toBe(2);
          await sites.upsert(tenantId, [site('b', 'Renamed'), site('c')], 'r2');
          expect(await sites.sweep(tenantId, 'r2')).toBe(1);
          expect(await sites.list(tenantId)).toEqual([site('b', 'Renamed'), site('c')]);
          expect(await sites.list(tenantId, { after: site('b').siteId })).toEqual([site('c')]);
          expect(await sites.count(other)).toBe(1);
        });

        it('records when the last enumeration ended, per tenant; null clears it', async () => {
          const tenantId = tenant();
          const sites = store.protectedSites;
          expect(await sites.lastEnumeratedAt(tenantId)).toBeNull();
          await sites.recordEnumeration(tenantId, at(1));
          await sites.recordEnumeration(tenant(), at(2));
          expect(await sites.lastEnumeratedAt(tenantId)).toBe(at(1));
          await sites.recordEnumeration(tenantId, null);
          expect(await sites.lastEnumeratedAt(tenantId)).toBeNull();
        });

        it('a transaction that throws writes no site', async () => {
          const tenantId = tenant();
          await expect(
            store.transaction(async (tx) => {
              await tx.protectedSites.upsert(tenantId, [site('a')], 'r1');
              throw new Error('abort');
            }),
          ).rejects.toThrow('abort');
          expect(await store.protectedSites.count(tenantId)).toBe(0);
        });
      });

      describe('notifications', () => {
        it('raises, lists and round-trips every field', async () => {
          const tenantId = tenant();
          const raised = notification(tenantId, { message: UNICODE, service: null, kind: 'syncFailed' });
          expect(await store.notifications.raise(raised)).toEqual({ notification: raised, created: true });
          expect(await store.notifications.list(tenantId)).toEqual([raised]);
        });

        it('de-duplicates: raising the same key twice keeps one, the first', async () => {
          const tenantId = tenant();
          const first = notification(tenantId, { dedupeKey: 'protected:exchangeOnline' });
          const again = notification(tenantId, {
            dedupeKey: 'protected:exchangeOnline',
            message: 'changed',
            createdAt: at(9),
          });
          await store.notifications.raise(first);
          expect(await store.notifications.raise(again)).toEqual({ notification: first, created: false });
          expect(await store.notifications.list(tenantId)).toEqual([first]);
        });

        it('de-duplicates simultaneous raises of one key', async () => {
          const tenantId = tenant();
          const other = await open();
          const results = await Promise.all(
            [0, 1, 2, 3, 4, 5].map((index) =>
              (index % 2 === 0 ? store : other).notifications.raise(
                notification(tenantId, { dedupeKey: 'same' }),
              ),
            ),
          );
          expect(results.filter((result) => result.created)).toHaveLength(1);
          const created = results.find((result) => result.created)?.notification;
          expect(results.every((result) => result.notification.id === created?.id)).toBe(true);
          expect(await store.notifications.countUnread(tenantId, READER)).toBe(1);
        });

        it('scopes de-duplication keys to the tenant', async () => {
          const [a, b] = [tenant(), tenant()];
          expect((await store.notifications.raise(notification(a, { dedupeKey: 'k' }))).created).toBe(true);
          expect((await store.notifications.raise(notification(b, { dedupeKey: 'k' }))).created).toBe(true);
        });

        it('lists newest first, unread only, and with a limit', async () => {
          const tenantId = tenant();
          const [old, middle, recent] = [1, 2, 3].map((minute) =>
            notification(tenantId, { createdAt: at(minute) }),
          );
          for (const each of [middle, recent, old]) if (each) await store.notifications.raise(each);
          expect((await store.notifications.list(tenantId)).map((each) => each.id)).toEqual([
            recent?.id,
            middle?.id,
            old?.id,
          ]);
          await store.notifications.markRead(tenantId, middle?.id ?? '', READER, at(10));
          expect(
            (await store.notifications.list(tenantId, { reader: READER, unreadOnly: true })).map(
              (each) => each.id,
            ),
          ).toEqual([recent?.id, old?.id]);
          expect((await store.notifications.list(tenantId, { limit: 1 })).map((each) => each.id)).toEqual([
            recent?.id,
          ]);
        });

        it('marks read, keeps the first read time, and counts unread', async () => {
          const tenantId = tenant();
          const one = notification(tenantId);
          await store.notifications.raise(one);
          await store.notifications.raise(notification(tenantId));
          expect(await store.notifications.countUnread(tenantId, READER)).toBe(2);
          expect(await store.notifications.markRead(tenantId, one.id, READER, at(5))).toBe(true);
          expect(await store.notifications.markRead(tenantId, one.id, READER, at(6))).toBe(true);
          expect(await store.notifications.countUnread(tenantId, READER)).toBe(1);
          const [stored] = (await store.notifications.list(tenantId, { reader: READER })).filter(
            (each) => each.id === one.id,
          );
          expect(stored?.readAt).toBe(at(5));
          expect(await store.notifications.countUnread(tenant(), READER)).toBe(0);
        });

        it('keeps read state per admin: one reading leaves it unread for the others', async () => {
          const tenantId = tenant();
          const one = notification(tenantId);
          await store.notifications.raise(one);
          expect(await store.notifications.markRead(tenantId, one.id, READER, at(5))).toBe(true);
          expect(await store.notifications.countUnread(tenantId, READER)).toBe(0);
          expect(await store.notifications.countUnread(tenantId, OTHER_READER)).toBe(1);
          expect((await store.notifications.list(tenantId, { reader: OTHER_READER }))[0]?.readAt).toBeNull();
          expect(
            await store.notifications.list(tenantId, { reader: OTHER_READER, unreadOnly: true }),
          ).toHaveLength(1);
          // Without a reader nobody's read state shows.
          expect((await store.notifications.list(tenantId))[0]?.readAt).toBeNull();
        });

        it('counts unread within the newest notifications only, so the count costs the same for any history', async () => {
          const tenantId = tenant();
          const total = NOTIFICATION_UNREAD_WINDOW + 5;
          for (let index = 0; index < total; index += 1) {
            await store.notifications.raise(notification(tenantId, { createdAt: at(index) }));
          }
          expect(await store.notifications.countUnread(tenantId, READER)).toBe(NOTIFICATION_UNREAD_WINDOW);
        });

        it("refuses to mark another tenant's notification, or an unknown id", async () => {
          const [a, b] = [tenant(), tenant()];
          const ofB = notification(b);
          await store.notifications.raise(ofB);
          expect(await store.notifications.markRead(a, ofB.id, READER, at(1))).toBe(false);
          expect(await store.notifications.markRead(b, randomUUID(), READER, at(1))).toBe(false);
          expect(await store.notifications.countUnread(b, READER)).toBe(1);
          expect((await store.notifications.list(b, { reader: READER }))[0]?.readAt).toBeNull();
        });
      });

      describe('audit', () => {
        it('round-trips actors and JSON before/after of any shape', async () => {
          const tenantId = tenant();
          const events = [
            auditEvent(tenantId, {
              at: at(1),
              before: {
                scope: null,
                targets: [{ upn: `o'brien@contoso.com`, name: UNICODE }],
                count: 3,
                ok: false,
              },
              after: ['a', 1, null, { nested: { deep: true } }],
            }),
            auditEvent(tenantId, {
              at: at(2),
              actor: { kind: 'system', component: 'token-probe' },
              action: 'token.invalidated',
              service: null,
              before: 'plain string',
              after: 42,
            }),
          ];
          for (const event of events) await store.audit.append(event);
          expect(await store.audit.list(tenantId)).toEqual([...events].reverse());
        });

        it('stores an undefined before/after as null', async () => {
          const tenantId = tenant();
          await store.audit.append(auditEvent(tenantId, { before: undefined, after: undefined }));
          expect(await store.audit.list(tenantId)).toMatchObject([{ before: null, after: null }]);
        });

        it('lists newest first, pages with before and limit, per tenant', async () => {
          const tenantId = tenant();
          const events = [1, 2, 3, 4].map((minute) => auditEvent(tenantId, { at: at(minute) }));
          for (const event of events) await store.audit.append(event);
          await store.audit.append(auditEvent(tenant(), { at: at(3) }));
          const ids = (list: AuditEvent[]): string[] => list.map((event) => event.id);
          expect(ids(await store.audit.list(tenantId))).toEqual(ids([...events].reverse()));
          expect(ids(await store.audit.list(tenantId, { limit: 2 }))).toEqual(
            ids([events[3], events[2]] as AuditEvent[]),
          );
          expect(ids(await store.audit.list(tenantId, { before: at(3), limit: 5 }))).toEqual(
            ids([events[1], events[0]] as AuditEvent[]),
          );
        });
      });

      describe('sync runs', () => {
        it('creates, gets and updates every field, within the tenant only', async () => {
          const tenantId = tenant();
          const run = syncRun(tenantId);
          await store.syncRuns.create(run);
          expect(await store.syncRuns.get(tenantId, run.id)).toEqual(run);
          expect(await store.syncRuns.get(tenant(), run.id)).toBeUndefined();
          const finished: SyncRun = {
            ...run,
            status: 'failed',
            startedAt: at(1),
            finishedAt: at(2),
            added: 120,
            updated: 7,
            removed: 3,
            graphRequests: 45,
            error: `Graph 429: ${UNICODE}`,
            requestedBy: { kind: 'user', userId: 'u-9', userPrincipalName: 'admin@contoso.com' },
          };
          await store.syncRuns.update(finished);
          expect(await store.syncRuns.get(tenantId, run.id)).toEqual(finished);
        });

        it("round-trips a cancelled run's reason and the targets a run found missing", async () => {
          const tenantId = tenant();
          const run = syncRun(tenantId, { service: 'oneDrive' });
          await store.syncRuns.create(run);
          const finished: SyncRun = {
            ...run,
            status: 'succeeded',
            missingTargets: [
              { userId: 'u-gone', userPrincipalName: 'gone@contoso.com', displayName: UNICODE },
            ],
          };
          await store.syncRuns.update(finished);
          expect(await store.syncRuns.get(tenantId, run.id)).toEqual(finished);
          const cancelled = syncRun(tenantId, { status: 'cancelled', cancelReason: 'scopeChanged' });
          await store.syncRuns.create(cancelled);
          expect(await store.syncRuns.get(tenantId, cancelled.id)).toEqual(cancelled);
        });

        it('moves a run on only from the status it is expected to have', async () => {
          const run = syncRun(tenant(), { status: 'running' });
          await store.syncRuns.create(run);
          expect(await store.syncRuns.transition({ ...run, status: 'succeeded' }, 'pending')).toBe(false);
          expect((await store.syncRuns.get(run.tenantId, run.id))?.status).toBe('running');
          expect(await store.syncRuns.transition({ ...run, status: 'succeeded', added: 4 }, 'running')).toBe(
            true,
          );
          expect(await store.syncRuns.get(run.tenantId, run.id)).toMatchObject({
            status: 'succeeded',
            added: 4,
          });
        });

        it('refuses to update a run that does not exist', async () => {
          await expect(store.syncRuns.update(syncRun(tenant()))).rejects.toThrow(/does not exist/);
        });

        it('lists newest first, filtered by service and status, with a limit', async () => {
          const tenantId = tenant();
          const runs = [
            syncRun(tenantId, {
              requestedAt: at(1),
              service: 'oneDrive',
              status: 'succeeded',
              trigger: 'scheduled',
            }),
            syncRun(tenantId, {
              requestedAt: at(2),
              service: 'exchangeOnline',
              status: 'succeeded',
              trigger: 'manual',
            }),
            syncRun(tenantId, {
              requestedAt: at(3),
              service: 'oneDrive',
              status: 'running',
              trigger: 'delta',
            }),
          ];
          for (const run of runs) await store.syncRuns.create(run);
          const ids = (list: SyncRun[]): string[] => list.map((run) => run.id);
          expect(ids(await store.syncRuns.list(tenantId))).toEqual(ids([...runs].reverse()));
          expect(ids(await store.syncRuns.list(tenantId, { service: 'oneDrive' }))).toEqual(
            ids([runs[2], runs[0]] as SyncRun[]),
          );
          expect(ids(await store.syncRuns.list(tenantId, { status: 'succeeded', limit: 1 }))).toEqual([
            runs[1]?.id,
          ]);
          expect(await store.syncRuns.list(tenant())).toEqual([]);
        });
      });

      describe('change notifications', () => {
        const subscription = (tenantId: string, resource: 'users' | 'groups' = 'users') => ({
          id: randomUUID(),
          tenantId,
          resource,
          clientStateHash: 'ab'.repeat(32),
          expiresAt: at(100),
          createdAt: at(1),
          renewedAt: null,
        });
        const received = (
          tenantId: string,
          subscriptionId: string,
          minutes: number,
          kind: 'change' | 'lifecycle' = 'change',
        ) => ({
          tenantId,
          subscriptionId,
          kind,
          event: kind === 'change' ? 'updated' : 'reauthorizationRequired',
          resourceId: kind === 'change' ? randomUUID() : null,
          receivedAt: at(minutes),
        });

        it('keeps subscriptions per tenant and finds them by id', async () => {
          const tenantId = tenant();
          const users = subscription(tenantId);
          const groups = subscription(tenantId, 'groups');
          await store.changeNotifications.saveSubscription(users);
          await store.changeNotifications.saveSubscription(groups);
          await store.changeNotifications.saveSubscription({
            ...users,
            expiresAt: at(200),
            renewedAt: at(50),
          });
          expect(await store.changeNotifications.listSubscriptions(tenantId)).toEqual([
            groups,
            { ...users, expiresAt: at(200), renewedAt: at(50) },
          ]);
          expect(await store.changeNotifications.findSubscriptions([users.id, randomUUID()])).toHaveLength(1);
          // A second subscription of the same tenant and resource loses.
          expect(await store.changeNotifications.saveSubscription(subscription(tenantId))).toBe(false);
          expect(await store.changeNotifications.listTenantsWithSubscriptions()).toContain(tenantId);
          await store.changeNotifications.deleteSubscription(tenant(), users.id);
          expect(await store.changeNotifications.listSubscriptions(tenantId)).toHaveLength(2);
          await store.changeNotifications.deleteSubscription(tenantId, users.id);
          expect(await store.changeNotifications.listSubscriptions(tenantId)).toEqual([groups]);
        });

        it('stores at most the cap of pending notifications per tenant and kind, and hands them over once', async () => {
          const tenantId = tenant();
          const other = tenant();
          const id = randomUUID();
          const batch = [1, 2, 3, 4].map((minutes) => received(tenantId, id, minutes));
          expect(
            await store.changeNotifications.record(
              [...batch, received(other, id, 1), received(tenantId, id, 5, 'lifecycle')],
              { change: 3, lifecycle: 1 },
            ),
          ).toBe(5);
          expect(await store.changeNotifications.record(batch, { change: 3, lifecycle: 1 })).toBe(0);
          const due = await store.changeNotifications.tenantsWithPending('change', at(1));
          expect(due).toEqual(expect.arrayContaining([tenantId, other]));
          expect(await store.changeNotifications.tenantsWithPending('change', at(0))).not.toContain(tenantId);
          const taken = await store.changeNotifications.takePending(tenantId, 'change');
          expect(taken.map((notification) => notification.receivedAt)).toEqual([at(1), at(2), at(3)]);
          expect(await store.changeNotifications.takePending(tenantId, 'change')).toEqual([]);
          expect(await store.changeNotifications.takePending(tenantId, 'lifecycle')).toHaveLength(1);
          expect(await store.changeNotifications.takePending(other, 'change')).toHaveLength(1);
        });

        it('saves the tenant status', async () => {
          const tenantId = tenant();
          expect(await store.changeNotifications.getStatus(tenantId)).toBeUndefined();
          const status = {
            tenantId,
            state: 'failing' as const,
            cause: 'notificationUrlNotValidated' as const,
            detail: 'Subscription validation request timed out.',
            renewedAt: null,
            expiresAt: null,
            updatedAt: at(3),
          };
          await store.changeNotifications.saveStatus(status);
          await store.changeNotifications.saveStatus({
            ...status,
            state: 'active',
            detail: null,
            renewedAt: at(4),
          });
          expect(await store.changeNotifications.getStatus(tenantId)).toEqual({
            ...status,
            state: 'active',
            detail: null,
            renewedAt: at(4),
          });
        });
      });

      describe('token incidents', () => {
        it('puts, finds the open one, updates by id and closes', async () => {
          const tenantId = tenant();
          const opened = incident(tenantId, { services: ['sharePointOnline'] });
          await store.tokenIncidents.put(opened);
          expect(await store.tokenIncidents.findOpen(tenantId)).toEqual(opened);
          expect(await store.tokenIncidents.findOpen(tenant())).toBeUndefined();
          const repeated = {
            ...opened,
            services: ['sharePointOnline', 'oneDrive'] as const,
            failureCount: 4,
            lastFailureAt: at(7),
            cause: 'rolesRemoved' as const,
            missingRoles: ['Sites.Read.All', 'Files.Read.All'],
            apps: ['sharePointOnlineGraph', 'oneDriveGraph'] as const,
          };
          await store.tokenIncidents.put(repeated);
          expect(await store.tokenIncidents.findOpen(tenantId)).toEqual(repeated);
          const closed = { ...repeated, closedAt: at(8) };
          await store.tokenIncidents.put(closed);
          expect(await store.tokenIncidents.findOpen(tenantId)).toBeUndefined();
          expect(await store.tokenIncidents.list(tenantId)).toEqual([closed]);
        });

        it('allows at most one open incident per tenant, whatever services it lists', async () => {
          const tenantId = tenant();
          await store.tokenIncidents.put(incident(tenantId, { services: ['exchangeOnline'] }));
          const second = store.tokenIncidents.put(incident(tenantId, { openedAt: at(1) }));
          await expect(second).rejects.toBeInstanceOf(StoreError);
          await expect(
            store.tokenIncidents.put(incident(tenantId, { services: ['oneDrive'] })),
          ).rejects.toMatchObject({ code: 'open_incident_exists' });
          await store.tokenIncidents.put(incident(tenant()));
          expect(await store.tokenIncidents.list(tenantId, { openOnly: true })).toHaveLength(1);
        });

        it('lets only one of simultaneous openers win', async () => {
          const tenantId = tenant();
          const other = await open();
          const outcomes = await Promise.allSettled(
            [0, 1, 2, 3].map((index) =>
              (index % 2 === 0 ? store : other).tokenIncidents.put(incident(tenantId)),
            ),
          );
          expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
          expect(await store.tokenIncidents.list(tenantId)).toHaveLength(1);
        });

        it('opens a new incident after the previous one closed, and lists newest first', async () => {
          const tenantId = tenant();
          const first = incident(tenantId, { openedAt: at(1), closedAt: at(2) });
          const second = incident(tenantId, { openedAt: at(3) });
          await store.tokenIncidents.put(first);
          await store.tokenIncidents.put(second);
          expect(await store.tokenIncidents.list(tenantId)).toEqual([second, first]);
          expect(await store.tokenIncidents.list(tenantId, { openOnly: true })).toEqual([second]);
          expect(await store.tokenIncidents.list(tenantId, { limit: 1 })).toEqual([second]);
        });
      });

      describe('consent states', () => {
        const later = '2026-11-27T12:10:00.000Z';
        const now = '2026-11-27T12:00:00.000Z';

        it('lets a nonce be consumed once', async () => {
          const nonce = `nonce-${tenant()}`;
          expect(await store.consentStates.consume(nonce, later, now)).toBe(true);
          expect(await store.consentStates.consume(nonce, later, now)).toBe(false);
        });

        it('lets exactly one of many simultaneous consumers win', async () => {
          const nonce = `nonce-${tenant()}`;
          const results = await Promise.all(
            Array.from({ length: 6 }, () => store.consentStates.consume(nonce, later, now)),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
        });

        it('forgets nonces once they expired (their state is refused before this point)', async () => {
          const nonce = `nonce-${tenant()}`;
          expect(await store.consentStates.consume(nonce, later, now)).toBe(true);
          expect(await store.consentStates.consume(nonce, later, '2026-11-27T12:20:00.000Z')).toBe(true);
        });

        it('rolls back with its transaction', async () => {
          const nonce = `nonce-${tenant()}`;
          await expect(
            store.transaction(async (tx) => {
              await tx.consentStates.consume(nonce, later, now);
              throw new Error('abort');
            }),
          ).rejects.toThrow('abort');
          expect(await store.consentStates.consume(nonce, later, now)).toBe(true);
        });
      });

      describe('bot credential uses', () => {
        const now = '2026-11-27T12:00:00.000Z';
        const later = '2026-11-27T12:03:00.000Z';

        it('accepts a credential id once: a second use is a replay', async () => {
          const jti = `jti-${tenant()}`;
          expect(await store.botCredentialUses.consume(jti, later, now)).toBe(true);
          expect(await store.botCredentialUses.consume(jti, later, now)).toBe(false);
        });

        it('lets exactly one of many simultaneous uses win', async () => {
          const jti = `jti-${tenant()}`;
          const results = await Promise.all(
            Array.from({ length: 6 }, () => store.botCredentialUses.consume(jti, later, now)),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
        });

        it('forgets ids once they expired (the credential is refused before this point)', async () => {
          const jti = `jti-${tenant()}`;
          expect(await store.botCredentialUses.consume(jti, later, now)).toBe(true);
          expect(await store.botCredentialUses.consume(jti, later, '2026-11-27T12:20:00.000Z')).toBe(true);
        });
      });

      describe('notification deliveries', () => {
        const email = 'admin@contoso.com';

        async function raised(tenantId: string, minute: number): Promise<Notification> {
          const one = notification(tenantId, { createdAt: at(minute) });
          await store.notifications.raise(one);
          return one;
        }

        function address(one: Notification, recipient = email) {
          return { tenantId: one.tenantId, notificationId: one.id, channel: 'email' as const, recipient };
        }

        it('offers undelivered notifications oldest first, per channel and recipient, with since and limit', async () => {
          const tenantId = tenant();
          const [second, first, third] = [
            await raised(tenantId, 2),
            await raised(tenantId, 1),
            await raised(tenantId, 3),
          ];
          const ids = (list: Notification[]) => list.map((each) => each.id);
          expect(
            ids(await store.notificationDeliveries.undelivered(tenantId, 'email', email, { now: at(10) })),
          ).toEqual([first.id, second.id, third.id]);
          await store.notificationDeliveries.markDelivered(address(first), at(10));
          expect(
            ids(await store.notificationDeliveries.undelivered(tenantId, 'email', email, { now: at(10) })),
          ).toEqual([second.id, third.id]);
          // Another recipient and another channel still have everything to deliver.
          expect(
            await store.notificationDeliveries.undelivered(tenantId, 'email', 'other@contoso.com', {
              now: at(10),
            }),
          ).toHaveLength(3);
          expect(
            await store.notificationDeliveries.undelivered(tenantId, 'teams', email, { now: at(10) }),
          ).toHaveLength(3);
          expect(
            ids(
              await store.notificationDeliveries.undelivered(tenantId, 'email', email, {
                now: at(10),
                since: at(3),
              }),
            ),
          ).toEqual([third.id]);
          expect(
            ids(
              await store.notificationDeliveries.undelivered(tenantId, 'email', email, {
                now: at(10),
                limit: 1,
              }),
            ),
          ).toEqual([second.id]);
          expect(
            await store.notificationDeliveries.undelivered(tenant(), 'email', email, { now: at(10) }),
          ).toEqual([]);
          expect(
            (await store.notificationDeliveries.undelivered(tenantId, 'email', email, { now: at(10) }))[0],
          ).toEqual(second);
        });

        it('claims once until the lease ends, then lets another deliverer claim', async () => {
          const one = await raised(tenant(), 1);
          const deliveries = store.notificationDeliveries;
          expect(await deliveries.claim(address(one), { now: at(10), leaseUntil: at(15) })).toBe(true);
          expect(await deliveries.claim(address(one), { now: at(11), leaseUntil: at(16) })).toBe(false);
          expect(await deliveries.undelivered(one.tenantId, 'email', email, { now: at(14) })).toEqual([]);
          expect(await deliveries.undelivered(one.tenantId, 'email', email, { now: at(15) })).toHaveLength(1);
          expect(await deliveries.claim(address(one), { now: at(15), leaseUntil: at(20) })).toBe(true);
          const [record] = await deliveries.list(one.tenantId);
          expect(record).toEqual({
            notificationId: one.id,
            tenantId: one.tenantId,
            channel: 'email',
            recipient: email,
            status: 'claimed',
            attempts: 2,
            claimedUntil: at(20),
            nextAttemptAt: null,
            lastError: null,
            deliveredAt: null,
            updatedAt: at(15),
          });
        });

        it('lets exactly one of many simultaneous claimers in two stores win, first claim and after a lease', async () => {
          const other = await open();
          const one = await raised(tenant(), 1);
          const claimAll = (now: string, leaseUntil: string) =>
            Promise.all(
              Array.from({ length: 6 }, (_, index) =>
                (index % 2 === 0 ? store : other).notificationDeliveries.claim(address(one), {
                  now,
                  leaseUntil,
                }),
              ),
            );
          expect((await claimAll(at(10), at(15))).filter(Boolean)).toHaveLength(1);
          expect((await claimAll(at(16), at(20))).filter(Boolean)).toHaveLength(1);
          expect((await store.notificationDeliveries.list(one.tenantId))[0]?.attempts).toBe(2);
        });

        it('never offers or lets anyone claim a delivered notification again', async () => {
          const one = await raised(tenant(), 1);
          const deliveries = store.notificationDeliveries;
          await deliveries.claim(address(one), { now: at(10), leaseUntil: at(15) });
          await deliveries.markDelivered(address(one), at(11));
          expect(await deliveries.claim(address(one), { now: at(30), leaseUntil: at(35) })).toBe(false);
          expect(await deliveries.undelivered(one.tenantId, 'email', email, { now: at(30) })).toEqual([]);
          expect(await deliveries.list(one.tenantId, { notificationId: one.id })).toMatchObject([
            { status: 'delivered', deliveredAt: at(11), claimedUntil: null, attempts: 1 },
          ]);
        });

        it('retries a failed delivery once due, and gives up on a dead one', async () => {
          const tenantId = tenant();
          const [retried, dead] = [await raised(tenantId, 1), await raised(tenantId, 2)];
          const deliveries = store.notificationDeliveries;
          await deliveries.claim(address(retried), { now: at(10), leaseUntil: at(15) });
          await deliveries.markFailed(address(retried), {
            at: at(11),
            error: 'SMTP 451',
            nextAttemptAt: at(20),
          });
          await deliveries.markFailed(address(dead), { at: at(11), error: 'SMTP 550', nextAttemptAt: null });
          expect(await deliveries.undelivered(tenantId, 'email', email, { now: at(19) })).toEqual([]);
          expect(await deliveries.claim(address(retried), { now: at(19), leaseUntil: at(25) })).toBe(false);
          expect(
            (await deliveries.undelivered(tenantId, 'email', email, { now: at(20) })).map((n) => n.id),
          ).toEqual([retried.id]);
          expect(await deliveries.claim(address(retried), { now: at(20), leaseUntil: at(25) })).toBe(true);
          expect(await deliveries.claim(address(dead), { now: at(99), leaseUntil: at(100) })).toBe(false);
          expect(await deliveries.list(tenantId)).toMatchObject([
            {
              notificationId: dead.id,
              status: 'dead',
              lastError: 'SMTP 550',
              nextAttemptAt: null,
              attempts: 1,
            },
            { notificationId: retried.id, status: 'claimed', lastError: 'SMTP 451', attempts: 2 },
          ]);
          expect(await deliveries.list(tenantId, { channel: 'teams' })).toEqual([]);
        });

        it('never offers a skipped delivery again, and keeps why it was skipped', async () => {
          const tenantId = tenant();
          const one = await raised(tenantId, 1);
          const deliveries = store.notificationDeliveries;
          await deliveries.markSkipped(address(one), { at: at(2), reason: 'not an admin' });
          expect(await deliveries.undelivered(tenantId, 'email', email, { now: at(99) })).toEqual([]);
          expect(await deliveries.claim(address(one), { now: at(99), leaseUntil: at(100) })).toBe(false);
          expect(await deliveries.list(tenantId)).toMatchObject([
            { notificationId: one.id, status: 'skipped', lastError: 'not an admin', deliveredAt: null },
          ]);
        });

        it("refuses to claim another tenant's notification and throws when marking it", async () => {
          const one = await raised(tenant(), 1);
          const wrong = { ...address(one), tenantId: tenant() };
          expect(await store.notificationDeliveries.claim(wrong, { now: at(1), leaseUntil: at(2) })).toBe(
            false,
          );
          await expect(store.notificationDeliveries.markDelivered(wrong, at(1))).rejects.toThrow();
          expect(await store.notificationDeliveries.list(one.tenantId)).toEqual([]);
        });

        it('commits with the transaction that raised the notification, and rolls back with it', async () => {
          const tenantId = tenant();
          const kept = notification(tenantId);
          await store.transaction(async (tx) => {
            await tx.notifications.raise(kept);
            expect(
              await tx.notificationDeliveries.claim(address(kept), { now: at(1), leaseUntil: at(2) }),
            ).toBe(true);
          });
          const dropped = notification(tenantId);
          await expect(
            store.transaction(async (tx) => {
              await tx.notifications.raise(dropped);
              await tx.notificationDeliveries.markDelivered(address(dropped), at(1));
              throw new Error('abort');
            }),
          ).rejects.toThrow('abort');
          expect(
            (await store.notificationDeliveries.list(tenantId)).map((each) => each.notificationId),
          ).toEqual([kept.id]);
        });
      });

      describe('directory snapshots', () => {
        const user = (id: string, overrides: Partial<DirectoryUser> = {}): DirectoryUser => ({
          id,
          userPrincipalName: `${id}@contoso.com`,
          displayName: UNICODE,
          mail: null,
          accountEnabled: true,
          userType: 'Member',
          ...overrides,
        });
        const group = (id: string): DirectoryGroup => ({ id, displayName: id, mail: null, kind: 'security' });

        it('keeps each user’s licence flags, counts them in one query, and keeps them when a page does not say', async () => {
          const key = { tenantId: tenant(), snapshot: 'tenant' as const };
          const snapshots = store.directorySnapshots;
          const both = { mailbox: true, oneDrive: true };
          expect(await snapshots.countHoldings(key)).toEqual({ mailboxes: 0, oneDriveAccounts: 0 });
          expect(
            await snapshots.upsertUsers(
              key,
              [
                user('a', { holdings: both }),
                user('b', { holdings: { mailbox: true, oneDrive: false } }),
                user('c', { holdings: { mailbox: false, oneDrive: false } }),
                user('d'),
              ],
              'r1',
            ),
          ).toEqual({ added: 4, updated: 0 });
          expect(await snapshots.countHoldings(key)).toEqual({ mailboxes: 2, oneDriveAccounts: 1 });
          // A delta entry without assignedPlans changes nothing; a licence change is an update.
          expect(
            await snapshots.upsertUsers(
              key,
              [
                user('a'),
                user('b', { holdings: { mailbox: false, oneDrive: false } }),
                user('c', { holdings: both }),
              ],
              'r1',
            ),
          ).toEqual({ added: 0, updated: 2 });
          expect(await snapshots.countHoldings(key)).toEqual({ mailboxes: 2, oneDriveAccounts: 2 });
          expect(await snapshots.countHoldings({ ...key, tenantId: tenant() })).toEqual({
            mailboxes: 0,
            oneDriveAccounts: 0,
          });
          // Listing returns the directory user as before (the flags are counted, not shown).
          expect((await snapshots.listUsers(key)).map((each) => each.holdings)).toEqual([
            undefined,
            undefined,
            undefined,
            undefined,
          ]);
        });

        it('upserts with added/updated counts, per tenant and service, and lists in id order', async () => {
          const key = { tenantId: tenant(), snapshot: 'tenant' as const };
          const snapshots = store.directorySnapshots;
          expect(await snapshots.upsertUsers(key, [user('b'), user('a'), user('a')], 'r1')).toEqual({
            added: 2,
            updated: 0,
          });
          expect(
            await snapshots.upsertUsers(
              key,
              [user('a', { accountEnabled: false, userType: 'Guest' }), user('b'), user('c')],
              'r1',
            ),
          ).toEqual({ added: 1, updated: 1 });
          expect(await snapshots.listUsers(key)).toEqual([
            user('a', { accountEnabled: false, userType: 'Guest' }),
            user('b'),
            user('c'),
          ]);
          expect((await snapshots.listUsers(key, { after: 'a', limit: 1 })).map((u) => u.id)).toEqual(['b']);
          expect(await snapshots.listUsers({ ...key, snapshot: 'oneDrive' })).toEqual([]);
          expect(await snapshots.upsertGroups(key, [group('g1')], 'r1')).toEqual({ added: 1, updated: 0 });
          expect(await snapshots.upsertGroups(key, [{ ...group('g1'), kind: 'microsoft365' }], 'r1')).toEqual(
            {
              added: 0,
              updated: 1,
            },
          );
          expect(await snapshots.listGroups(key)).toEqual([{ ...group('g1'), kind: 'microsoft365' }]);
        });

        it('removes users and groups with their memberships, and sweeps what a round did not see', async () => {
          const key = { tenantId: tenant(), snapshot: 'oneDrive' as const };
          const snapshots = store.directorySnapshots;
          await snapshots.upsertUsers(key, [user('u1'), user('u2'), user('u3')], 'r1');
          await snapshots.upsertGroups(key, [group('g1'), group('g2')], 'r1');
          await snapshots.addMemberships(
            key,
            [
              { groupId: 'g1', memberId: 'u1', memberType: 'user' },
              { groupId: 'g1', memberId: 'g2', memberType: 'group' },
              { groupId: 'g2', memberId: 'u2', memberType: 'user' },
              { groupId: 'g2', memberId: 'u3', memberType: 'user' },
            ],
            'r1',
          );
          expect(await snapshots.counts(key)).toEqual({ users: 3, groups: 2, memberships: 4 });
          expect(await snapshots.removeUsers(key, ['u1', 'missing'])).toBe(1);
          expect(
            await snapshots.removeMemberships(key, [{ groupId: 'g2', memberId: 'u3', memberType: 'user' }]),
          ).toBe(1);
          expect(await snapshots.listMemberships(key)).toEqual([
            { groupId: 'g1', memberId: 'g2', memberType: 'group' },
            { groupId: 'g2', memberId: 'u2', memberType: 'user' },
          ]);
          expect(
            await snapshots.listMemberships(key, { after: { groupId: 'g1', memberId: 'g2' } }),
          ).toHaveLength(1);
          expect(await snapshots.removeGroups(key, ['g2'])).toBe(1);
          expect(await snapshots.counts(key)).toEqual({ users: 2, groups: 1, memberships: 0 });
          // Round r2 sees u2 and g1 only: the sweep removes u3.
          await snapshots.upsertUsers(key, [user('u2')], 'r2');
          await snapshots.upsertGroups(key, [group('g1')], 'r2');
          await snapshots.addMemberships(key, [{ groupId: 'g1', memberId: 'u2', memberType: 'user' }], 'r2');
          expect(await snapshots.sweep(key, 'r2')).toEqual({ users: 1, groups: 0, memberships: 0 });
          expect(await snapshots.counts(key)).toEqual({ users: 1, groups: 1, memberships: 1 });
        });

        it('writes pages larger than one statement allows', async () => {
          const key = { tenantId: tenant(), snapshot: 'tenant' as const };
          const many = Array.from({ length: 2_500 }, (_, index) =>
            user(`u${String(index).padStart(5, '0')}`),
          );
          expect(await store.directorySnapshots.upsertUsers(key, many, 'r')).toEqual({
            added: 2_500,
            updated: 0,
          });
          await store.directorySnapshots.upsertGroups(key, [group('g')], 'r');
          await store.directorySnapshots.addMemberships(
            key,
            many.map((each) => ({ groupId: 'g', memberId: each.id, memberType: 'user' as const })),
            'r',
          );
          expect(await store.directorySnapshots.counts(key)).toEqual({
            users: 2_500,
            groups: 1,
            memberships: 2_500,
          });
          expect(
            await store.directorySnapshots.removeUsers(
              key,
              many.map((each) => each.id),
            ),
          ).toBe(2_500);
          expect(await store.directorySnapshots.counts(key)).toEqual({ users: 0, groups: 1, memberships: 0 });
        });

        it('stores, replaces and forgets delta links', async () => {
          const key = { tenantId: tenant(), snapshot: 'tenant' as const };
          expect(await store.directorySnapshots.deltaLink(key, 'users')).toBeUndefined();
          await store.directorySnapshots.setDeltaLink(
            key,
            'users',
            'https://graph/users/delta?$deltatoken=1',
            at(1),
          );
          await store.directorySnapshots.setDeltaLink(
            key,
            'users',
            'https://graph/users/delta?$deltatoken=2',
            at(2),
          );
          expect(await store.directorySnapshots.deltaLink(key, 'users')).toBe(
            'https://graph/users/delta?$deltatoken=2',
          );
          expect(await store.directorySnapshots.deltaLink(key, 'groups')).toBeUndefined();
          await store.directorySnapshots.setDeltaLink(key, 'users', null, at(3));
          expect(await store.directorySnapshots.deltaLink(key, 'users')).toBeUndefined();
        });
      });

      describe('sync jobs', () => {
        const lease = (owner: string, now: number, until: number) => ({
          owner,
          now: at(now),
          leaseUntil: at(until),
        });

        it('requests a run once per id', async () => {
          const run = syncRun(tenant(), { id: `scheduled:${randomUUID()}` });
          expect(await store.syncJobs.requestRun(run)).toEqual({ run, created: true });
          expect(await store.syncJobs.requestRun({ ...run, trigger: 'manual' })).toEqual({
            run,
            created: false,
          });
          expect(await store.syncRuns.get(run.tenantId, run.id)).toEqual(run);
        });

        it('R13: answers the queued run of a tenant and service instead of queueing a second one', async () => {
          const tenantId = tenant();
          const queued = syncRun(tenantId, { trigger: 'initial', requestedAt: at(1) });
          expect((await store.syncJobs.requestRun(queued)).created).toBe(true);
          const again = await store.syncJobs.requestRun(
            syncRun(tenantId, { trigger: 'manual', requestedAt: at(2) }),
          );
          expect(again).toEqual({ run: queued, created: false });
          // Another service, and the same service once the queued run finished, queue their own.
          expect((await store.syncJobs.requestRun(syncRun(tenantId, { service: 'oneDrive' }))).created).toBe(
            true,
          );
          await store.syncRuns.update({ ...queued, status: 'succeeded' });
          expect((await store.syncJobs.requestRun(syncRun(tenantId, { requestedAt: at(3) }))).created).toBe(
            true,
          );
          expect(await store.syncRuns.list(tenantId, { service: 'exchangeOnline' })).toHaveLength(2);
        });

        it('R13: the database itself refuses a second pending or running run of a tenant and service', async () => {
          const tenantId = tenant();
          await store.syncRuns.create(syncRun(tenantId, { status: 'running' }));
          await expect(store.syncRuns.create(syncRun(tenantId))).rejects.toThrow();
          await store.syncRuns.create(syncRun(tenantId, { status: 'succeeded' }));
          await store.syncRuns.create(syncRun(tenantId, { status: 'cancelled', cancelReason: 'superseded' }));
          expect(await store.syncRuns.list(tenantId)).toHaveLength(3);
        });

        it('R13: of many simultaneous requests for one tenant and service in two stores, one queues a run', async () => {
          const other = await open();
          const tenantId = tenant();
          const answers = await Promise.all(
            Array.from({ length: 8 }, (_, index) =>
              (index % 2 === 0 ? store : other).syncJobs.requestRun(
                syncRun(tenantId, { trigger: 'manual', requestedAt: at(index) }),
              ),
            ),
          );
          expect(answers.filter((answer) => answer.created)).toHaveLength(1);
          expect(new Set(answers.map((answer) => answer.run.id)).size).toBe(1);
          expect(await store.syncRuns.list(tenantId)).toHaveLength(1);
        });

        it("R13: offers each tenant's oldest due run and nothing of a tenant whose lease is held", async () => {
          const isolated = await open(await backend.freshDatabase());
          const [flooded, second, third] = [tenant(), tenant(), tenant()];
          const busy = syncRun(flooded, { requestedAt: at(1) });
          const waiting = [
            syncRun(flooded, { service: 'sharePointOnline', requestedAt: at(2) }),
            syncRun(flooded, { service: 'oneDrive', requestedAt: at(3) }),
          ];
          const thirdRun = syncRun(third, { requestedAt: at(4) });
          const secondRuns = [
            syncRun(second, { requestedAt: at(5) }),
            syncRun(second, { service: 'oneDrive', requestedAt: at(6) }),
          ];
          for (const run of [busy, ...waiting, thirdRun, ...secondRuns]) await isolated.syncRuns.create(run);
          expect(await isolated.syncJobs.claimRun(flooded, busy.id, lease('w1', 1, 100))).toBeDefined();
          const due = await isolated.syncJobs.due(at(10), 100);
          expect(due.map((each) => each.run.id)).toEqual([thirdRun.id, secondRuns[0]?.id]);
          expect((await isolated.syncJobs.claimNext(lease('w2', 10, 20)))?.run.id).toBe(thirdRun.id);
          expect((await isolated.syncJobs.claimNext(lease('w3', 10, 20)))?.run.id).toBe(secondRuns[0]?.id);
          expect(await isolated.syncJobs.claimNext(lease('w4', 10, 20))).toBeUndefined();
          // Once its lease ends, the flooded tenant's oldest waiting run is next.
          await isolated.syncJobs.release(busy.id, 'w1', { done: true });
          await isolated.syncRuns.update({ ...busy, status: 'succeeded' });
          expect((await isolated.syncJobs.claimNext(lease('w1', 11, 20)))?.run.id).toBe(waiting[0]?.id);
        });

        it("R14: cancels a service's queued runs with the reason, fences their worker out, and never claims them", async () => {
          const tenantId = tenant();
          const running = syncRun(tenantId, { requestedAt: at(1) });
          const retrying = syncRun(tenantId, { service: 'oneDrive', requestedAt: at(2) });
          const other = syncRun(tenantId, { service: 'sharePointOnline', requestedAt: at(3) });
          for (const run of [running, retrying, other]) await store.syncRuns.create(run);
          expect(await store.syncJobs.claimRun(tenantId, running.id, lease('w1', 1, 50))).toBeDefined();
          expect(await store.syncJobs.saveCheckpoint(running.id, 'w1', { page: 1 })).toBe(true);
          const cancelled = await store.syncJobs.cancelQueued(tenantId, 'exchangeOnline', {
            reason: 'scopeChanged',
            at: at(5),
          });
          expect(cancelled).toEqual([
            {
              ...running,
              status: 'cancelled',
              startedAt: at(1),
              finishedAt: at(5),
              cancelReason: 'scopeChanged',
            },
          ]);
          // Its worker's next page is refused, so nothing more of it is applied.
          expect(await store.syncJobs.saveCheckpoint(running.id, 'w1', { page: 2 })).toBe(false);
          expect(await store.syncJobs.claimRun(tenantId, running.id, lease('w2', 60, 70))).toBeUndefined();
          expect((await store.syncJobs.due(at(60), 1_000)).map((each) => each.run.id)).not.toContain(
            running.id,
          );
          // A pending run waiting for a retry is cancelled the same way; other services keep theirs.
          await store.syncJobs.cancelQueued(tenantId, 'oneDrive', { reason: 'scopeChanged', at: at(6) });
          expect((await store.syncRuns.get(tenantId, retrying.id))?.status).toBe('cancelled');
          expect((await store.syncRuns.get(tenantId, other.id))?.status).toBe('pending');
          // The service may queue a run of its new scope at once.
          expect((await store.syncJobs.requestRun(syncRun(tenantId, { requestedAt: at(7) }))).created).toBe(
            true,
          );
        });

        it('R14: cancels a claimed run that no longer applies and frees its tenant at once', async () => {
          const tenantId = tenant();
          const stale = syncRun(tenantId, { requestedAt: at(1) });
          const next = syncRun(tenantId, { service: 'oneDrive', requestedAt: at(2) });
          for (const run of [stale, next]) await store.syncRuns.create(run);
          expect(await store.syncJobs.claimRun(tenantId, stale.id, lease('w1', 1, 50))).toBeDefined();
          expect(
            await store.syncJobs.cancelClaimed(stale.id, 'w2', { reason: 'scopeChanged', at: at(2) }),
          ).toBe(false);
          expect(
            await store.syncJobs.cancelClaimed(stale.id, 'w1', { reason: 'scopeChanged', at: at(2) }),
          ).toBe(true);
          expect(await store.syncRuns.get(tenantId, stale.id)).toMatchObject({
            status: 'cancelled',
            cancelReason: 'scopeChanged',
            finishedAt: at(2),
          });
          expect(await store.syncJobs.claimRun(tenantId, next.id, lease('w1', 3, 50))).toBeDefined();
        });

        it('claims a pending run with a tenant lease, never two runs of one tenant at once', async () => {
          const tenantId = tenant();
          const first = syncRun(tenantId, { requestedAt: at(1) });
          const second = syncRun(tenantId, { service: 'oneDrive', requestedAt: at(2) });
          await store.syncRuns.create(first);
          await store.syncRuns.create(second);
          const claimed = await store.syncJobs.claimRun(tenantId, first.id, lease('w1', 10, 20));
          expect(claimed?.run).toMatchObject({ id: first.id, status: 'running', startedAt: at(10) });
          expect(claimed?.job).toMatchObject({
            attempts: 1,
            leaseOwner: 'w1',
            leaseUntil: at(20),
            checkpoint: null,
          });
          expect(await store.syncJobs.claimRun(tenantId, second.id, lease('w2', 11, 21))).toBeUndefined();
          expect(await store.syncJobs.claimRun(tenantId, first.id, lease('w2', 11, 21))).toBeUndefined();
          expect(await store.syncJobs.renew(first.id, lease('w1', 15, 30))).toBe(true);
          expect(await store.syncJobs.renew(first.id, lease('w2', 15, 30))).toBe(false);
          await store.syncJobs.release(first.id, 'w1', { done: true });
          expect(await store.syncJobs.claimRun(tenantId, second.id, lease('w2', 16, 26))).toBeDefined();
        });

        it('lets a second worker take over a run whose lease expired, resuming from its checkpoint', async () => {
          const run = syncRun(tenant());
          await store.syncRuns.create(run);
          await store.syncJobs.claimRun(run.tenantId, run.id, lease('dead', 1, 5));
          expect(await store.syncJobs.saveCheckpoint(run.id, 'dead', { phase: 'users', next: 'link' })).toBe(
            true,
          );
          expect(await store.syncJobs.claimRun(run.tenantId, run.id, lease('w2', 4, 10))).toBeUndefined();
          const taken = await store.syncJobs.claimRun(run.tenantId, run.id, lease('w2', 5, 10));
          expect(taken?.job).toMatchObject({
            attempts: 2,
            leaseOwner: 'w2',
            checkpoint: { phase: 'users', next: 'link' },
          });
          // The old owner is fenced out.
          expect(await store.syncJobs.saveCheckpoint(run.id, 'dead', { phase: 'stale' })).toBe(false);
          expect((await store.syncJobs.get(run.id))?.checkpoint).toEqual({ phase: 'users', next: 'link' });
        });

        it('lets exactly one of many simultaneous claimers in two stores win a tenant', async () => {
          const other = await open();
          const tenantId = tenant();
          const runs = SERVICE_IDS.map((service) => syncRun(tenantId, { service }));
          for (const run of runs) await store.syncRuns.create(run);
          const results = await Promise.all(
            Array.from({ length: 6 }, (_, index) =>
              (index % 2 === 0 ? store : other).syncJobs.claimRun(
                tenantId,
                runs[index % 3]?.id ?? '',
                lease(`w${index}`, 1, 10),
              ),
            ),
          );
          expect(results.filter((result) => result !== undefined)).toHaveLength(1);
        });

        it('retries after a failure only once due, and offers due runs oldest first', async () => {
          // A database of its own: claimNext takes the oldest due run of every tenant there.
          const isolated = await open(await backend.freshDatabase());
          const tenantId = tenant();
          const run = syncRun(tenantId, { requestedAt: at(0) });
          await isolated.syncRuns.create(run);
          expect((await isolated.syncJobs.claimNext(lease('w1', 1, 5)))?.run.id).toBe(run.id);
          await isolated.syncJobs.release(run.id, 'w1', {
            done: false,
            error: 'Graph 500',
            nextAttemptAt: at(8),
          });
          await isolated.syncRuns.update({ ...run, status: 'pending', error: 'Graph 500' });
          expect((await isolated.syncJobs.due(at(7), 100)).some((each) => each.run.id === run.id)).toBe(
            false,
          );
          const due = (await isolated.syncJobs.due(at(8), 1_000)).find((each) => each.run.id === run.id);
          expect(due?.job).toMatchObject({
            attempts: 1,
            lastError: 'Graph 500',
            nextAttemptAt: at(8),
            leaseOwner: null,
          });
          expect(await isolated.syncJobs.claimRun(tenantId, run.id, lease('w1', 7, 9))).toBeUndefined();
          expect((await isolated.syncJobs.claimRun(tenantId, run.id, lease('w1', 8, 9)))?.job.attempts).toBe(
            2,
          );
        });

        it('never claims a finished run', async () => {
          const run = syncRun(tenant(), { status: 'succeeded' });
          await store.syncRuns.create(run);
          expect(await store.syncJobs.claimRun(run.tenantId, run.id, lease('w', 1, 2))).toBeUndefined();
        });
      });

      describe('secrets', () => {
        it('puts, gets, overwrites and deletes, per tenant', async () => {
          const [a, b] = [tenant(), tenant()];
          await store.secrets.put(a, 'client-secret', UNICODE);
          expect(await store.secrets.get(a, 'client-secret')).toBe(UNICODE);
          expect(await store.secrets.get(b, 'client-secret')).toBeUndefined();
          await store.secrets.put(a, 'client-secret', 'rotated');
          expect(await store.secrets.get(a, 'client-secret')).toBe('rotated');
          await store.secrets.put(a, 'empty', '');
          expect(await store.secrets.get(a, 'empty')).toBe('');
          expect(await store.secrets.delete(b, 'client-secret')).toBe(false);
          expect(await store.secrets.delete(a, 'client-secret')).toBe(true);
          expect(await store.secrets.get(a, 'client-secret')).toBeUndefined();
          expect(await store.secrets.delete(a, 'client-secret')).toBe(false);
        });

        it('keeps only ciphertext in the table', async () => {
          const tenantId = tenant();
          const plaintext = `s3cr3t-${randomUUID()}`;
          await store.secrets.put(tenantId, 'token', plaintext);
          const rows = await rawRows(`select * from secrets where tenant_id = '${tenantId}'`);
          expect(rows).toHaveLength(1);
          const stored = JSON.stringify(rows);
          expect(stored).not.toContain(plaintext);
          expect(stored).not.toContain(Buffer.from(plaintext).toString('base64'));
          expect(String(rows[0]?.ciphertext)).toMatch(/^enc:v1:/);
        });

        it('fails loudly on a tampered value or one moved to another row, without leaking', async () => {
          const tenantId = tenant();
          const plaintext = `s3cr3t-${randomUUID()}`;
          await store.secrets.put(tenantId, 'token', plaintext);
          await store.secrets.put(tenantId, 'other', 'x');
          const [row] = await rawRows(
            `select ciphertext from secrets where tenant_id = '${tenantId}' and name = 'token'`,
          );
          const original = String(row?.ciphertext);
          const last = original.at(-2) === 'A' ? 'B' : 'A';
          const tampered = `${original.slice(0, -2)}${last}${original.slice(-1)}`;
          await rawRows(
            `update secrets set ciphertext = '${tampered}' where tenant_id = '${tenantId}' and name = 'token'`,
          );
          const failure = await store.secrets.get(tenantId, 'token').catch((error: unknown) => error);
          expect(failure).toBeInstanceOf(SecretDecryptionError);
          expect(failure).toMatchObject({ reason: 'authenticationFailed' });
          expect(String((failure as Error).message)).not.toContain(plaintext);

          await rawRows(
            `update secrets set ciphertext = '${original}' where tenant_id = '${tenantId}' and name = 'other'`,
          );
          await expect(store.secrets.get(tenantId, 'other')).rejects.toMatchObject({
            reason: 'authenticationFailed',
          });
        });

        it('refuses to decrypt with the wrong key, and reads old values after a rotation', async () => {
          const tenantId = tenant();
          await store.secrets.put(tenantId, 'token', 'before rotation');
          const wrongKey = await open({ ...database, encryptionKey: OTHER_KEY });
          await expect(wrongKey.secrets.get(tenantId, 'token')).rejects.toMatchObject({
            name: 'SecretDecryptionError',
            reason: 'unknownKey',
          });
          const rotated = await open({
            ...database,
            encryptionKey: OTHER_KEY,
            previousEncryptionKeys: [KEY],
          });
          expect(await rotated.secrets.get(tenantId, 'token')).toBe('before rotation');
          await rotated.secrets.put(tenantId, 'token', 'after rotation');
          await expect(store.secrets.get(tenantId, 'token')).rejects.toMatchObject({ reason: 'unknownKey' });
        });
      });

      describe('bot conversations', () => {
        function conversation(tenantId: string, overrides: Partial<BotConversation> = {}): BotConversation {
          return {
            tenantId,
            conversationId: `a:1${randomUUID()}`,
            kind: 'personal',
            reference: {
              serviceUrl: 'https://smba.trafficmanager.net/emea/',
              conversation: { id: 'x', tenantId, conversationType: 'personal' },
              user: { id: '29:1', aadObjectId: 'u-1', name: UNICODE },
            },
            installedAt: at(1),
            updatedAt: at(1),
            ownerUserId: 'u-1',
            channelNotifications: null,
            administratorCheck: null,
            ...overrides,
          };
        }

        it('keeps the owner, the alert setting and the last administrator check across refreshes', async () => {
          const tenantId = tenant();
          const channel = conversation(tenantId, { kind: 'channel', ownerUserId: null });
          const chat = conversation(tenantId, { ownerUserId: 'owner-1' });
          await store.conversations.upsert(channel);
          await store.conversations.upsert(chat);
          const turnedOn = { enabledBy: 'admin-1', enabledAt: at(2) };
          expect(
            await store.conversations.setChannelNotifications(tenantId, channel.conversationId, turnedOn),
          ).toBe(true);
          const check = { userId: 'owner-1', isGlobalAdministrator: true, checkedAt: at(3) };
          await store.conversations.recordAdministratorCheck(tenantId, chat.conversationId, check);
          // A refresh from an activity that names no owner changes neither.
          await store.conversations.upsert({ ...chat, ownerUserId: null, updatedAt: at(4) });
          await store.conversations.upsert({ ...channel, updatedAt: at(4) });
          expect(await store.conversations.get(tenantId, chat.conversationId)).toEqual({
            ...chat,
            updatedAt: at(4),
            administratorCheck: check,
          });
          expect(await store.conversations.get(tenantId, channel.conversationId)).toEqual({
            ...channel,
            updatedAt: at(4),
            channelNotifications: turnedOn,
          });
          await store.conversations.recordAdministratorCheck(tenantId, chat.conversationId, {
            ...check,
            isGlobalAdministrator: false,
            checkedAt: at(5),
          });
          expect((await store.conversations.get(tenantId, chat.conversationId))?.administratorCheck).toEqual({
            ...check,
            isGlobalAdministrator: false,
            checkedAt: at(5),
          });
          expect(
            await store.conversations.setChannelNotifications(tenantId, channel.conversationId, null),
          ).toBe(true);
          expect(
            (await store.conversations.get(tenantId, channel.conversationId))?.channelNotifications,
          ).toBeNull();
        });

        it("turns alerts on only in a conversation of the tenant's own", async () => {
          const tenantId = tenant();
          const channel = conversation(tenantId, { kind: 'channel', ownerUserId: null });
          await store.conversations.upsert(channel);
          const turnedOn = { enabledBy: 'admin-1', enabledAt: at(2) };
          expect(
            await store.conversations.setChannelNotifications(tenant(), channel.conversationId, turnedOn),
          ).toBe(false);
          expect(await store.conversations.setChannelNotifications(tenantId, 'unknown', turnedOn)).toBe(
            false,
          );
          expect(
            (await store.conversations.get(tenantId, channel.conversationId))?.channelNotifications,
          ).toBeNull();
        });

        it("upserts, gets and lists a tenant's conversations, oldest installation first", async () => {
          const tenantId = tenant();
          const later = conversation(tenantId, { kind: 'channel', installedAt: at(5), updatedAt: at(5) });
          const first = conversation(tenantId);
          await store.conversations.upsert(later);
          await store.conversations.upsert(first);
          await store.conversations.upsert(conversation(tenant()));
          expect(await store.conversations.get(tenantId, first.conversationId)).toEqual(first);
          expect(await store.conversations.list(tenantId)).toEqual([first, later]);
          expect(await store.conversations.get(tenantId, 'unknown')).toBeUndefined();
        });

        it('refreshes the reference but keeps the first installation time', async () => {
          const tenantId = tenant();
          const first = conversation(tenantId);
          await store.conversations.upsert(first);
          const refreshed = conversation(tenantId, {
            conversationId: first.conversationId,
            kind: 'groupChat',
            reference: { serviceUrl: 'https://other.example/', conversation: { id: 'y' } },
            installedAt: at(9),
            updatedAt: at(9),
          });
          await store.conversations.upsert(refreshed);
          expect(await store.conversations.list(tenantId)).toEqual([{ ...refreshed, installedAt: at(1) }]);
        });

        it('keeps one row when the same installation is recorded simultaneously', async () => {
          const tenantId = tenant();
          const one = conversation(tenantId);
          await Promise.all(Array.from({ length: 6 }, () => store.conversations.upsert(one)));
          expect(await store.conversations.list(tenantId)).toEqual([one]);
        });

        it('removes a conversation of its own tenant only', async () => {
          const tenantId = tenant();
          const one = conversation(tenantId);
          await store.conversations.upsert(one);
          expect(await store.conversations.remove(tenant(), one.conversationId)).toBe(false);
          expect(await store.conversations.remove(tenantId, one.conversationId)).toBe(true);
          expect(await store.conversations.remove(tenantId, one.conversationId)).toBe(false);
          expect(await store.conversations.list(tenantId)).toEqual([]);
        });

        it('lists the tenants that have the bot installed', async () => {
          const tenantA = tenant();
          const tenantB = tenant();
          await store.conversations.upsert(conversation(tenantB));
          await store.conversations.upsert(conversation(tenantA));
          await store.conversations.upsert(conversation(tenantA));
          const ids = await store.conversations.listTenantIds();
          expect(ids.filter((id) => id === tenantA || id === tenantB)).toEqual([tenantA, tenantB].sort());
        });

        it('rolls back with its transaction', async () => {
          const tenantId = tenant();
          await expect(
            store.transaction(async (tx) => {
              await tx.conversations.upsert(conversation(tenantId));
              throw new Error('abort');
            }),
          ).rejects.toThrow('abort');
          expect(await store.conversations.list(tenantId)).toEqual([]);
        });
      });

      describe('transactions', () => {
        it('commits writes to several repositories together', async () => {
          const tenantId = tenant();
          const result = await store.transaction(async (tx) => {
            const saved = await tx.provisioning.save(richProvisioning(tenantId), 0);
            await tx.notifications.raise(notification(tenantId));
            await tx.audit.append(auditEvent(tenantId));
            await tx.secrets.put(tenantId, 'token', 'value');
            return saved;
          });
          expect(result.ok).toBe(true);
          expect(await store.provisioning.get(tenantId)).toMatchObject({ version: 1 });
          expect(await store.notifications.countUnread(tenantId, READER)).toBe(1);
          expect(await store.audit.list(tenantId)).toHaveLength(1);
          expect(await store.secrets.get(tenantId, 'token')).toBe('value');
        });

        it('rolls everything back when work throws, and rethrows', async () => {
          const tenantId = tenant();
          await store.provisioning.save(richProvisioning(tenantId), 0);
          const boom = new Error('boom');
          await expect(
            store.transaction(async (tx) => {
              await tx.provisioning.save(withTargets(richProvisioning(tenantId), 'lost', 3), 1);
              await tx.notifications.raise(notification(tenantId));
              await tx.audit.append(auditEvent(tenantId));
              await tx.syncRuns.create(syncRun(tenantId));
              await tx.tokenIncidents.put(incident(tenantId));
              await tx.secrets.put(tenantId, 'token', 'value');
              throw boom;
            }),
          ).rejects.toBe(boom);
          expect(await store.provisioning.get(tenantId)).toEqual({
            ...richProvisioning(tenantId),
            version: 1,
          });
          expect(await store.notifications.list(tenantId)).toEqual([]);
          expect(await store.audit.list(tenantId)).toEqual([]);
          expect(await store.syncRuns.list(tenantId)).toEqual([]);
          expect(await store.tokenIncidents.list(tenantId)).toEqual([]);
          expect(await store.secrets.get(tenantId, 'token')).toBeUndefined();
        });

        it('keeps simultaneous transactions apart: one rolling back does not undo the other', async () => {
          const [kept, dropped] = [tenant(), tenant()];
          const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
          const outcomes = await Promise.allSettled([
            store.transaction(async (tx) => {
              for (let index = 0; index < 5; index += 1) {
                await tx.audit.append(auditEvent(kept, { at: at(index) }));
                await pause();
              }
            }),
            store.transaction(async (tx) => {
              for (let index = 0; index < 5; index += 1) {
                await tx.audit.append(auditEvent(dropped, { at: at(index) }));
                await pause();
              }
              throw new Error('roll back');
            }),
            ...[0, 1, 2].map(() => store.audit.append(auditEvent(kept))),
          ]);
          expect(outcomes.map((outcome) => outcome.status)).toEqual([
            'fulfilled',
            'rejected',
            'fulfilled',
            'fulfilled',
            'fulfilled',
          ]);
          expect(await store.audit.list(kept)).toHaveLength(8);
          expect(await store.audit.list(dropped)).toHaveLength(0);
        });

        it('returns a version conflict inside a transaction without aborting it', async () => {
          const tenantId = tenant();
          await store.provisioning.save(richProvisioning(tenantId), 0);
          const outcome = await store.transaction(async (tx) => {
            const conflict = await tx.provisioning.save(richProvisioning(tenantId), 0);
            await tx.audit.append(auditEvent(tenantId, { action: 'consent.failed' }));
            return conflict;
          });
          expect(outcome).toMatchObject({ ok: false, error: { code: 'version_conflict', actualVersion: 1 } });
          expect(await store.audit.list(tenantId)).toHaveLength(1);
        });

        it('refuses the root store or a nested transaction inside work, instead of hanging', async () => {
          const tenantId = tenant();
          await expect(
            store.transaction(async () => {
              await store.audit.append(auditEvent(tenantId));
            }),
          ).rejects.toMatchObject({ code: 'outside_transaction' });
          await expect(
            store.transaction(() => store.transaction(() => Promise.resolve(1))),
          ).rejects.toMatchObject({
            code: 'nested_transaction',
          });
          expect(await store.audit.list(tenantId)).toEqual([]);
        });
      });
    },
  );
}
