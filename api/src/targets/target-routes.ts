/**
 * Available Targets (R7, R8): **By User** verifies an exact UPN in the tenant's directory, **By
 * Group** searches groups from three characters and lists a group's users (nested groups
 * included) to pick from. Input is checked by `core` first, so bad input never reaches Graph.
 */
import {
  MAX_SELECTED_TARGETS,
  parseGroupQuery,
  parseUserPrincipalName,
  type DirectoryReader,
} from '@cas/core';
import { z } from 'zod';
import { ApiError } from '../http/api-error.js';
import { defineRoute } from '../http/route.js';
import { isGraphNotFound } from '../http/upstream-errors.js';

/** Most groups a search returns; admins narrow the prefix rather than scroll. */
const GROUP_SEARCH_LIMIT = 25;

/** The target picker's routes over the tenant's directory. */
export function targetRoutes(directory: DirectoryReader) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/targets/summary',
      access: 'globalAdministrator',
      summary: 'Scope preview of Synchronize all users and groups: how many users the directory holds.',
      handle: async ({ principal }) => ({
        json: { users: await directory.countUsers(principal?.tenantId ?? '') },
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/targets/users',
      access: 'globalAdministrator',
      summary: 'By User: verifies an exact user principal name and returns the user.',
      query: z.object({ upn: z.string().max(512) }),
      handle: async ({ principal, query }) => {
        const upn = parseUserPrincipalName(query.upn);
        if (!upn.ok) throw new ApiError(400, upn.error.code, upn.error.message);
        const user = await directory.findUserByPrincipalName(principal?.tenantId ?? '', upn.value);
        if (!user) {
          throw new ApiError(404, 'user_not_found', `No user ${upn.value} exists in your organization.`);
        }
        return { json: { user } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/targets/groups',
      access: 'globalAdministrator',
      summary: 'By Group: groups whose name starts with the query (at least 3 characters).',
      query: z.object({ query: z.string().max(1024) }),
      handle: async ({ principal, query }) => {
        const parsed = parseGroupQuery(query.query);
        if (!parsed.ok) throw new ApiError(400, parsed.error.code, parsed.error.message);
        const groups = await directory.searchGroups(principal?.tenantId ?? '', parsed.value, {
          limit: GROUP_SEARCH_LIMIT,
        });
        return { json: { groups } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/targets/groups/:groupId/users',
      access: 'globalAdministrator',
      summary: "A group's users, nested groups included, to pick into Selected Targets.",
      params: z.object({ groupId: z.string().regex(/^[0-9a-f-]{36}$/i, 'must be a group id') }),
      handle: async ({ principal, params }) => {
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
      },
    }),
  ];
}
