/**
 * Directory routes: users, groups, members, organization and `/me`. Data is always read from the
 * caller's own tenant (`request.directory`), so a token for one tenant never sees another.
 */
import {
  contextUrl,
  listCollection,
  parseSelect,
  renderItem,
  type CollectionSpec,
  type ItemSource,
  type ShapedItem,
} from './collection-query.js';
import { GROUP_SHAPE, USER_SHAPE, type EntityShape } from './directory-shapes.js';
import { badRequest, resourceNotFound } from './graph-error.js';
import { hasEventualConsistency, type GraphRequest, type GraphResponse } from './graph-request.js';
import type { EmulatedGroup, EmulatedUser } from '../contracts.js';
import type { InMemoryTenantDirectory, MemberRef } from '../directory/tenant-directory.js';
import type { FilterCapabilities } from './odata-filter.js';

const userShape = USER_SHAPE as EntityShape<never>;
const groupShape = GROUP_SHAPE as EntityShape<never>;

const USER_FILTERABLE = new Set(
  [
    'id',
    'accountEnabled',
    'assignedLicenses',
    'businessPhones',
    'createdDateTime',
    'department',
    'displayName',
    'givenName',
    'jobTitle',
    'mail',
    'mailNickname',
    'otherMails',
    'preferredLanguage',
    'proxyAddresses',
    'surname',
    'usageLocation',
    'userPrincipalName',
    'userType',
    'creationType',
    'externalUserState',
  ].map((name) => name.toLowerCase()),
);
const USER_STARTSWITH = new Set([
  'displayname',
  'givenname',
  'surname',
  'mail',
  'mailnickname',
  'userprincipalname',
  'jobtitle',
  'department',
  'usagelocation',
  'preferredlanguage',
]);
const GROUP_FILTERABLE = new Set(
  [
    'id',
    'createdDateTime',
    'description',
    'displayName',
    'groupTypes',
    'mail',
    'mailEnabled',
    'mailNickname',
    'proxyAddresses',
    'securityEnabled',
    'visibility',
    'resourceProvisioningOptions',
  ].map((name) => name.toLowerCase()),
);
const GROUP_STARTSWITH = new Set(['displayname', 'mail', 'mailnickname', 'description']);

const userFilter: FilterCapabilities = {
  resourceName: 'User',
  canonical: (p) => (USER_FILTERABLE.has(p.toLowerCase()) ? USER_SHAPE.canonical(p) : undefined),
  supportsStartsWith: (p) => USER_STARTSWITH.has(p.toLowerCase()),
};
const groupFilter: FilterCapabilities = {
  resourceName: 'Group',
  canonical: (p) => (GROUP_FILTERABLE.has(p.toLowerCase()) ? GROUP_SHAPE.canonical(p) : undefined),
  supportsStartsWith: (p) => GROUP_STARTSWITH.has(p.toLowerCase()),
};
const memberFilter: FilterCapabilities = {
  resourceName: 'DirectoryObject',
  canonical: (p) => userFilter.canonical(p) ?? groupFilter.canonical(p),
  supportsStartsWith: (p) => userFilter.supportsStartsWith(p) || groupFilter.supportsStartsWith(p),
};

/** At most this many members come with `$expand=members`, as in Graph. */
const EXPAND_LIMIT = 20;

function expandMembers(directory: InMemoryTenantDirectory) {
  return (item: ShapedItem, _expand: string, target: Record<string, unknown>): void => {
    const group = item.entity as EmulatedGroup;
    const refs = directory.directMembers(group.id) ?? [];
    target['members'] = refs
      .slice(0, EXPAND_LIMIT)
      .map((ref) => refItem(directory, ref))
      .filter((member): member is ShapedItem => member !== undefined)
      .map((member) => renderItem(member, undefined, true));
  };
}

function refItem(directory: InMemoryTenantDirectory, ref: MemberRef): ShapedItem | undefined {
  const resolved = directory.resolveRef(ref);
  if (!resolved) return undefined;
  return resolved.kind === 'user'
    ? { shape: userShape, entity: resolved.user }
    : { shape: groupShape, entity: resolved.group };
}

/** `GET /users`. */
export function listUsers(request: GraphRequest): GraphResponse {
  const slots = request.directory.userSlots;
  const source: ItemSource = {
    size: slots.length,
    at: (position) => {
      const user = slots[position];
      return user ? { shape: userShape, entity: user } : undefined;
    },
  };
  return listCollection(request, source, {
    contextName: 'users',
    shapes: [userShape],
    filter: userFilter,
    searchable: [
      'displayName',
      'givenName',
      'surname',
      'mail',
      'mailNickname',
      'userPrincipalName',
      'jobTitle',
    ],
    sortable: ['displayName', 'userPrincipalName'],
    typed: false,
  });
}

/** `GET /groups`. */
export function listGroups(request: GraphRequest): GraphResponse {
  const slots = request.directory.groupSlots;
  const source: ItemSource = {
    size: slots.length,
    at: (position) => {
      const record = slots[position];
      return record ? { shape: groupShape, entity: record.group } : undefined;
    },
  };
  return listCollection(request, source, {
    contextName: 'groups',
    shapes: [groupShape],
    filter: groupFilter,
    searchable: ['displayName', 'description', 'mail', 'mailNickname'],
    sortable: ['displayName'],
    typed: false,
    expand: expandMembers(request.directory),
  });
}

/** Which member list and which cast a members route asked for. */
export interface MembersQuery {
  transitive: boolean;
  cast: 'user' | 'group' | undefined;
}

