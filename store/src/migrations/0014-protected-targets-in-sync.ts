/**
 * Migration 0014: the sync records what each service protects (issue 17). Each synchronized user
 * keeps what their licences give them (`has_mailbox`, `has_onedrive`, from `assignedPlans` read in
 * the same Graph pages; null until a read carried it), so Exchange Online's mailboxes and
 * OneDrive's accounts are counted with one query. SharePoint Online's protected site collections
 * are kept per tenant (the enumeration of `getAllSites`, or the selected sites found), marked with
 * the run that saw them and swept at the end; `site_collection_rounds` says when the last full
 * enumeration ended (ADR 0015: it runs on full rounds and once a day). Every run keeps its count.
 */
import { sql, type Kysely } from 'kysely';

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
  // Stored snapshots have no licence flags yet, and their users delta links were taken without
  // `assignedPlans` in `$select` (a delta link keeps its first request's query): each snapshot's
  // next run must be a full round, which reads every user's plans and takes a new delta link.
  await sql`update directory_snapshots set last_full_round_started_at = null`.execute(db);
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('site_collection_rounds').execute();
  await db.schema.dropTable('protected_site_collections').execute();
  await db.schema.alterTable('sync_runs').dropColumn('protected_targets').execute();
  await db.schema.alterTable('directory_users').dropColumn('has_onedrive').execute();
  await db.schema.alterTable('directory_users').dropColumn('has_mailbox').execute();
}
