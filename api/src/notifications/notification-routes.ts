/**
 * Notifications under the ring icon: listed newest first with the caller's own read state (each
 * admin reads them on their own), marked read one by one. Raising them is not a route: state
 * changes raise them in their own transaction (the outbox).
 */
import { routes } from '@cas/contracts';
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
    defineRoute(routes.notifications, async ({ principal, query }) => {
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
    }),
    defineRoute(routes.markNotificationRead, async ({ principal, params }) => {
      const { tenantId, userId } = requirePrincipal(principal);
      const at = (options.now?.() ?? new Date()).toISOString();
      // Another tenant's id is answered exactly like an unknown one: nothing leaks across tenants.
      if (!(await options.store.notifications.markRead(tenantId, params.id, userId, at))) {
        throw new ApiError(404, 'notification_not_found', 'There is no such notification.');
      }
      return { json: { id: params.id, read: true } };
    }),
  ];
}
