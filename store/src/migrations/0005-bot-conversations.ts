/**
 * Migration 0005: the Teams conversations the bot is installed in, per tenant, with the conversation
 * reference the bot needs to post proactive notification cards there.
 */
import type { Kysely } from 'kysely';

/** Creates the bot conversation table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bot_conversations')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('conversation_id', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('reference_json', 'text', (column) => column.notNull())
    .addColumn('installed_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('bot_conversations_pk', ['tenant_id', 'conversation_id'])
    .execute();
}

/** Drops the bot conversation table. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('bot_conversations').execute();
}
