/**
 * The provisioning aggregate: a tenant row carrying the version, and child rows per service
 * (account, consent grants, ordered targets). A save is one transaction that bumps the version
 * only if it is still the expected one, then rewrites the children; the loser of a race changes
 * nothing and gets `version_conflict`.
 */
import { SERVICE_IDS, err, ok } from '@cas/core';
import { fromJson, toJson } from '../schema.js';
import { inTransaction } from './transaction-scope.js';
import type { ConsentGrantTable, Database, SelectedTargetTable, ServiceAccountTable } from '../schema.js';
import type {
  Actor,
  ConsentGrant,
  ConsentStep,
  ProvisioningRepository,
  Result,
  ServiceAccount,
  ServiceAccountStatus,
  ServiceId,
  SyncScope,
  Target,
  TenantProvisioning,
  TokenFailureCause,
  VersionConflict,
} from '@cas/core';
import type { Kysely } from 'kysely';

/** How often `get` re-reads when a concurrent save changed the record mid-read. */
const CONSISTENT_READ_ATTEMPTS = 5;

/** Provisioning records with optimistic concurrency, over either backend. */
export class SqlProvisioningRepository implements ProvisioningRepository {
  readonly #db: Kysely<Database>;
  readonly #now: () => string;
  readonly #kind: 'sqlite' | 'postgres';

  /** `db` may be the root instance or a transaction; `now` stamps `updated_at`. */
  constructor(db: Kysely<Database>, now: () => string, kind: 'sqlite' | 'postgres' = 'sqlite') {
    this.#db = db;
    this.#now = now;
    this.#kind = kind;
  }

  async get(tenantId: string): Promise<TenantProvisioning | undefined> {
    // The children are read in several statements; every save bumps the version in the same
    // transaction, so an unchanged version before and after proves the reads saw one state.
    for (let attempt = 1; ; attempt += 1) {
      const before = await this.#version(tenantId);
      if (before === undefined) return undefined;
      const services = await this.#readServices(tenantId);
      const after = await this.#version(tenantId);
      if (after === before) return { tenantId, version: before, services };
      if (attempt >= CONSISTENT_READ_ATTEMPTS) {
        throw new Error(`Provisioning record of tenant ${tenantId} kept changing while being read`);
      }
    }
  }

