/**
 * Migration 0012: Graph change notifications (ADR 0014). The subscriptions we hold per tenant
 * (the client state only as its SHA-256), what arrived on our endpoints until the worker acts on
 * it, and each tenant's subscription state for Administration > Service Account.
 */
import type { Kysely } from 'kysely';

/** Creates the three tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('change_subscriptions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('resource', 'text', (column) => column.notNull())
    .addColumn('client_state_hash', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('renewed_at', 'text')
    .execute();
  // One subscription per tenant and resource: two workers racing to subscribe keep one of theirs.
  await db.schema
    .createIndex('change_subscriptions_tenant_resource_idx')
    .on('change_subscriptions')
    .columns(['tenant_id', 'resource'])
    .unique()
    .execute();
  await db.schema
    .createTable('change_notifications')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('subscription_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('event', 'text', (column) => column.notNull())
    .addColumn('resource_id', 'text')
    .addColumn('received_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('change_notifications_tenant_kind_idx')
    .on('change_notifications')
    .columns(['tenant_id', 'kind', 'received_at'])
    .execute();
  await db.schema
    .createIndex('change_notifications_kind_received_idx')
    .on('change_notifications')
    .columns(['kind', 'received_at'])
    .execute();
  await db.schema
    .createTable('change_notification_status')
    .addColumn('tenant_id', 'text', (column) => column.primaryKey())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('cause', 'text')
    .addColumn('detail', 'text')
    .addColumn('renewed_at', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('change_notification_status').execute();
  await db.schema.dropTable('change_notifications').execute();
  await db.schema.dropTable('change_subscriptions').execute();
}
