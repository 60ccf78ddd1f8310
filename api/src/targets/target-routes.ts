/**
 * Available Targets (R7, R8): **By User** verifies an exact UPN in the tenant's directory, **By
 * Group** searches groups from three characters and lists a group's users (nested groups
 * included) to pick from. Input is checked by `core` first, so bad input never reaches Graph.
 */
import { routes } from '@cas/contracts';
import {
  MAX_SELECTED_TARGETS,
  parseGroupQuery,
  parseUserPrincipalName,
  type DirectoryReader,
} from '@cas/core';
import { ApiError } from '../http/api-error.js';
import { defineRoute } from '../http/route.js';
import { isGraphNotFound } from '../http/upstream-errors.js';

/** Most groups a search returns; admins narrow the prefix rather than scroll. */
const GROUP_SEARCH_LIMIT = 25;

/** The target picker's routes over the tenant's directory. */
export function targetRoutes(directory: DirectoryReader) {
  return [
    defineRoute(routes.targetsSummary, async ({ principal }) => ({
      json: { users: await directory.countUsers(principal?.tenantId ?? '') },
    })),
    defineRoute(routes.findUser, async ({ principal, query }) => {
      const upn = parseUserPrincipalName(query.upn);
      if (!upn.ok) throw new ApiError(400, upn.error.code, upn.error.message);
      const user = await directory.findUserByPrincipalName(principal?.tenantId ?? '', upn.value);
      if (!user) {
        throw new ApiError(404, 'user_not_found', `No user ${upn.value} exists in your organization.`);
      }
      return { json: { user } };
    }),
    defineRoute(routes.findGroups, async ({ principal, query }) => {
      const parsed = parseGroupQuery(query.query);
      if (!parsed.ok) throw new ApiError(400, parsed.error.code, parsed.error.message);
      const groups = await directory.searchGroups(principal?.tenantId ?? '', parsed.value, {
        limit: GROUP_SEARCH_LIMIT,
      });
      return { json: { groups } };
    }),
    defineRoute(routes.groupUsers, async ({ principal, params }) => {
      // More than the selection limit is never useful to show: at most 100 can be picked (R8).
      const page = await directory
        .listGroupUsers(principal?.tenantId ?? '', params.groupId, { limit: MAX_SELECTED_TARGETS })
        .catch((error: unknown) => {
          // Graph answers 404 for an id unknown in this tenant, another tenant's included.
          if (isGraphNotFound(error)) {
            throw new ApiError(
              404,
              'group_not_found',
              'Your organization has no group with this id (it may have been deleted): search for the group again.',
            );
          }
          throw error;
        });
      return { json: page };
    }),
  ];
}
