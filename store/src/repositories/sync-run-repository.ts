/** Synchronization runs, always addressed within their tenant. */
import { fromJson, toJson } from '../schema.js';
import type { Database, SyncRunTable } from '../schema.js';
import type {
  Actor,
  ServiceId,
  SyncCancelReason,
  SyncMissingTarget,
  SyncRun,
  SyncRunRepository,
  SyncRunStatus,
  SyncScope,
  SyncTrigger,
} from '@cas/core';
import type { Kysely } from 'kysely';

/** Sync runs over either backend. */
export class SqlSyncRunRepository implements SyncRunRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(run: SyncRun): Promise<void> {
    await this.#db.insertInto('sync_runs').values(syncRunToRow(run)).execute();
  }

  async update(run: SyncRun): Promise<void> {
    const { id, tenant_id, ...changes } = syncRunToRow(run);
    const result = await this.#db
      .updateTable('sync_runs')
      .set(changes)
      .where('tenant_id', '=', tenant_id)
      .where('id', '=', id)
      .executeTakeFirst();
    // Updating a run that was never created is a programming error, not an expected outcome.
    if (Number(result.numUpdatedRows) !== 1)
      throw new Error(`Sync run ${id} of tenant ${tenant_id} does not exist`);
  }

  async transition(run: SyncRun, from: SyncRunStatus): Promise<boolean> {
    const { id, tenant_id, ...changes } = syncRunToRow(run);
    const result = await this.#db
      .updateTable('sync_runs')
      .set(changes)
      .where('tenant_id', '=', tenant_id)
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async get(tenantId: string, id: string): Promise<SyncRun | undefined> {
    const row = await this.#db
      .selectFrom('sync_runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : syncRunFromRow(row);
  }

  async list(
    tenantId: string,
    options: { service?: ServiceId; status?: SyncRunStatus; limit?: number } = {},
  ): Promise<SyncRun[]> {
    let query = this.#db
      .selectFrom('sync_runs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc');
    if (options.service !== undefined) query = query.where('service', '=', options.service);
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(syncRunFromRow);
  }
}

/** A run as its table row (shared with the job repository, which creates runs too). */
export function syncRunToRow(run: SyncRun): SyncRunTable {
  return {
    id: run.id,
    tenant_id: run.tenantId,
    service: run.service,
    sync_trigger: run.trigger,
    scope: run.scope,
    status: run.status,
    requested_at: run.requestedAt,
    requested_by_json: toJson(run.requestedBy),
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    added: run.added,
    updated: run.updated,
    removed: run.removed,
    graph_requests: run.graphRequests,
    error: run.error,
    cancel_reason: run.cancelReason,
    missing_targets_json: toJson(run.missingTargets),
    protected_targets: run.protectedTargets,
  };
}

/** A row of `sync_runs` as a run. */
export function syncRunFromRow(row: SyncRunTable): SyncRun {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    service: row.service as ServiceId,
    trigger: row.sync_trigger as SyncTrigger,
    scope: row.scope as SyncScope,
    status: row.status as SyncRunStatus,
    requestedAt: row.requested_at,
    requestedBy: fromJson<Actor>(row.requested_by_json),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    added: Number(row.added),
    updated: Number(row.updated),
    removed: Number(row.removed),
    graphRequests: Number(row.graph_requests),
    error: row.error,
    cancelReason: row.cancel_reason as SyncCancelReason | null,
    missingTargets: fromJson<SyncMissingTarget[]>(row.missing_targets_json),
    protectedTargets: row.protected_targets === null ? null : Number(row.protected_targets),
  };
}
