/** Who the caller is, as the API sees them: the tab shows it and hides admin-only actions. */
import { routes } from '@cas/contracts';
import { requirePrincipal } from '../http/principal-actor.js';
import { defineRoute } from '../http/route.js';

/** The `/api/me` route. */
export function meRoutes() {
  return [
    defineRoute(routes.me, async ({ principal }) => {
      const caller = requirePrincipal(principal);
      const { tenantId, userId, userPrincipalName, displayName, isGlobalAdministrator } = caller;
      const access = isGlobalAdministrator ? 'administrator' : caller.isReader ? 'reader' : 'none';
      return {
        json: {
          tenantId,
          userId,
          userPrincipalName,
          displayName,
          isGlobalAdministrator,
          access,
          // False: neither the token nor Graph told the roles (the 403s say directory_roles_unavailable).
          rolesKnown: caller.rolesFrom !== 'unknown',
        },
      };
    }),
  ];
}
