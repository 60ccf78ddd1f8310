/**
 * Graph change notifications (ADR 0014): subscriptions, received notifications (bounded per
 * tenant and kind, so a flood cannot fill the disk) and each tenant's state.
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../dialects.js';
import type {
  ChangeSubscriptionTable,
  ChangeNotificationStatusTable,
  ChangeNotificationTable,
  Database,
} from '../schema.js';
import type {
  ChangeNotificationRepository,
  ChangeNotificationStatus,
  ChangeSubscription,
  ReceivedChangeNotification,
  StoredChangeNotification,
  SubscribedResource,
} from '@cas/core';
import type { Kysely } from 'kysely';

/** Ids looked up per query (PostgreSQL and SQLite both take far more; this keeps statements small). */
const LOOKUP_CHUNK = 200;

/** Change notifications over either backend. */
export class SqlChangeNotificationRepository implements ChangeNotificationRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async saveSubscription(subscription: ChangeSubscription): Promise<boolean> {
    const { id, ...changes } = subscriptionRow(subscription);
    try {
      await this.#db
        .insertInto('change_subscriptions')
        .values({ id, ...changes })
        .onConflict((conflict) => conflict.column('id').doUpdateSet(changes))
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async deleteSubscription(tenantId: string, id: string): Promise<void> {
    await this.#db
      .deleteFrom('change_subscriptions')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  }

  async listSubscriptions(tenantId: string): Promise<ChangeSubscription[]> {
    const rows = await this.#db
      .selectFrom('change_subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('resource')
      .orderBy('created_at')
      .execute();
    return rows.map(fromSubscriptionRow);
  }

  async findSubscriptions(ids: readonly string[]): Promise<ChangeSubscription[]> {
    const found: ChangeSubscription[] = [];
    const unique = [...new Set(ids)];
    for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
      const rows = await this.#db
        .selectFrom('change_subscriptions')
        .selectAll()
        .where('id', 'in', unique.slice(start, start + LOOKUP_CHUNK))
        .execute();
      found.push(...rows.map(fromSubscriptionRow));
    }
    return found;
  }

  async listTenantsWithSubscriptions(): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('change_subscriptions')
      .select('tenant_id')
      .distinct()
      .orderBy('tenant_id')
      .execute();
    return rows.map((row) => row.tenant_id);
  }

  async record(
    notifications: readonly ReceivedChangeNotification[],
    maxPending: { readonly change: number; readonly lifecycle: number },
  ): Promise<number> {
    const groups = new Map<string, ReceivedChangeNotification[]>();
    for (const notification of notifications) {
      const key = `${notification.tenantId}\n${notification.kind}`;
      groups.set(key, [...(groups.get(key) ?? []), notification]);
    }
    let stored = 0;
    for (const group of groups.values()) {
      const first = group[0] as ReceivedChangeNotification;
      const pending = await this.#db
        .selectFrom('change_notifications')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('tenant_id', '=', first.tenantId)
        .where('kind', '=', first.kind)
        .executeTakeFirst();
      const room = maxPending[first.kind] - Number(pending?.count ?? 0);
      if (room <= 0) continue;
      const rows: ChangeNotificationTable[] = group.slice(0, room).map((notification) => ({
        id: randomUUID(),
        tenant_id: notification.tenantId,
        subscription_id: notification.subscriptionId,
        kind: notification.kind,
        event: notification.event,
        resource_id: notification.resourceId,
        received_at: notification.receivedAt,
      }));
      await this.#db.insertInto('change_notifications').values(rows).execute();
      stored += rows.length;
    }
    return stored;
  }

  async tenantsWithPending(kind: 'change' | 'lifecycle', receivedBefore: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('change_notifications')
      .select('tenant_id')
      .where('kind', '=', kind)
      .where('received_at', '<=', receivedBefore)
      .distinct()
      .orderBy('tenant_id')
      .execute();
    return rows.map((row) => row.tenant_id);
  }

  async takePending(tenantId: string, kind: 'change' | 'lifecycle'): Promise<StoredChangeNotification[]> {
    const rows = await this.#db
      .selectFrom('change_notifications')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('kind', '=', kind)
      .orderBy('received_at')
      .orderBy('id')
      .execute();
    if (rows.length === 0) return [];
    for (let start = 0; start < rows.length; start += LOOKUP_CHUNK) {
      await this.#db
        .deleteFrom('change_notifications')
        .where(
          'id',
          'in',
          rows.slice(start, start + LOOKUP_CHUNK).map((row) => row.id),
        )
        .execute();
    }
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      subscriptionId: row.subscription_id,
      kind: row.kind as 'change' | 'lifecycle',
      event: row.event,
      resourceId: row.resource_id,
      receivedAt: row.received_at,
    }));
  }

  async getStatus(tenantId: string): Promise<ChangeNotificationStatus | undefined> {
    const row = await this.#db
      .selectFrom('change_notification_status')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row === undefined ? undefined : fromStatusRow(row);
  }

  async saveStatus(status: ChangeNotificationStatus): Promise<void> {
    const row: ChangeNotificationStatusTable = {
      tenant_id: status.tenantId,
      state: status.state,
      cause: status.cause,
      detail: status.detail,
      renewed_at: status.renewedAt,
      expires_at: status.expiresAt,
      updated_at: status.updatedAt,
    };
    const { tenant_id: _tenantId, ...changes } = row;
    await this.#db
      .insertInto('change_notification_status')
      .values(row)
      .onConflict((conflict) => conflict.column('tenant_id').doUpdateSet(changes))
      .execute();
  }
}

function subscriptionRow(subscription: ChangeSubscription): ChangeSubscriptionTable {
  return {
    id: subscription.id,
    tenant_id: subscription.tenantId,
    resource: subscription.resource,
    client_state_hash: subscription.clientStateHash,
    expires_at: subscription.expiresAt,
    created_at: subscription.createdAt,
    renewed_at: subscription.renewedAt,
  };
}

function fromSubscriptionRow(row: ChangeSubscriptionTable): ChangeSubscription {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    resource: row.resource as SubscribedResource,
    clientStateHash: row.client_state_hash,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    renewedAt: row.renewed_at,
  };
}

function fromStatusRow(row: ChangeNotificationStatusTable): ChangeNotificationStatus {
  return {
    tenantId: row.tenant_id,
    state: row.state as ChangeNotificationStatus['state'],
    cause: row.cause as ChangeNotificationStatus['cause'],
    detail: row.detail,
    renewedAt: row.renewed_at,
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
  };
}
