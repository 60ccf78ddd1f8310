/**
 * Migration 0014: the sync records what each service protects (issue 17). Each synchronized user
 * keeps what their licences give them (`has_mailbox`, `has_onedrive`, from `assignedPlans` read in
 * the same Graph pages; null until a read carried it), so Exchange Online's mailboxes and
 * OneDrive's accounts are counted with one query. SharePoint Online's protected site collections
 * are kept per tenant (the enumeration of `getAllSites`, or the selected sites found), marked with
 * the run that saw them and swept at the end; `site_collection_rounds` says when the last full
 * enumeration ended (ADR 0015: it runs on full rounds and once a day). Every run keeps its count.
 */
import type { Kysely } from 'kysely';

/** Adds the columns and tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Nullable, without default: adding them rewrites no row on either backend.
  await db.schema.alterTable('directory_users').addColumn('has_mailbox', 'integer').execute();
  await db.schema.alterTable('directory_users').addColumn('has_onedrive', 'integer').execute();
  await db.schema.alterTable('sync_runs').addColumn('protected_targets', 'integer').execute();
  await db.schema
    .createTable('protected_site_collections')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('web_url', 'text', (column) => column.notNull())
    .addColumn('display_name', 'text', (column) => column.notNull())
    .addColumn('seen_round', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('protected_site_collections_pk', ['tenant_id', 'site_id'])
    .execute();
  await db.schema
    .createTable('site_collection_rounds')
    .addColumn('tenant_id', 'text', (column) => column.primaryKey())
    .addColumn('last_enumerated_at', 'text')
    .execute();
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('site_collection_rounds').execute();
  await db.schema.dropTable('protected_site_collections').execute();
  await db.schema.alterTable('sync_runs').dropColumn('protected_targets').execute();
  await db.schema.alterTable('directory_users').dropColumn('has_onedrive').execute();
  await db.schema.alterTable('directory_users').dropColumn('has_mailbox').execute();
}
