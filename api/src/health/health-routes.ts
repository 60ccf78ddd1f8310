/** Liveness and readiness probes for load balancers and `npm start`'s wait loop. */
import { routes } from '@cas/contracts';
import { ApiError } from '../http/api-error.js';
import { defineRoute } from '../http/route.js';

/** Health routes; `isReady` reports whether the database answers. */
export function healthRoutes(isReady: () => Promise<boolean>) {
  return [
    defineRoute(routes.healthz, async () => ({ json: { status: 'ok' } })),
    defineRoute(routes.readyz, async () => {
      if (!(await isReady().catch(() => false))) {
        throw new ApiError(503, 'not_ready', 'The database is not reachable.');
      }
      return { json: { status: 'ready' } };
    }),
  ];
}
