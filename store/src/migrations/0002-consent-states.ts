/**
 * Migration 0002: consumed admin-consent state nonces, so a consent callback works once across
 * every API process. Written against `Kysely<unknown>`, like every migration.
 */
import type { Kysely } from 'kysely';

/** Creates the consent state table and its expiry index (for pruning). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('consent_states')
    .addColumn('nonce', 'text', (column) => column.primaryKey())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('consumed_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('consent_states_expires_at')
    .on('consent_states')
    .column('expires_at')
    .execute();
}

/** Drops the consent state table. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('consent_states').execute();
}
