/**
 * Token incidents. The partial unique index `token_incidents_one_open_per_tenant_idx` guarantees
 * at most one open incident per tenant; opening a second one fails with `StoreError`.
 */
import { isUniqueViolation } from '../dialects.js';
import { fromJson, toJson, type Database, type TokenIncidentTable } from '../schema.js';
import { StoreError } from '../store-error.js';
import type {
  ConsentAppId,
  ServiceId,
  TokenFailureCause,
  TokenIncident,
  TokenIncidentRepository,
} from '@cas/core';
import type { Kysely } from 'kysely';

/** Token incidents over either backend. */
export class SqlTokenIncidentRepository implements TokenIncidentRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async findOpen(tenantId: string): Promise<TokenIncident | undefined> {
    const row = await this.#db
      .selectFrom('token_incidents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('closed_at', 'is', null)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async put(incident: TokenIncident): Promise<void> {
    const { id, ...changes } = toRow(incident);
    try {
      await this.#db
        .insertInto('token_incidents')
        .values({ id, ...changes })
        .onConflict((conflict) => conflict.column('id').doUpdateSet(changes))
        .execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new StoreError(
        'open_incident_exists',
        `Tenant ${incident.tenantId} already has an open token incident`,
        { cause: error },
      );
    }
  }

  async list(
    tenantId: string,
    options: { openOnly?: boolean; limit?: number } = {},
  ): Promise<TokenIncident[]> {
    let query = this.#db
      .selectFrom('token_incidents')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc');
    if (options.openOnly === true) query = query.where('closed_at', 'is', null);
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(fromRow);
  }
}

function toRow(incident: TokenIncident): TokenIncidentTable {
  return {
    id: incident.id,
    tenant_id: incident.tenantId,
    services_json: toJson(incident.services),
    cause: incident.cause,
    detail: incident.detail,
    missing_roles_json: toJson(incident.missingRoles),
    apps_json: toJson(incident.apps),
    opened_at: incident.openedAt,
    last_failure_at: incident.lastFailureAt,
    failure_count: incident.failureCount,
    closed_at: incident.closedAt,
  };
}

function fromRow(row: TokenIncidentTable): TokenIncident {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    services: fromJson<ServiceId[]>(row.services_json),
    cause: row.cause as TokenFailureCause,
    detail: row.detail,
    missingRoles: fromJson<string[]>(row.missing_roles_json),
    apps: fromJson<ConsentAppId[]>(row.apps_json),
    openedAt: row.opened_at,
    lastFailureAt: row.last_failure_at,
    failureCount: Number(row.failure_count),
    closedAt: row.closed_at,
  };
}