/** `GET /groups/{id}/members`, `/transitiveMembers`, and their `microsoft.graph.user|group` casts. */
export function listMembers(request: GraphRequest, groupId: string, query: MembersQuery): GraphResponse {
  const { directory } = request;
  const all = query.transitive ? directory.transitiveMembers(groupId) : directory.directMembers(groupId);
  if (!all) throw resourceNotFound(groupId);
  const refs =
    query.cast === undefined ? all : all.filter((ref) => (query.cast === 'user' ? ref >= 0 : ref < 0));
  const source: ItemSource = {
    size: refs.length,
    at: (position) => refItem(directory, refs[position] as MemberRef),
  };
  const spec: CollectionSpec = {
    contextName: query.cast === 'user' ? 'users' : query.cast === 'group' ? 'groups' : 'directoryObjects',
    shapes:
      query.cast === 'user' ? [userShape] : query.cast === 'group' ? [groupShape] : [userShape, groupShape],
    filter: query.cast === 'user' ? userFilter : query.cast === 'group' ? groupFilter : memberFilter,
    searchable: ['displayName', 'mail', 'userPrincipalName', 'mailNickname'],
    sortable: ['displayName'],
    typed: true,
  };
  // Filtering or sorting members is an advanced query in Graph.
  if (request.query.has('$filter') && !hasEventualConsistency(request)) {
    throw badRequest(
      'The specified filter to the reference property query is currently not supported.',
      'Request_UnsupportedQuery',
    );
  }
  if (request.query.has('$orderby') && !hasEventualConsistency(request)) {
    throw badRequest('Sorting not supported for current query.', 'Request_UnsupportedQuery');
  }
  return listCollection(request, source, spec);
}

/** `GET /users/{id|upn}`. */
export function getUser(request: GraphRequest, idOrUpn: string): GraphResponse {
  const user = request.directory.getUser(idOrUpn);
  if (!user) throw resourceNotFound(idOrUpn);
  return entityResponse(request, 'users', userShape, user);
}

/** `GET /groups/{id}`. */
export function getGroup(request: GraphRequest, id: string): GraphResponse {
  const group = request.directory.getGroup(id);
  if (!group) throw resourceNotFound(id);
  const response = entityResponse(request, 'groups', groupShape, group);
  if (request.query.get('$expand')?.toLowerCase() === 'members') {
    expandMembers(request.directory)(
      { shape: groupShape, entity: group },
      'members',
      response.body as Record<string, unknown>,
    );
  } else if (request.query.has('$expand')) {
    throw badRequest(
      `Could not find a property named '${request.query.get('$expand') ?? ''}' on type '${GROUP_SHAPE.serviceTypeName}'.`,
      'Request_BadRequest',
    );
  }
  return response;
}

/** `GET /me`: the signed-in user of a delegated token. */
export function getMe(request: GraphRequest): GraphResponse {
  const userId = request.caller.userId;
  if (userId === undefined) throw badRequest('/me request is only valid with delegated authentication flow.');
  const user = request.directory.getUser(userId);
  if (!user) throw resourceNotFound(userId);
  return entityResponse(request, 'users', userShape, user);
}

function entityResponse(
  request: GraphRequest,
  fragment: string,
  shape: EntityShape<never>,
  entity: EmulatedUser | EmulatedGroup,
): GraphResponse & { body: Record<string, unknown> } {
  const select = parseSelect(request, [shape]);
  return {
    status: 200,
    body: {
      '@odata.context': `${contextUrl(request, fragment, select)}/$entity`,
      ...renderItem({ shape, entity }, select, false),
    },
  };
}

/** `GET /users/$count` or `/groups/$count` (plain text; advanced query). */
export function countCollection(request: GraphRequest, kind: 'users' | 'groups'): GraphResponse {
  if (!hasEventualConsistency(request))
    throw badRequest('Count is not currently supported.', 'Request_BadRequest');
  const count = kind === 'users' ? request.directory.userCount : request.directory.groupCount;
  return { status: 200, headers: { 'Content-Type': 'text/plain;charset=utf-8' }, text: String(count) };
}

/** `GET /organization`: the caller's tenant with its verified domains. */
export function getOrganization(request: GraphRequest, id: string | undefined): GraphResponse {
  const { tenant } = request.directory;
  if (id !== undefined && id.toLowerCase() !== tenant.id) throw resourceNotFound(id);
  const organization: Record<string, unknown> = {
    id: tenant.id,
    deletedDateTime: null,
    businessPhones: [],
    city: null,
    country: null,
    countryLetterCode: 'US',
    createdDateTime: '2019-01-01T00:00:00Z',
    displayName: tenant.displayName,
    onPremisesSyncEnabled: null,
    preferredLanguage: 'en',
    tenantType: 'AAD',
    technicalNotificationMails: [`admin@${tenant.defaultDomain}`],
    verifiedDomains: tenant.verifiedDomains.map((name) => ({
      capabilities: 'Email, OfficeCommunicationsOnlineService',
      isDefault: name === tenant.defaultDomain,
      isInitial: name.endsWith('.onmicrosoft.com') && name === tenant.defaultDomain,
      name,
      type: 'Managed',
    })),
  };
  const names = Object.keys(organization);
  const raw = request.query.get('$select');
  const select = raw
    ?.split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const known = names.find((name) => name.toLowerCase() === part.toLowerCase());
      if (!known)
        throw badRequest(
          `Could not find a property named '${part}' on type 'Microsoft.DirectoryServices.TenantDetail'.`,
          'Request_BadRequest',
        );
      return known;
    });
  const shaped = select ? Object.fromEntries(select.map((name) => [name, organization[name]])) : organization;
  if (id !== undefined)
    return {
      status: 200,
      body: { '@odata.context': `${contextUrl(request, 'organization', select)}/$entity`, ...shaped },
    };
  return {
    status: 200,
    body: { '@odata.context': contextUrl(request, 'organization', select), value: [shaped] },
  };
}
