/** Liveness and readiness probes for load balancers and `npm start`'s wait loop. */
import { ApiError } from '../http/api-error.js';
import { defineRoute } from '../http/route.js';

/** Health routes; `isReady` reports whether the database answers. */
export function healthRoutes(isReady: () => Promise<boolean>) {
  return [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      access: 'public',
      summary: 'Liveness: the process is up.',
      handle: async () => ({ json: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/readyz',
      access: 'public',
      summary: 'Readiness: the database answers.',
      handle: async () => {
        if (!(await isReady().catch(() => false))) {
          throw new ApiError(503, 'not_ready', 'The database is not reachable.');
        }
        return { json: { status: 'ready' } };
      },
    }),
  ];
}
