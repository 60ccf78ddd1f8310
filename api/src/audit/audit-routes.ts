/** The audit log: every consent, scope change, sync request, extend and token incident. */
import { z } from 'zod';
import { requirePrincipal } from '../http/principal-actor.js';
import { defineRoute } from '../http/route.js';
import type { Store } from '@cas/core';

/** The audit route; admins only, since entries show who did what and the settings before and after. */
export function auditRoutes(store: Pick<Store, 'audit'>) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/audit',
      access: 'globalAdministrator',
      summary: 'Audit log of the tenant, newest first; page with `before` (an ISO time).',
      query: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.iso.datetime().optional(),
      }),
      handle: async ({ principal, query }) => ({
        json: {
          events: await store.audit.list(requirePrincipal(principal).tenantId, {
            limit: query.limit,
            ...(query.before === undefined ? {} : { before: query.before }),
          }),
        },
      }),
    }),
  ];
}