  async save(
    next: TenantProvisioning,
    expectedVersion: number,
  ): Promise<Result<TenantProvisioning, VersionConflict>> {
    if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
      throw new RangeError(`expectedVersion must be a non-negative integer, got ${expectedVersion}`);
    }
    const { tenantId } = next;
    const version = expectedVersion + 1;
    return inTransaction(this.#db, async (trx) => {
      // Claim the version first: the row lock (PostgreSQL) or write lock (SQLite) taken here
      // makes a concurrent save wait, then find the version moved and write nothing.
      const claimed =
        expectedVersion === 0
          ? await trx
              .insertInto('tenant_provisioning')
              .values({ tenant_id: tenantId, version, updated_at: this.#now() })
              .onConflict((conflict) => conflict.column('tenant_id').doNothing())
              .executeTakeFirst()
              .then((result) => Number(result.numInsertedOrUpdatedRows ?? 0))
          : await trx
              .updateTable('tenant_provisioning')
              .set({ version, updated_at: this.#now() })
              .where('tenant_id', '=', tenantId)
              .where('version', '=', expectedVersion)
              .executeTakeFirst()
              .then((result) => Number(result.numUpdatedRows));
      if (claimed !== 1) {
        const actualVersion = (await versionOf(trx, tenantId)) ?? 0;
        return err({ code: 'version_conflict', tenantId, expectedVersion, actualVersion } as const);
      }

      await trx.deleteFrom('selected_targets').where('tenant_id', '=', tenantId).execute();
      await trx.deleteFrom('selected_sites').where('tenant_id', '=', tenantId).execute();
      await trx.deleteFrom('consent_grants').where('tenant_id', '=', tenantId).execute();
      await trx.deleteFrom('service_accounts').where('tenant_id', '=', tenantId).execute();

      const accounts = SERVICE_IDS.map((service) => next.services[service]);
      await trx
        .insertInto('service_accounts')
        .values(accounts.map((account) => accountRow(tenantId, account)))
        .execute();
      const consents = accounts.flatMap((account) =>
        account.consents.map((grant, position) => consentRow(tenantId, account.service, position, grant)),
      );
      if (consents.length > 0) await trx.insertInto('consent_grants').values(consents).execute();
      const targets = accounts.flatMap((account) =>
        account.targets.map((target, position) => targetRow(tenantId, account.service, position, target)),
      );
      if (targets.length > 0) await trx.insertInto('selected_targets').values(targets).execute();
      const sites = accounts.flatMap((account) =>
        account.sites.map((site, position) => ({
          tenant_id: tenantId,
          service: account.service,
          position,
          site_id: site.siteId,
          web_url: site.webUrl,
          display_name: site.displayName,
        })),
      );
      if (sites.length > 0) await trx.insertInto('selected_sites').values(sites).execute();
      // The scheduler reads only tenants due: a tenant is scheduled while a protected service of
      // it synchronizes all users and groups (due now when it becomes so; its time kept after).
      if (accounts.some((account) => account.status === 'protected' && account.scope === 'allUsersAndGroups'))
        await trx
          .insertInto('sync_schedules')
          .values({ tenant_id: tenantId, next_due_at: this.#now() })
          .onConflict((conflict) => conflict.column('tenant_id').doNothing())
          .execute();
      else await trx.deleteFrom('sync_schedules').where('tenant_id', '=', tenantId).execute();
      // The token health monitor reads only tenants due: one is watched while a service of it is
      // protected or its token invalid (due now when it becomes so; its time kept after).
      if (accounts.some((account) => account.status === 'protected' || account.status === 'tokenInvalid'))
        await trx
          .insertInto('token_health_schedules')
          .values({ tenant_id: tenantId, next_check_at: this.#now() })
          .onConflict((conflict) => conflict.column('tenant_id').doNothing())
          .execute();
      else await trx.deleteFrom('token_health_schedules').where('tenant_id', '=', tenantId).execute();

      return ok({ ...next, version });
    });
  }

  async listTenantIds(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('tenant_provisioning')
      .select('tenant_id')
      .orderBy('tenant_id')
      .execute();
    return rows.map((row) => row.tenant_id);
  }

  async claimDueHealthChecks(now: string, claimedUntil: string, limit: number): Promise<string[]> {
    // One statement: the outer condition is re-checked on a row another worker just claimed
    // (PostgreSQL re-reads a row updated concurrently; SQLite has one writer), so a due check
    // goes to one worker only; claiming moves it past \`now\`, which is its lease.
    const rows = await this.#db
      .updateTable('token_health_schedules')
      .set({ next_check_at: claimedUntil })
      .where('next_check_at', '<=', now)
      .where('tenant_id', 'in', (query) =>
        query
          .selectFrom('token_health_schedules')
          .select('tenant_id')
          .where('next_check_at', '<=', now)
          .orderBy('next_check_at', 'asc')
          .limit(limit)
          .$if(this.#kind === 'postgres', (select) => select.forUpdate().skipLocked()),
      )
      .returning('tenant_id')
      .execute();
    return rows.map((row) => row.tenant_id).sort();
  }

  async setNextHealthCheck(tenantId: string, at: string): Promise<void> {
    await this.#db
      .updateTable('token_health_schedules')
      .set({ next_check_at: at })
      .where('tenant_id', '=', tenantId)
      .execute();
  }

  async nextHealthCheck(tenantId: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('token_health_schedules')
      .select('next_check_at')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row?.next_check_at;
  }

  #version(tenantId: string): Promise<number | undefined> {
    return versionOf(this.#db, tenantId);
  }

  async #readServices(tenantId: string): Promise<Record<ServiceId, ServiceAccount>> {
    const [accountRows, consentRows, targetRows, siteRows] = [
      await this.#db.selectFrom('service_accounts').selectAll().where('tenant_id', '=', tenantId).execute(),
      await this.#db
        .selectFrom('consent_grants')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('service')
        .orderBy('position')
        .execute(),
      await this.#db
        .selectFrom('selected_targets')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('service')
        .orderBy('position')
        .execute(),
      await this.#db
        .selectFrom('selected_sites')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('service')
        .orderBy('position')
        .execute(),
    ];
    const services = {} as Record<ServiceId, ServiceAccount>;
    for (const service of SERVICE_IDS) {
      const row = accountRows.find((candidate) => candidate.service === service);
      if (row === undefined)
        throw new Error(`Provisioning record of tenant ${tenantId} lacks service ${service}`);
      services[service] = {
        service,
        status: row.status as ServiceAccountStatus,
        consents: consentRows.filter((consent) => consent.service === service).map(toConsentGrant),
        scope: row.scope as SyncScope | null,
        targets: targetRows.filter((target) => target.service === service).map(toTarget),
        sites: siteRows
          .filter((site) => site.service === service)
          .map((site) => ({ siteId: site.site_id, webUrl: site.web_url, displayName: site.display_name })),
        protectedAt: row.protected_at,
        lastVerifiedAt: row.last_verified_at,
        tokenFailure: row.token_failure as TokenFailureCause | null,
      };
    }
    return services;
  }
}

async function versionOf(db: Kysely<Database>, tenantId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('tenant_provisioning')
    .select('version')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.version);
}

function accountRow(tenantId: string, account: ServiceAccount): ServiceAccountTable {
  return {
    tenant_id: tenantId,
    service: account.service,
    status: account.status,
    scope: account.scope,
    protected_at: account.protectedAt,
    last_verified_at: account.lastVerifiedAt,
    token_failure: account.tokenFailure,
  };
}

function consentRow(
  tenantId: string,
  service: ServiceId,
  position: number,
  grant: ConsentGrant,
): ConsentGrantTable {
  return {
    tenant_id: tenantId,
    service,
    step: grant.step,
    position,
    granted_at: grant.grantedAt,
    granted_by_json: toJson(grant.grantedBy),
    roles_json: toJson(grant.roles),
  };
}

function toConsentGrant(row: ConsentGrantTable): ConsentGrant {
  return {
    step: row.step as ConsentStep,
    grantedAt: row.granted_at,
    grantedBy: fromJson<Actor>(row.granted_by_json),
    roles: fromJson<string[]>(row.roles_json),
  };
}

function targetRow(
  tenantId: string,
  service: ServiceId,
  position: number,
  target: Target,
): SelectedTargetTable {
  return {
    tenant_id: tenantId,
    service,
    position,
    user_id: target.userId,
    user_principal_name: target.userPrincipalName,
    display_name: target.displayName,
    source_kind: target.source.kind,
    source_group_id: target.source.kind === 'group' ? target.source.groupId : null,
    source_group_name: target.source.kind === 'group' ? target.source.groupName : null,
  };
}

function toTarget(row: SelectedTargetTable): Target {
  const base = {
    userId: row.user_id,
    userPrincipalName: row.user_principal_name,
    displayName: row.display_name,
  };
  return row.source_kind === 'group'
    ? {
        ...base,
        source: { kind: 'group', groupId: row.source_group_id ?? '', groupName: row.source_group_name ?? '' },
      }
    : { ...base, source: { kind: 'user' } };
}
