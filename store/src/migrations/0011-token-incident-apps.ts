/**
 * Migration 0011: a token incident names the app registrations whose token failed
 * (`apps_json`), now that every consent step has its own app (docs/adr/0013). Incidents written
 * before it name none: the apps of their time are not known, so nothing is guessed.
 */
import type { Kysely } from 'kysely';

/** Adds `token_incidents.apps_json`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('token_incidents')
    .addColumn('apps_json', 'text', (column) => column.notNull().defaultTo('[]'))
    .execute();
}

/** Drops `token_incidents.apps_json`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('token_incidents').dropColumn('apps_json').execute();
}
