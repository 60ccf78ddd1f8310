/** Who the caller is, as the API sees them: the tab shows it and hides admin-only actions. */
import { requirePrincipal } from '../http/principal-actor.js';
import { defineRoute } from '../http/route.js';

/** The `/api/me` route. */
export function meRoutes() {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/me',
      access: 'signedIn',
      summary: 'The signed-in user: tenant, name and whether they are a Global Administrator.',
      handle: async ({ principal }) => {
        const { tenantId, userId, userPrincipalName, displayName, isGlobalAdministrator } =
          requirePrincipal(principal);
        return { json: { tenantId, userId, userPrincipalName, displayName, isGlobalAdministrator } };
      },
    }),
  ];
}
