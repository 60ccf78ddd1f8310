/**
 * Migration 0009: read state per admin. A notification is read by each admin on their own; one
 * admin opening the ring no longer clears it for every other admin of the tenant. The old
 * tenant-wide `read_at` says nothing about who read it, so it is dropped rather than guessed from.
 */
import type { Kysely } from 'kysely';

/** Creates `notification_reads` and drops `notifications.read_at`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_reads')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('notification_id', 'text', (column) =>
      column.notNull().references('notifications.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('read_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('notification_reads_pk', ['tenant_id', 'notification_id', 'user_id'])
    .execute();
  await db.schema.alterTable('notifications').dropColumn('read_at').execute();
}

/** Puts the tenant-wide column back (empty) and drops the per-admin reads. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('read_at', 'text').execute();
  await db.schema.dropTable('notification_reads').execute();
}
