/**
 * Migration 0003: delivery state of notifications per channel and recipient, so the email and
 * Teams deliverers read the `notifications` table as an outbox with at-least-once delivery.
 */
import type { Kysely } from 'kysely';

/** Creates the notification delivery table and its lookup index. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_deliveries')
    .addColumn('notification_id', 'text', (column) => column.notNull())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('channel', 'text', (column) => column.notNull())
    .addColumn('recipient', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('notification_deliveries_pk', ['notification_id', 'channel', 'recipient'])
    .addForeignKeyConstraint(
      'notification_deliveries_notification_fk',
      ['notification_id'],
      'notifications',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('notification_deliveries_recipient_idx')
    .on('notification_deliveries')
    .columns(['tenant_id', 'channel', 'recipient'])
    .execute();
}

/** Drops the notification delivery table. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_deliveries').execute();
}
