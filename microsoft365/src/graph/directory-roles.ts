/**
 * Answers whether a user holds Global Administrator in a tenant, through Microsoft Graph's unified
 * RBAC role assignments with the tenant's app-only token (needs RoleManagement.Read.Directory).
 * Only active, direct assignments count: the same answer Entra puts in `wids` of the user's tokens.
 */
import { callGraph, createTenantGraphClients, type GraphClientOptions } from './graph-client.js';
import type { PageCollection } from '@microsoft/microsoft-graph-client';

/** Role template id of Global Administrator (built-in roles' roleDefinitionId is the template id). */
export const GLOBAL_ADMINISTRATOR_ROLE_DEFINITION_ID = '62e90394-69f5-4237-9190-012177145e10';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Options of the role checker. */
export type DirectoryRoleCheckerOptions = GraphClientOptions;

/** Checks directory roles of a tenant's users. */
export interface DirectoryRoleChecker {
  /** True when the user (Entra object id) holds Global Administrator; GraphError when Graph fails. */
  isGlobalAdministrator(tenantId: string, userId: string): Promise<boolean>;
  /**
   * Role template ids of every role the user holds (what `wids` would list, member role aside);
   * GraphError when Graph fails, EntraError when no token could be had for the tenant.
   */
  directoryRolesOf(tenantId: string, userId: string): Promise<string[]>;
}

/** Most assignments one user's answer reads; far beyond any real user's count of roles. */
const MAX_ROLE_ASSIGNMENTS = 200;

/** Creates the Graph-backed role checker; one SDK client per tenant (its token differs). */
export function createDirectoryRoleChecker(options: DirectoryRoleCheckerOptions): DirectoryRoleChecker {
  const clientFor = createTenantGraphClients(options);
  return {
    async isGlobalAdministrator(tenantId, userId) {
      // Object ids are GUIDs; anything else cannot hold a role, and must never reach the filter.
      if (!GUID.test(userId)) return false;
      const page = await callGraph(
        'Check Global Administrator role',
        () =>
          clientFor(tenantId)
            .api('/roleManagement/directory/roleAssignments')
            .filter(
              `principalId eq '${userId}' and roleDefinitionId eq '${GLOBAL_ADMINISTRATOR_ROLE_DEFINITION_ID}'`,
            )
            .select('id')
            .get() as Promise<PageCollection>,
      );
      return Array.isArray(page.value) && page.value.length > 0;
    },
    async directoryRolesOf(tenantId, userId) {
      if (!GUID.test(userId)) return [];
      const page = await callGraph(
        'List directory roles of a user',
        () =>
          clientFor(tenantId)
            .api('/roleManagement/directory/roleAssignments')
            .filter(`principalId eq '${userId}'`)
            .select('roleDefinitionId')
            .top(MAX_ROLE_ASSIGNMENTS)
            .get() as Promise<PageCollection>,
      );
      const assignments = Array.isArray(page.value) ? (page.value as { roleDefinitionId?: unknown }[]) : [];
      return [
        ...new Set(
          assignments
            .map((assignment) => assignment.roleDefinitionId)
            .filter((id): id is string => typeof id === 'string')
            .map((id) => id.toLowerCase()),
        ),
      ];
    },
  };
}
