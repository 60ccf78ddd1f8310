/**
 * Migration 0010: one directory snapshot per tenant. Every service synchronizing all users and
 * groups shares the snapshot `tenant`; a service in selected mode keeps its own, keyed by its
 * name. The `service` column of the snapshot tables becomes `snapshot`. Of a tenant's all-mode
 * copies, the one with the newest completed round (its groups delta link) becomes the shared
 * snapshot, links included, so the next run is a delta round rather than a new full sync; the
 * other copies go. Queued all-mode runs lose their checkpoint: a round half-written into a copy
 * that is gone restarts, rather than sweeping the pages it wrote there. Also records when each
 * snapshot's rounds completed (`directory_snapshots`) for the weekly full round, and indexes
 * tenants' queued runs by scope for runs served by another service's round.
 */
import { sql, type Kysely } from 'kysely';

const SNAPSHOT_TABLES = [
  'directory_users',
  'directory_groups',
  'directory_memberships',
  'directory_delta_links',
] as const;

/** Renames the column, moves each tenant's newest all-mode copy to `tenant` and drops the others. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of SNAPSHOT_TABLES) {
    await db.schema.alterTable(table).renameColumn('service', 'snapshot').execute();
  }
  await db.schema
    .createTable('directory_snapshots')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('snapshot', 'text', (column) => column.notNull())
    .addColumn('last_full_round_started_at', 'text')
    .addColumn('last_round_started_at', 'text')
    .addPrimaryKeyConstraint('directory_snapshots_pk', ['tenant_id', 'snapshot'])
    .execute();

  // The services synchronizing all users and groups now, per tenant, and their copies' newest
  // completed round (a groups delta link is written only when a round of that copy completed).
  const copies = await sql<{ tenant_id: string; service: string; completed_at: string | null }>`
    select a.tenant_id, a.service, l.updated_at as completed_at
    from service_accounts a
    left join directory_delta_links l
      on l.tenant_id = a.tenant_id and l.snapshot = a.service and l.collection = 'groups'
    where a.scope = 'allUsersAndGroups'
    order by a.tenant_id, l.updated_at desc, a.service
  `.execute(db);
  const byTenant = new Map<string, { service: string; completedAt: string | null }[]>();
  for (const row of copies.rows) {
    const list = byTenant.get(row.tenant_id) ?? [];
    list.push({ service: row.service, completedAt: row.completed_at });
    byTenant.set(row.tenant_id, list);
  }
  for (const [tenantId, services] of byTenant) {
    // Completed copies first, newest first (nulls sort differently per backend, so order here).
    const ordered = [...services].sort((a, b) =>
      a.completedAt === b.completedAt
        ? 0
        : a.completedAt === null
          ? 1
          : b.completedAt === null
            ? -1
            : a.completedAt < b.completedAt
              ? 1
              : -1,
    );
    const [kept, ...dropped] = ordered;
    if (kept === undefined) continue;
    for (const table of SNAPSHOT_TABLES) {
      if (dropped.length > 0)
        await sql`delete from ${sql.table(table)} where tenant_id = ${tenantId} and snapshot in (${sql.join(
          dropped.map((each) => each.service),
        )})`.execute(db);
      await sql`update ${sql.table(table)} set snapshot = 'tenant' where tenant_id = ${tenantId} and snapshot = ${kept.service}`.execute(
        db,
      );
    }
    if (kept.completedAt !== null)
      await sql`insert into directory_snapshots (tenant_id, snapshot, last_full_round_started_at, last_round_started_at)
        values (${tenantId}, 'tenant', ${kept.completedAt}, ${kept.completedAt})`.execute(db);
  }

  await sql`
    update sync_jobs set checkpoint_json = null
    where run_id in (
      select id from sync_runs where scope = 'allUsersAndGroups' and status in ('pending', 'running')
    )
  `.execute(db);

  await db.schema
    .createIndex('sync_runs_tenant_queued_idx')
    .on('sync_runs')
    .columns(['tenant_id', 'status', 'scope'])
    .execute();
}

/** Back to one copy per service: the shared snapshot goes (the next runs are full rounds). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sync_runs_tenant_queued_idx').execute();
  await db.schema.dropTable('directory_snapshots').execute();
  for (const table of SNAPSHOT_TABLES) {
    await sql`delete from ${sql.table(table)} where snapshot = 'tenant'`.execute(db);
    await db.schema.alterTable(table).renameColumn('snapshot', 'service').execute();
  }
}
