/** Notifications, de-duplicated per tenant by the unique `(tenant_id, dedupe_key)` index. */
import { sql } from 'kysely';
import type { Database, NotificationTable } from '../schema.js';
import type { Notification, NotificationKind, NotificationRepository, ServiceId } from '@cas/core';
import type { Kysely } from 'kysely';

/** Notifications over either backend. */
export class SqlNotificationRepository implements NotificationRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async raise(notification: Notification): Promise<{ notification: Notification; created: boolean }> {
    // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a caught error
    // would still abort the surrounding transaction.
    const inserted = await this.#db
      .insertInto('notifications')
      .values(toRow(notification))
      .onConflict((conflict) => conflict.columns(['tenant_id', 'dedupe_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { notification, created: true };
    const existing = await this.#db
      .selectFrom('notifications')
      .selectAll()
      .where('tenant_id', '=', notification.tenantId)
      .where('dedupe_key', '=', notification.dedupeKey)
      .executeTakeFirstOrThrow();
    return { notification: notificationFromRow(existing), created: false };
  }

  async list(
    tenantId: string,
    options: { unreadOnly?: boolean; limit?: number } = {},
  ): Promise<Notification[]> {
    let query = this.#db
      .selectFrom('notifications')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc');
    if (options.unreadOnly === true) query = query.where('read_at', 'is', null);
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(notificationFromRow);
  }

  async markRead(tenantId: string, id: string, at: string): Promise<boolean> {
    // Keeps the first read time; still true when already read, since the id is the tenant's.
    const result = await this.#db
      .updateTable('notifications')
      .set({ read_at: sql<string>`coalesce(read_at, ${at})` })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async countUnread(tenantId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll().as('unread'))
      .where('tenant_id', '=', tenantId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a bigint string.
    return Number(row.unread);
  }
}

function toRow(notification: Notification): NotificationTable {
  return {
    id: notification.id,
    tenant_id: notification.tenantId,
    kind: notification.kind,
    service: notification.service,
    message: notification.message,
    dedupe_key: notification.dedupeKey,
    created_at: notification.createdAt,
    read_at: notification.readAt,
  };
}

/** A row of `notifications` as a notification (shared with the delivery repository). */
export function notificationFromRow(row: NotificationTable): Notification {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind as NotificationKind,
    service: row.service as ServiceId | null,
    message: row.message,
    dedupeKey: row.dedupe_key,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}
