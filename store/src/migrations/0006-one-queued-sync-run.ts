/**
 * Migration 0006: at most one pending or running sync run per tenant and service (R13), as a
 * partial unique index, and the columns of cancelled runs (R14) and of targets a run found
 * missing. Databases written by an older release may hold several queued runs of one service;
 * all but one (the running one, else the oldest) are cancelled as superseded first, so the index
 * can be built.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/** Adds the columns, supersedes duplicate queued runs and creates the unique index. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sync_runs').addColumn('cancel_reason', 'text').execute();
  await db.schema
    .alterTable('sync_runs')
    .addColumn('missing_targets_json', 'text', (column) => column.notNull().defaultTo('[]'))
    .execute();

  // The kept run of a service is never cancelled and outranks every other queued run of it, so
  // the outcome does not depend on the order in which the database visits the rows.
  const at = new Date().toISOString();
  await sql`
    update sync_runs set status = 'cancelled', cancel_reason = 'superseded', finished_at = ${at}
    where status in ('pending', 'running') and exists (
      select 1 from sync_runs kept
      where kept.tenant_id = sync_runs.tenant_id and kept.service = sync_runs.service
        and kept.id <> sync_runs.id and kept.status in ('pending', 'running')
        and (
          (kept.status = 'running' and sync_runs.status = 'pending')
          or (kept.status = sync_runs.status and (
            kept.requested_at < sync_runs.requested_at
            or (kept.requested_at = sync_runs.requested_at and kept.id < sync_runs.id)
          ))
        )
    )`.execute(db);
  // A superseded run holds no lease any more: its tenant may run the kept one.
  await sql`
    delete from sync_tenant_leases
    where run_id in (select id from sync_runs where cancel_reason = 'superseded')`.execute(db);
  await sql`
    update sync_jobs set lease_owner = null, lease_until = null
    where run_id in (select id from sync_runs where cancel_reason = 'superseded')`.execute(db);

  // Raw DDL: the same partial-index syntax on SQLite and PostgreSQL, with literal values.
  await sql`
    create unique index sync_runs_one_queued_idx on sync_runs (tenant_id, service)
    where status in ('pending', 'running')`.execute(db);
}

/** Drops the index and the columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sync_runs_one_queued_idx').execute();
  await db.schema.alterTable('sync_runs').dropColumn('missing_targets_json').execute();
  await db.schema.alterTable('sync_runs').dropColumn('cancel_reason').execute();
}
