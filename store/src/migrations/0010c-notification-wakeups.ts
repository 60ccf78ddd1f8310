/**
 * Migration 0010c: wakeups of the notification deliverers per tenant and channel, so a delivery
 * pass reads only the tenants with something new or a retry due (one indexed query when idle)
 * instead of every tenant and conversation. Existing tenants with notifications are woken once.
 */
import { sql, type Kysely } from 'kysely';

/** Creates `notification_wakeups`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_wakeups')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('channel', 'text', (column) => column.notNull())
    .addColumn('due_at', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('notification_wakeups_pk', ['tenant_id', 'channel'])
    .execute();
  await db.schema
    .createIndex('notification_wakeups_due_idx')
    .on('notification_wakeups')
    .columns(['channel', 'due_at'])
    .execute();
  for (const channel of ['email', 'teams']) {
    await sql`
      insert into notification_wakeups (tenant_id, channel, due_at, version)
      select distinct tenant_id, ${channel}, '1970-01-01T00:00:00.000Z', 1 from notifications
    `.execute(db);
  }
}

/** Drops `notification_wakeups`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_wakeups').execute();
}
