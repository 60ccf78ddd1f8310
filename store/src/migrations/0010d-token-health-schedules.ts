/**
 * Migration 0010d: each tenant's next token health check in an indexed column, so a monitor pass
 * reads only the tenants due (one indexed statement when none is) instead of every tenant, and a
 * worker claims a due check atomically so two workers never check one tenant at once. A row
 * exists while the tenant has a protected or token-invalid service (the provisioning repository
 * keeps it so); existing ones are due at once.
 */
import { sql, type Kysely } from 'kysely';

/** Creates `token_health_schedules` and makes every watched tenant due now. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('token_health_schedules')
    .addColumn('tenant_id', 'text', (column) => column.primaryKey())
    .addColumn('next_check_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('token_health_schedules_due_idx')
    .on('token_health_schedules')
    .column('next_check_at')
    .execute();
  await sql`
    insert into token_health_schedules (tenant_id, next_check_at)
    select distinct tenant_id, '1970-01-01T00:00:00.000Z' from service_accounts
    where status in ('protected', 'tokenInvalid')
  `.execute(db);
}

/** Drops `token_health_schedules`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('token_health_schedules').execute();
}
