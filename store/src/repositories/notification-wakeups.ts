/**
 * Wakes a tenant's notification deliverers: the row becomes due at once (the epoch, so no clock
 * skew between the API's and the worker's hosts delays it), and its version moves, so a pass that
 * read an older version does not settle a wakeup that came after it. In the caller's transaction
 * (the notification and its wakeup commit together).
 */
import type { Database } from '../schema.js';
import type { NotificationChannel } from '@cas/core';
import type { Kysely } from 'kysely';

const AT_ONCE = '1970-01-01T00:00:00.000Z';

/** Wakes `channels` of `tenantId`. */
export async function wakeDeliverers(
  db: Kysely<Database>,
  tenantId: string,
  channels: readonly NotificationChannel[],
): Promise<void> {
  await db
    .insertInto('notification_wakeups')
    .values(channels.map((channel) => ({ tenant_id: tenantId, channel, due_at: AT_ONCE, version: 1 })))
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'channel']).doUpdateSet((eb) => ({
        due_at: AT_ONCE,
        version: eb('notification_wakeups.version', '+', 1),
      })),
    )
    .execute();
}
