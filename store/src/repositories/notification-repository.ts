/**
 * Notifications, de-duplicated per tenant by the unique `(tenant_id, dedupe_key)` index, with read
 * state per admin in `notification_reads`.
 */
import { wakeDeliverers } from './notification-wakeups.js';
import type { Database, NotificationTable } from '../schema.js';
import type { Notification, NotificationKind, NotificationRepository, ServiceId } from '@cas/core';
import type { Kysely } from 'kysely';

/**
 * How many of a tenant's newest notifications the unread count looks at: the ring's count costs
 * the same for a tenant with years of history as for a new one (and a new admin sees at most this).
 */
export const NOTIFICATION_UNREAD_WINDOW = 500;

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
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) {
      await wakeDeliverers(this.#db, notification.tenantId, ['email', 'teams']);
      return { notification, created: true };
    }
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
    options: { reader?: string; unreadOnly?: boolean; limit?: number } = {},
  ): Promise<Notification[]> {
    const reader = options.reader;
    let query = this.#db
      .selectFrom('notifications')
      .selectAll('notifications')
      .where('notifications.tenant_id', '=', tenantId)
      .orderBy('notifications.created_at', 'desc')
      .orderBy('notifications.id', 'desc');
    if (options.limit !== undefined) query = query.limit(options.limit);
    if (reader === undefined) return (await query.execute()).map(notificationFromRow);
    const rows = await query
      .leftJoin('notification_reads as reads', (join) =>
        join
          .onRef('reads.notification_id', '=', 'notifications.id')
          .onRef('reads.tenant_id', '=', 'notifications.tenant_id')
          .on('reads.user_id', '=', reader),
      )
      .select('reads.read_at as reader_read_at')
      .$if(options.unreadOnly === true, (unread) => unread.where('reads.read_at', 'is', null))
      .execute();
    return rows.map(({ reader_read_at: readAt, ...row }) => ({ ...notificationFromRow(row), readAt }));
  }

  async markRead(tenantId: string, id: string, reader: string, at: string): Promise<boolean> {
    // Another tenant's id is answered like an unknown one.
    const owned = await this.#db
      .selectFrom('notifications')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (owned === undefined) return false;
    // Keeps the first read time; ON CONFLICT rather than a caught violation, which would abort a
    // surrounding PostgreSQL transaction.
    await this.#db
      .insertInto('notification_reads')
      .values({ tenant_id: tenantId, notification_id: id, user_id: reader, read_at: at })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'notification_id', 'user_id']).doNothing())
      .execute();
    return true;
  }

  async countUnread(tenantId: string, reader: string): Promise<number> {
    const recent = this.#db
      .selectFrom('notifications')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(NOTIFICATION_UNREAD_WINDOW)
      .as('recent');
    const row = await this.#db
      .selectFrom(recent)
      .select((eb) => eb.fn.countAll().as('unread'))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('notification_reads')
              .select('notification_reads.user_id')
              .where('notification_reads.tenant_id', '=', tenantId)
              .whereRef('notification_reads.notification_id', '=', 'recent.id')
              .where('notification_reads.user_id', '=', reader),
          ),
        ),
      )
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
  };
}

/**
 * A row of `notifications` as a notification (shared with the delivery repository); read state is
 * per admin, so `readAt` is null here and filled in by a list for one reader.
 */
export function notificationFromRow(row: NotificationTable): Notification {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind as NotificationKind,
    service: row.service as ServiceId | null,
    message: row.message,
    dedupeKey: row.dedupe_key,
    createdAt: row.created_at,
    readAt: null,
  };
}
