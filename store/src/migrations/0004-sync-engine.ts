/**
 * Migration 0004: the synchronized directory (users, groups, direct memberships per tenant and
 * service), Graph delta links, and the execution state of sync runs (attempts, leases,
 * checkpoints) with a per-tenant lease so no tenant is synchronized twice at once.
 */
import type { Kysely } from 'kysely';

/** Creates the directory snapshot and sync job tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('directory_users')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('user_principal_name', 'text', (column) => column.notNull())
    .addColumn('display_name', 'text', (column) => column.notNull())
    .addColumn('mail', 'text')
    .addColumn('account_enabled', 'integer', (column) => column.notNull())
    .addColumn('user_type', 'text', (column) => column.notNull())
    .addColumn('seen_round', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('directory_users_pk', ['tenant_id', 'service', 'id'])
    .execute();

  await db.schema
    .createTable('directory_groups')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('display_name', 'text', (column) => column.notNull())
    .addColumn('mail', 'text')
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('seen_round', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('directory_groups_pk', ['tenant_id', 'service', 'id'])
    .execute();

  await db.schema
    .createTable('directory_memberships')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('group_id', 'text', (column) => column.notNull())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('member_type', 'text', (column) => column.notNull())
    .addColumn('seen_round', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('directory_memberships_pk', ['tenant_id', 'service', 'group_id', 'member_id'])
    .execute();
  // Removing a user or group also removes its memberships in other groups: find them by member.
  await db.schema
    .createIndex('directory_memberships_member_idx')
    .on('directory_memberships')
    .columns(['tenant_id', 'service', 'member_id'])
    .execute();

  await db.schema
    .createTable('directory_delta_links')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('collection', 'text', (column) => column.notNull())
    .addColumn('link', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('directory_delta_links_pk', ['tenant_id', 'service', 'collection'])
    .execute();

  await db.schema
    .createTable('sync_jobs')
    .addColumn('run_id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('checkpoint_json', 'text')
    .addColumn('last_error', 'text')
    .execute();

  // One row per tenant being synchronized: the primary key is the "never two at once" rule.
  await db.schema
    .createTable('sync_tenant_leases')
    .addColumn('tenant_id', 'text', (column) => column.primaryKey())
    .addColumn('run_id', 'text', (column) => column.notNull())
    .addColumn('owner', 'text', (column) => column.notNull())
    .addColumn('lease_until', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createIndex('sync_runs_status_requested_idx')
    .on('sync_runs')
    .columns(['status', 'requested_at'])
    .execute();
}

/** Drops the sync engine tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sync_runs_status_requested_idx').execute();
  for (const table of [
    'sync_tenant_leases',
    'sync_jobs',
    'directory_delta_links',
    'directory_memberships',
    'directory_groups',
    'directory_users',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
