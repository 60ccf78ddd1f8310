/**
 * Delivery state of notifications per channel and recipient. Claims are single statements (an
 * insert that loses on the primary key, or an update guarded by the due condition), so of several
 * processes claiming the same delivery exactly one wins on either backend.
 */
import { notificationFromRow } from './notification-repository.js';
import type { Database, NotificationDeliveryTable } from '../schema.js';
import type {
  Notification,
  NotificationChannel,
  NotificationDelivery,
  NotificationDeliveryAddress,
  NotificationDeliveryRepository,
  NotificationDeliveryStatus,
} from '@cas/core';
import type { Kysely } from 'kysely';

const DEFAULT_UNDELIVERED_LIMIT = 100;

/** Notification deliveries over either backend. */
export class SqlNotificationDeliveryRepository implements NotificationDeliveryRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async undelivered(
    tenantId: string,
    channel: NotificationChannel,
    recipient: string,
    options: { readonly now: string; readonly since?: string; readonly limit?: number },
  ): Promise<Notification[]> {
    const { now } = options;
    let query = this.#db
      .selectFrom('notifications as n')
      .selectAll('n')
      .where('n.tenant_id', '=', tenantId)
      .where(({ exists, not, selectFrom }) =>
        not(
          exists(
            selectFrom('notification_deliveries as d')
              .select('d.notification_id')
              .whereRef('d.notification_id', '=', 'n.id')
              .where('d.channel', '=', channel)
              .where('d.recipient', '=', recipient)
              .where((eb) =>
                eb.or([
                  eb('d.status', 'in', ['delivered', 'dead', 'skipped']),
                  eb.and([eb('d.status', '=', 'failed'), eb('d.next_attempt_at', '>', now)]),
                  eb.and([eb('d.status', '=', 'claimed'), eb('d.claimed_until', '>', now)]),
                ]),
              ),
          ),
        ),
      )
      .orderBy('n.created_at', 'asc')
      .orderBy('n.id', 'asc')
      .limit(options.limit ?? DEFAULT_UNDELIVERED_LIMIT);
    if (options.since !== undefined) query = query.where('n.created_at', '>=', options.since);
    return (await query.execute()).map(notificationFromRow);
  }

  async dueWakeups(
    channel: NotificationChannel,
    now: string,
    limit: number,
  ): Promise<{ tenantId: string; version: number }[]> {
    const rows = await this.#db
      .selectFrom('notification_wakeups')
      .select(['tenant_id', 'version'])
      .where('channel', '=', channel)
      .where('due_at', '<=', now)
      .orderBy('due_at', 'asc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ tenantId: row.tenant_id, version: Number(row.version) }));
  }

  async settleWakeup(
    tenantId: string,
    channel: NotificationChannel,
    version: number,
    nextDueAt: string | null,
  ): Promise<void> {
    if (nextDueAt === null) {
      await this.#db
        .deleteFrom('notification_wakeups')
        .where('tenant_id', '=', tenantId)
        .where('channel', '=', channel)
        .where('version', '=', version)
        .execute();
      return;
    }
    await this.#db
      .updateTable('notification_wakeups')
      .set({ due_at: nextDueAt })
      .where('tenant_id', '=', tenantId)
      .where('channel', '=', channel)
      .where('version', '=', version)
      .execute();
  }

  async claim(
    address: NotificationDeliveryAddress,
    options: { readonly now: string; readonly leaseUntil: string },
  ): Promise<boolean> {
    if (!(await this.#belongsToTenant(address))) return false;
    // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a caught error
    // would still abort the surrounding transaction.
    const inserted = await this.#db
      .insertInto('notification_deliveries')
      .values({
        ...key(address),
        tenant_id: address.tenantId,
        status: 'claimed',
        attempts: 1,
        claimed_until: options.leaseUntil,
        next_attempt_at: null,
        last_error: null,
        delivered_at: null,
        updated_at: options.now,
      })
      .onConflict((conflict) => conflict.columns(['notification_id', 'channel', 'recipient']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
    // The guard is re-checked on the locked row (PostgreSQL) or under the write lock (SQLite),
    // so a second claimer sees the first one's lease and loses.
    const updated = await this.#db
      .updateTable('notification_deliveries')
      .set((eb) => ({
        status: 'claimed',
        attempts: eb('attempts', '+', 1),
        claimed_until: options.leaseUntil,
        updated_at: options.now,
      }))
      .where('notification_id', '=', address.notificationId)
      .where('channel', '=', address.channel)
      .where('recipient', '=', address.recipient)
      .where('tenant_id', '=', address.tenantId)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'failed'), eb('next_attempt_at', '<=', options.now)]),
          eb.and([eb('status', '=', 'claimed'), eb('claimed_until', '<=', options.now)]),
        ]),
      )
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async markDelivered(address: NotificationDeliveryAddress, at: string): Promise<void> {
    await this.#upsert(address, {
      status: 'delivered',
      claimed_until: null,
      next_attempt_at: null,
      delivered_at: at,
      updated_at: at,
    });
  }

  async markSkipped(
    address: NotificationDeliveryAddress,
    skip: { readonly at: string; readonly reason: string },
  ): Promise<void> {
    await this.#upsert(address, {
      status: 'skipped',
      claimed_until: null,
      next_attempt_at: null,
      last_error: skip.reason,
      updated_at: skip.at,
    });
  }

  async markFailed(
    address: NotificationDeliveryAddress,
    failure: { readonly at: string; readonly error: string; readonly nextAttemptAt: string | null },
  ): Promise<void> {
    await this.#upsert(address, {
      status: failure.nextAttemptAt === null ? 'dead' : 'failed',
      claimed_until: null,
      next_attempt_at: failure.nextAttemptAt,
      last_error: failure.error,
      updated_at: failure.at,
    });
  }

  async list(
    tenantId: string,
    options: { readonly notificationId?: string; readonly channel?: NotificationChannel } = {},
  ): Promise<NotificationDelivery[]> {
    let query = this.#db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('updated_at', 'asc')
      .orderBy('notification_id', 'asc')
      .orderBy('channel', 'asc')
      .orderBy('recipient', 'asc');
    if (options.notificationId !== undefined)
      query = query.where('notification_id', '=', options.notificationId);
    if (options.channel !== undefined) query = query.where('channel', '=', options.channel);
    return (await query.execute()).map(deliveryFromRow);
  }

  async #belongsToTenant(address: NotificationDeliveryAddress): Promise<boolean> {
    const row = await this.#db
      .selectFrom('notifications')
      .select('id')
      .where('id', '=', address.notificationId)
      .where('tenant_id', '=', address.tenantId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async #upsert(
    address: NotificationDeliveryAddress,
    changes: Partial<NotificationDeliveryTable> & { status: NotificationDeliveryStatus; updated_at: string },
  ): Promise<void> {
    // Recording the outcome of a notification of another tenant is a programming error.
    if (!(await this.#belongsToTenant(address))) {
      throw new Error(`Notification ${address.notificationId} does not belong to tenant ${address.tenantId}`);
    }
    await this.#db
      .insertInto('notification_deliveries')
      .values({
        ...key(address),
        tenant_id: address.tenantId,
        attempts: 1,
        claimed_until: null,
        next_attempt_at: null,
        last_error: null,
        delivered_at: null,
        ...changes,
      })
      .onConflict((conflict) =>
        conflict.columns(['notification_id', 'channel', 'recipient']).doUpdateSet(changes),
      )
      .execute();
  }
}

function key(
  address: NotificationDeliveryAddress,
): Pick<NotificationDeliveryTable, 'notification_id' | 'channel' | 'recipient'> {
  return { notification_id: address.notificationId, channel: address.channel, recipient: address.recipient };
}

function deliveryFromRow(row: NotificationDeliveryTable): NotificationDelivery {
  return {
    notificationId: row.notification_id,
    tenantId: row.tenant_id,
    channel: row.channel as NotificationChannel,
    recipient: row.recipient,
    status: row.status as NotificationDeliveryStatus,
    attempts: Number(row.attempts),
    claimedUntil: row.claimed_until,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    updatedAt: row.updated_at,
  };
}
