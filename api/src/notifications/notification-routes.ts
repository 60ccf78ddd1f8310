/**
 * Notifications under the ring icon: listed newest first with the caller's own read state (each
 * admin reads them on their own), marked read one by one. Raising them is not a route: state
 * changes raise them in their own transaction (the outbox).
 */
import { z } from 'zod';
import { ApiError } from '../http/api-error.js';
import { requirePrincipal } from '../http/principal-actor.js';
import { defineRoute } from '../http/route.js';
import type { Store } from '@cas/core';

/** What the notification routes need. */
export interface NotificationRoutesOptions {
  store: Pick<Store, 'notifications'>;
  now?: () => Date;
}

/** The notification routes. */
export function notificationRoutes(options: NotificationRoutesOptions) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/notifications',
      access: 'administratorOrReader',
      summary:
        'Notifications of the tenant, newest first, with the caller’s read state and unread count for the ring icon.',
      query: z.object({
        unreadOnly: z.enum(['true', 'false']).default('false'),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      handle: async ({ principal, query }) => {
        const { tenantId, userId } = requirePrincipal(principal);
        const [notifications, unread] = await Promise.all([
          options.store.notifications.list(tenantId, {
            reader: userId,
            unreadOnly: query.unreadOnly === 'true',
            limit: query.limit,
          }),
          options.store.notifications.countUnread(tenantId, userId),
        ]);
        return { json: { notifications, unread } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/notifications/:id/read',
      access: 'administratorOrReader',
      summary: 'Marks one notification read for the caller (other admins keep their own read state).',
      params: z.object({ id: z.string().min(1).max(64) }),
      handle: async ({ principal, params }) => {
        const { tenantId, userId } = requirePrincipal(principal);
        const at = (options.now?.() ?? new Date()).toISOString();
        // Another tenant's id is answered exactly like an unknown one: nothing leaks across tenants.
        if (!(await options.store.notifications.markRead(tenantId, params.id, userId, at))) {
          throw new ApiError(404, 'notification_not_found', 'There is no such notification.');
        }
        return { json: { id: params.id, read: true } };
      },
    }),
  ];
}
