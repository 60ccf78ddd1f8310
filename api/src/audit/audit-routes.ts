/** The audit log: every consent, scope change, sync request, extend and token incident. */
import { routes } from '@cas/contracts';
import { requirePrincipal } from '../http/principal-actor.js';
import { defineRoute } from '../http/route.js';
import type { Store } from '@cas/core';

/** The audit route; admins only, since entries show who did what and the settings before and after. */
export function auditRoutes(store: Pick<Store, 'audit'>) {
  return [
    defineRoute(routes.audit, async ({ principal, query }) => ({
      json: {
        events: await store.audit.list(requirePrincipal(principal).tenantId, {
          limit: query.limit,
          ...(query.before === undefined ? {} : { before: query.before }),
        }),
      },
    })),
  ];
}
