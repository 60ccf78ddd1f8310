/**
 * Migration 0001: the provisioning aggregate, notifications, audit log, sync runs, token
 * incidents and encrypted secrets. Written against `Kysely<unknown>` on purpose: a migration
 * must keep describing the schema as it was, not follow today's `Database` type.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/** Creates every table and index of the first schema version. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenant_provisioning')
    .addColumn('tenant_id', 'text', (column) => column.primaryKey())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('service_accounts')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('scope', 'text')
    .addColumn('protected_at', 'text')
    .addColumn('last_verified_at', 'text')
    .addColumn('token_failure', 'text')
    .addPrimaryKeyConstraint('service_accounts_pk', ['tenant_id', 'service'])
    .addForeignKeyConstraint(
      'service_accounts_tenant_fk',
      ['tenant_id'],
      'tenant_provisioning',
      ['tenant_id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('consent_grants')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('step', 'text', (column) => column.notNull())
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('granted_at', 'text', (column) => column.notNull())
    .addColumn('granted_by_json', 'text', (column) => column.notNull())
    .addColumn('roles_json', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('consent_grants_pk', ['tenant_id', 'service', 'step'])
    .addForeignKeyConstraint(
      'consent_grants_account_fk',
      ['tenant_id', 'service'],
      'service_accounts',
      ['tenant_id', 'service'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('selected_targets')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('user_principal_name', 'text', (column) => column.notNull())
    .addColumn('display_name', 'text', (column) => column.notNull())
    .addColumn('source_kind', 'text', (column) => column.notNull())
    .addColumn('source_group_id', 'text')
    .addColumn('source_group_name', 'text')
    .addPrimaryKeyConstraint('selected_targets_pk', ['tenant_id', 'service', 'position'])
    // The domain de-duplicates targets by user id (R8); the database refuses a duplicate too.
    .addUniqueConstraint('selected_targets_user_unique', ['tenant_id', 'service', 'user_id'])
    .addForeignKeyConstraint(
      'selected_targets_account_fk',
      ['tenant_id', 'service'],
      'service_accounts',
      ['tenant_id', 'service'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('service', 'text')
    .addColumn('message', 'text', (column) => column.notNull())
    .addColumn('dedupe_key', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('read_at', 'text')
    .addUniqueConstraint('notifications_dedupe_unique', ['tenant_id', 'dedupe_key'])
    .execute();
  await db.schema
    .createIndex('notifications_tenant_created_idx')
    .on('notifications')
    .columns(['tenant_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('actor_json', 'text', (column) => column.notNull())
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('service', 'text')
    .addColumn('at', 'text', (column) => column.notNull())
    .addColumn('before_json', 'text', (column) => column.notNull())
    .addColumn('after_json', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('audit_events_tenant_at_idx')
    .on('audit_events')
    .columns(['tenant_id', 'at'])
    .execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('sync_trigger', 'text', (column) => column.notNull())
    .addColumn('scope', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('requested_at', 'text', (column) => column.notNull())
    .addColumn('requested_by_json', 'text', (column) => column.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('added', 'integer', (column) => column.notNull())
    .addColumn('updated', 'integer', (column) => column.notNull())
    .addColumn('removed', 'integer', (column) => column.notNull())
    .addColumn('graph_requests', 'integer', (column) => column.notNull())
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex('sync_runs_tenant_requested_idx')
    .on('sync_runs')
    .columns(['tenant_id', 'requested_at'])
    .execute();

  await db.schema
    .createTable('token_incidents')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('service', 'text', (column) => column.notNull())
    .addColumn('cause', 'text', (column) => column.notNull())
    .addColumn('detail', 'text', (column) => column.notNull())
    .addColumn('opened_at', 'text', (column) => column.notNull())
    .addColumn('last_failure_at', 'text', (column) => column.notNull())
    .addColumn('failure_count', 'integer', (column) => column.notNull())
    .addColumn('closed_at', 'text')
    .execute();
  // R9: at most one open incident per tenant and service, even with several workers racing.
  await db.schema
    .createIndex('token_incidents_one_open_idx')
    .on('token_incidents')
    .columns(['tenant_id', 'service'])
    .unique()
    .where(sql.ref('closed_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('token_incidents_tenant_opened_idx')
    .on('token_incidents')
    .columns(['tenant_id', 'opened_at'])
    .execute();

  await db.schema
    .createTable('secrets')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('ciphertext', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('secrets_pk', ['tenant_id', 'name'])
    .execute();
}

/** Drops everything `up` created, children first. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'secrets',
    'token_incidents',
    'sync_runs',
    'audit_events',
    'notifications',
    'selected_targets',
    'consent_grants',
    'service_accounts',
    'tenant_provisioning',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
