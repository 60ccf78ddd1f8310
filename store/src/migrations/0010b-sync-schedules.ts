/**
 * Migration 0010b: each tenant's next scheduled synchronization in an indexed column, so a
 * scheduler tick reads only the tenants due (one indexed query when none is) instead of every
 * tenant. A row exists while the tenant has a protected service synchronizing all users and
 * groups (the provisioning repository keeps it so); existing ones are due at once.
 */
import { sql, type Kysely } from 'kysely';

/** Creates `sync_schedules` and schedules every all-mode tenant now. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sync_schedules')
    .addColumn('tenant_id', 'text', (column) => column.primaryKey())
    .addColumn('next_due_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('sync_schedules_due_idx').on('sync_schedules').column('next_due_at').execute();
  await sql`
    insert into sync_schedules (tenant_id, next_due_at)
    select distinct tenant_id, '1970-01-01T00:00:00.000Z' from service_accounts
    where status = 'protected' and scope = 'allUsersAndGroups'
  `.execute(db);
}

/** Drops `sync_schedules`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sync_schedules').execute();
}
