/** The bot's installations: one row per tenant and Teams conversation, with its reference as JSON. */
import { fromJson, toJson } from '../schema.js';
import type { BotConversationTable, Database } from '../schema.js';
import type { BotConversation, BotConversationKind, ConversationReferenceRepository } from '@cas/core';
import type { Kysely } from 'kysely';

/** Bot conversations over either backend. */
export class SqlConversationReferenceRepository implements ConversationReferenceRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async upsert(conversation: BotConversation): Promise<void> {
    const row = toRow(conversation);
    // One statement, so two simultaneous installation events cannot both insert; the first
    // installation time survives every later refresh.
    await this.#db
      .insertInto('bot_conversations')
      .values(row)
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'conversation_id']).doUpdateSet({
          kind: row.kind,
          reference_json: row.reference_json,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async remove(tenantId: string, conversationId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('bot_conversations')
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async get(tenantId: string, conversationId: string): Promise<BotConversation | undefined> {
    const row = await this.#db
      .selectFrom('bot_conversations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async list(tenantId: string): Promise<BotConversation[]> {
    const rows = await this.#db
      .selectFrom('bot_conversations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('installed_at', 'asc')
      .orderBy('conversation_id', 'asc')
      .execute();
    return rows.map(fromRow);
  }

  async listTenantIds(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('bot_conversations')
      .select('tenant_id')
      .distinct()
      .orderBy('tenant_id', 'asc')
      .execute();
    return rows.map((row) => row.tenant_id);
  }
}

function toRow(
  conversation: BotConversation,
): Omit<
  BotConversationTable,
  | 'owner_user_id'
  | 'notify_enabled_by'
  | 'notify_enabled_at'
  | 'admin_check_user_id'
  | 'admin_check_result'
  | 'admin_checked_at'
> {
  return {
    tenant_id: conversation.tenantId,
    conversation_id: conversation.conversationId,
    kind: conversation.kind,
    reference_json: toJson(conversation.reference),
    installed_at: conversation.installedAt,
    updated_at: conversation.updatedAt,
  };
}

function fromRow(row: BotConversationTable): BotConversation {
  return {
    tenantId: row.tenant_id,
    conversationId: row.conversation_id,
    kind: row.kind as BotConversationKind,
    reference: fromJson<Record<string, unknown>>(row.reference_json),
    installedAt: row.installed_at,
    updatedAt: row.updated_at,
  };
}
