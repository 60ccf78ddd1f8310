/** The bot's installations: one row per tenant and Teams conversation, with its reference as JSON. */
import { fromJson, toJson } from '../schema.js';
import { wakeDeliverers } from './notification-wakeups.js';
import type { BotConversationTable, Database } from '../schema.js';
import type {
  AdministratorCheck,
  BotConversation,
  BotConversationKind,
  ChannelNotifications,
  ConversationReferenceRepository,
} from '@cas/core';
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
    // installation time survives every later refresh, and so do the alert settings and checks,
    // which only their own methods change. A known owner is never forgotten by a refresh.
    await this.#db
      .insertInto('bot_conversations')
      .values(row)
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'conversation_id']).doUpdateSet((eb) => ({
          kind: row.kind,
          reference_json: row.reference_json,
          updated_at: row.updated_at,
          owner_user_id: eb.fn.coalesce(
            eb.ref('excluded.owner_user_id'),
            eb.ref('bot_conversations.owner_user_id'),
          ),
        })),
      )
      .execute();
    // A new or refreshed conversation may be owed notifications raised since its installation.
    await wakeDeliverers(this.#db, conversation.tenantId, ['teams']);
  }

  async setChannelNotifications(
    tenantId: string,
    conversationId: string,
    notifications: ChannelNotifications | null,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('bot_conversations')
      .set({
        notify_enabled_by: notifications?.enabledBy ?? null,
        notify_enabled_at: notifications?.enabledAt ?? null,
      })
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    const changed = Number(result.numUpdatedRows) > 0;
    // A channel that turned alerts on is owed the notifications raised since.
    if (changed) await wakeDeliverers(this.#db, tenantId, ['teams']);
    return changed;
  }

  async recordAdministratorCheck(
    tenantId: string,
    conversationId: string,
    check: AdministratorCheck,
  ): Promise<void> {
    await this.#db
      .updateTable('bot_conversations')
      .set({
        admin_check_user_id: check.userId,
        admin_check_result: check.isGlobalAdministrator ? 1 : 0,
        admin_checked_at: check.checkedAt,
      })
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', conversationId)
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

function toRow(conversation: BotConversation): BotConversationTable {
  return {
    tenant_id: conversation.tenantId,
    conversation_id: conversation.conversationId,
    kind: conversation.kind,
    reference_json: toJson(conversation.reference),
    installed_at: conversation.installedAt,
    updated_at: conversation.updatedAt,
    owner_user_id: conversation.ownerUserId,
    notify_enabled_by: conversation.channelNotifications?.enabledBy ?? null,
    notify_enabled_at: conversation.channelNotifications?.enabledAt ?? null,
    admin_check_user_id: conversation.administratorCheck?.userId ?? null,
    admin_check_result:
      conversation.administratorCheck === null
        ? null
        : conversation.administratorCheck.isGlobalAdministrator
          ? 1
          : 0,
    admin_checked_at: conversation.administratorCheck?.checkedAt ?? null,
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
    ownerUserId: row.owner_user_id,
    channelNotifications:
      row.notify_enabled_by === null || row.notify_enabled_at === null
        ? null
        : { enabledBy: row.notify_enabled_by, enabledAt: row.notify_enabled_at },
    administratorCheck:
      row.admin_check_user_id === null || row.admin_check_result === null || row.admin_checked_at === null
        ? null
        : {
            userId: row.admin_check_user_id,
            isGlobalAdministrator: Number(row.admin_check_result) === 1,
            checkedAt: row.admin_checked_at,
          },
  };
}
