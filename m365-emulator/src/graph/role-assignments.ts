/**
 * `GET /roleManagement/directory/roleAssignments`: the tenant's active directory role assignments
 * (unified RBAC), made from each user's directory role template ids. For built-in roles Graph's
 * `roleDefinitionId` is the role template id, and the emulator only knows tenant-wide assignments
 * (`directoryScopeId: "/"`). `$filter` takes `principalId eq '…'`, `roleDefinitionId eq '…'` or both
 * joined by `and`; `$select`, `$top` and paging work like the other directory collections.
 */
import { listCollection, type ItemSource, type ShapedItem } from './collection-query.js';
import { createShape, type EntityShape } from './directory-shapes.js';
import { GraphError } from './graph-error.js';
import { parseFilter, type FilterCapabilities, type FilterNode } from './odata-filter.js';
import type { GraphRequest, GraphResponse } from './graph-request.js';

/** One assignment: a principal holds a role definition at tenant scope. */
export interface RoleAssignment {
  readonly principalId: string;
  readonly roleDefinitionId: string;
}

/** The `@odata.context` fragment of the collection. */
export const ROLE_ASSIGNMENTS_CONTEXT = 'roleManagement/directory/roleAssignments';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A GUID's 16 bytes in .NET order (the first three fields little-endian), as Entra encodes ids. */
function guidBytes(id: string): Buffer {
  if (!GUID.test(id)) return Buffer.from(id, 'utf8');
  const bytes = Buffer.from(id.replace(/-/g, ''), 'hex');
  return Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8),
  ]);
}

/**
 * The assignment id as Entra forms it for a tenant-wide assignment: base64url of the role
 * definition's and the principal's GUID bytes, then `-1` (e.g. `lAPpYvVpN0KRkAEhdxReE…-1` for
 * Global Administrator). Stable, so the same assignment always has the same id.
 */
export function roleAssignmentId(assignment: RoleAssignment): string {
  const bytes = Buffer.concat([guidBytes(assignment.roleDefinitionId), guidBytes(assignment.principalId)]);
  return `${bytes.toString('base64url')}-1`;
}

/** The unifiedRoleAssignment entity; Graph returns these four properties by default. */
export const ROLE_ASSIGNMENT_SHAPE = createShape<RoleAssignment>(
  'microsoft.graph.unifiedRoleAssignment',
  '#microsoft.graph.unifiedRoleAssignment',
  [
    { name: 'id', read: (assignment) => roleAssignmentId(assignment) },
    { name: 'principalId', read: (assignment) => assignment.principalId },
    { name: 'directoryScopeId', read: () => '/' },
    { name: 'roleDefinitionId', read: (assignment) => assignment.roleDefinitionId },
    { name: 'appScopeId', read: () => null },
    { name: 'condition', read: () => null },
  ],
  ['id', 'principalId', 'directoryScopeId', 'roleDefinitionId'],
);

const shape = ROLE_ASSIGNMENT_SHAPE as EntityShape<never>;
const FILTERABLE = new Map([
  ['principalid', 'principalId'],
  ['roledefinitionid', 'roleDefinitionId'],
]);

const roleAssignmentFilter: FilterCapabilities = {
  resourceName: 'UnifiedRoleAssignment',
  canonical: (property) => FILTERABLE.get(property.toLowerCase()),
  supportsStartsWith: () => false,
};

function unsupportedFilter(node: FilterNode): GraphError {
  const property = 'property' in node ? node.property : undefined;
  return new GraphError(
    400,
    'Request_UnsupportedQuery',
    property === undefined
      ? `Unsupported or invalid query filter clause specified for resource '${roleAssignmentFilter.resourceName}'.`
      : `Unsupported or invalid query filter clause specified for property '${property}' of resource '${roleAssignmentFilter.resourceName}'.`,
  );
}

/** Accepts only `eq` on principalId / roleDefinitionId with a string, joined by `and`. */
function checkFilter(node: FilterNode): void {
  if (node.type === 'and') {
    checkFilter(node.left);
    checkFilter(node.right);
    return;
  }
  if (
    node.type === 'compare' &&
    node.operator === 'eq' &&
    typeof node.value === 'string' &&
    FILTERABLE.has(node.property.toLowerCase())
  )
    return;
  throw unsupportedFilter(node);
}

/** The principal ids the filter pins down with `principalId eq` (an `and` chain: all must hold). */
function pinnedPrincipals(node: FilterNode): string[] {
  if (node.type === 'and') return [...pinnedPrincipals(node.left), ...pinnedPrincipals(node.right)];
  if (
    node.type === 'compare' &&
    node.property.toLowerCase() === 'principalid' &&
    typeof node.value === 'string'
  )
    return [node.value];
  return [];
}

/** `GET /roleManagement/directory/roleAssignments`. */
export function listRoleAssignments(request: GraphRequest): GraphResponse {
  const { directory } = request;
  const filterText = request.query.get('$filter');
  const filter = filterText ? parseFilter(filterText) : undefined;
  if (filter) checkFilter(filter);

  // With a principal named, read that one user instead of scanning the whole directory.
  const [principal] = filter ? pinnedPrincipals(filter) : [];
  let source: ItemSource;
  if (principal !== undefined) {
    const user = directory.getUser(principal);
    const roles =
      user && user.id.toLowerCase() === principal.toLowerCase() ? user.directoryRoleTemplateIds : [];
    source = {
      size: roles.length,
      at: (position) => {
        const role = roles[position];
        return user && role !== undefined ? item(user.id, role) : undefined;
      },
    };
  } else {
    // Few users hold roles: collect the assignments once (a few ms for 100k users) and page over
    // them in directory order (a role change before the cursor shifts later pages; good enough here).
    const assignments: ShapedItem[] = [];
    for (const holder of directory.userSlots) {
      if (!holder) continue;
      for (const role of holder.directoryRoleTemplateIds) assignments.push(item(holder.id, role));
    }
    source = { size: assignments.length, at: (position) => assignments[position] };
  }
  return listCollection(request, source, {
    contextName: ROLE_ASSIGNMENTS_CONTEXT,
    shapes: [shape],
    filter: roleAssignmentFilter,
    searchable: [],
    sortable: [],
    typed: false,
  });
}

function item(principalId: string, roleDefinitionId: string): ShapedItem {
  return { shape, entity: { principalId, roleDefinitionId } satisfies RoleAssignment };
}
