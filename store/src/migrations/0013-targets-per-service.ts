/**
 * Migration 0013: each service protects its own kind of target (issue 17). SharePoint Online's
 * Selected Targets are site collections, kept beside the users of `selected_targets`; and each
 * service's count of what it protects (mailboxes, site collections, OneDrive accounts) after its
 * last successful run, one row per tenant and service, read by the dashboard without counting.
 */
import type { Kysely } from 'kysely';

/** Creates `selected_sites` and `protected_target_counts`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('selected_sites')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('web_url', 'text', (column) => column.notNull())
    .addColumn('display_name', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('selected_sites_pk', ['tenant_id', 'service', 'position'])
    .execute();
  await db.schema
    .createTable('protected_target_counts')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .addColumn('last_synchronized_at', 'text')
    .addPrimaryKeyConstraint('protected_target_counts_pk', ['tenant_id', 'service'])
    .execute();
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('protected_target_counts').execute();
  await db.schema.dropTable('selected_sites').execute();
}
