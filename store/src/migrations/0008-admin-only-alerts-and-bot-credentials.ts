/**
 * Migration 0008: who each bot conversation's alerts are for (R15) and the single use of bot
 * credentials. A personal chat records the Teams user it is with; a shared conversation (team
 * channel, group chat) records who turned alerts on there and when; both record the last answer
 * to "is that user a Global Administrator?". `bot_credential_uses` holds the `jti` of every bot
 * credential the API accepted until it expires, shared by every API process on the database.
 */
import type { Kysely } from 'kysely';

const CONVERSATION_COLUMNS = [
  'owner_user_id',
  'notify_enabled_by',
  'notify_enabled_at',
  'admin_check_user_id',
  'admin_check_result',
  'admin_checked_at',
] as const;

/** Adds the conversation columns and creates the credential use table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds a single column.
  for (const column of CONVERSATION_COLUMNS) {
    await db.schema
      .alterTable('bot_conversations')
      .addColumn(column, column === 'admin_check_result' ? 'integer' : 'text')
      .execute();
  }
  await db.schema
    .createTable('bot_credential_uses')
    .addColumn('jti', 'text', (column) => column.primaryKey())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('bot_credential_uses_expires_at')
    .on('bot_credential_uses')
    .column('expires_at')
    .execute();
}

/** Drops the credential use table and the conversation columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('bot_credential_uses').execute();
  for (const column of [...CONVERSATION_COLUMNS].reverse()) {
    await db.schema.alterTable('bot_conversations').dropColumn(column).execute();
  }
}
