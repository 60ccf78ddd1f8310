/**
 * Maps a method and path below `/v1.0` to a route: its statistics label, who may call it, what it
 * costs in resource units, and the code that answers. Unknown segments fail like Graph does.
 */
import { subscriptionRoute } from '../subscriptions/subscription-routes.js';
import {
  countCollection,
  getGroup,
  getMe,
  getOrganization,
  getUser,
  listGroups,
  listMembers,
  listUsers,
} from './directory-routes.js';
import { GraphError, mailAccessDenied, resourceNotFound, segmentNotFound } from './graph-error.js';
import { isAllowed, isDelegated, type GraphOperation } from './permissions.js';
import { listRoleAssignments } from './role-assignments.js';
import { sendMail } from './send-mail.js';
import {
  mailFolderDenied,
  sharePointAccessDenied,
  sitesRoute,
  userDrive,
  userMailFolder,
} from './site-routes.js';
import type { MailOutbox } from '../mail/mail-outbox.js';
import type { ChangeNotifications } from '../subscriptions/change-notifications.js';
import type { CostedEndpoint } from '../throttling/resource-units.js';
import type { GraphRequest, GraphResponse } from './graph-request.js';

/** A resolved route. */
export interface GraphRoute {
  /** Statistics label with placeholders, e.g. `GET /v1.0/users/{id}`. */
  readonly label: string;
  /** Permission needed; undefined when the route checks nothing itself (`$batch`). */
  readonly operation: GraphOperation | undefined;
  /** Error to answer when the permission is missing (directory vs. Exchange wording). */
  readonly denied?: () => GraphError;
  /** Identity throttling cost class; undefined when identity throttling does not apply. */
  readonly cost: CostedEndpoint | undefined;
  run(request: GraphRequest): GraphResponse | Promise<GraphResponse>;
}

/** Services routes need beyond the request itself. */
export interface RouteServices {
  readonly mail: MailOutbox;
  respondDelta(request: GraphRequest, kind: 'users' | 'groups'): GraphResponse;
  runBatch(request: GraphRequest): Promise<GraphResponse>;
  /** Change notification subscriptions (undefined: `/subscriptions` is not served). */
  subscriptions?: ChangeNotifications;
}

const METHOD_NOT_ALLOWED = (): GraphError =>
  new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');

/** Splits `users('key')` key syntax into two segments (OData doubles apostrophes in the key). */
export function normaliseSegments(segments: readonly string[]): string[] {
  const result: string[] = [];
  for (const segment of segments) {
    const keyed = /^([A-Za-z]+)\('(.*)'\)$/.exec(segment);
    if (keyed) result.push(keyed[1] as string, (keyed[2] as string).replace(/''/g, "'"));
    else result.push(segment);
  }
  return result;
}

const isSelf = (request: GraphRequest, key: string): boolean => {
  const self = request.caller.userId ? request.directory.getUser(request.caller.userId) : undefined;
  return (
    self !== undefined &&
    (self.id === key.toLowerCase() || self.userPrincipalName.toLowerCase() === key.toLowerCase())
  );
};

/** Resolves a route or throws Graph's error for an unknown segment / wrong method. */
export function resolveRoute(
  method: string,
  rawSegments: readonly string[],
  services: RouteServices,
): GraphRoute {
  const segments = normaliseSegments(rawSegments.filter((segment, index) => segment !== '' || index === 0));
  const [first = '', second, third, fourth, ...rest] = segments;
  const lower = (value: string | undefined): string | undefined => value?.toLowerCase();
  const get = (route: GraphRoute): GraphRoute => {
    if (method !== 'GET') throw METHOD_NOT_ALLOWED();
    return route;
  };

  switch (lower(first)) {
    case '$batch':
      if (second !== undefined) throw segmentNotFound(second);
      if (method !== 'POST') throw METHOD_NOT_ALLOWED();
      return {
        label: 'POST /v1.0/$batch',
        operation: undefined,
        cost: undefined,
        run: (request) => services.runBatch(request),
      };
    case 'subscriptions': {
      // Each subscription route checks the permission of its resource itself.
      const subscriptions = services.subscriptions;
      if (subscriptions === undefined) throw segmentNotFound(first);
      return {
        ...subscriptionRoute(method, second, third, fourth, subscriptions),
        operation: undefined,
        cost: undefined,
      };
    }
    case 'organization':
      if (third !== undefined) throw segmentNotFound(third);
      return get({
        label: second === undefined ? 'GET /v1.0/organization' : 'GET /v1.0/organization/{id}',
        operation: 'readOrganization',
        cost: 'other',
        run: (request) => getOrganization(request, second),
      });
    case 'me':
      return userRoute(method, undefined, second, third, services, '/me');
    case 'rolemanagement':
      // Only the directory provider's role assignments list (the API's Global Administrator check).
      if (second === undefined || lower(second) !== 'directory') throw segmentNotFound(second ?? first);
      if (third === undefined || lower(third) !== 'roleassignments') throw segmentNotFound(third ?? second);
      if (fourth !== undefined) throw segmentNotFound(fourth);
      return get({
        label: 'GET /v1.0/roleManagement/directory/roleAssignments',
        operation: 'readRoleAssignments',
        cost: 'other',
        run: listRoleAssignments,
      });
    case 'users': {
      if (second === undefined)
        return get({ label: 'GET /v1.0/users', operation: 'readUsers', cost: 'users', run: listUsers });
      if (third === undefined && /^delta(\(\))?$/i.test(second)) {
        return get({
          label: 'GET /v1.0/users/delta',
          operation: 'readUsers',
          cost: 'users',
          run: (request) => services.respondDelta(request, 'users'),
        });
      }
      if (third === undefined && second === '$count') {
        return get({
          label: 'GET /v1.0/users/$count',
          operation: 'readUsers',
          cost: 'other',
          run: (request) => countCollection(request, 'users'),
        });
      }
      if (fourth !== undefined && lower(third) === 'mailfolders' && rest.length === 0) {
        return get({
          label: 'GET /v1.0/users/{id}/mailFolders/{id}',
          operation: 'readMail',
          denied: mailFolderDenied,
          cost: undefined,
          run: (request) => userMailFolder(request, second, fourth),
        });
      }
      if (fourth !== undefined) throw segmentNotFound(fourth);
      return userRoute(method, second, third, undefined, services, '/users/{id}');
    }
    case 'groups': {
      if (second === undefined)
        return get({ label: 'GET /v1.0/groups', operation: 'readGroups', cost: 'other', run: listGroups });
      if (third === undefined && /^delta(\(\))?$/i.test(second)) {
        return get({
          label: 'GET /v1.0/groups/delta',
          operation: 'readGroups',
          cost: 'other',
          run: (request) => services.respondDelta(request, 'groups'),
        });
      }
      if (third === undefined && second === '$count') {
        return get({
          label: 'GET /v1.0/groups/$count',
          operation: 'readGroups',
          cost: 'other',
          run: (request) => countCollection(request, 'groups'),
        });
      }
      if (third === undefined)
        return get({
          label: 'GET /v1.0/groups/{id}',
          operation: 'readGroups',
          cost: 'other',
          run: (request) => getGroup(request, second),
        });
      const relation = lower(third);
      if (relation !== 'members' && relation !== 'transitivemembers') throw segmentNotFound(third);
      const transitive = relation === 'transitivemembers';
      const castSegment = lower(fourth);
      if (rest.length > 0) throw segmentNotFound(rest[0] as string);
      if (
        castSegment !== undefined &&
        castSegment !== 'microsoft.graph.user' &&
        castSegment !== 'microsoft.graph.group'
      ) {
        throw segmentNotFound(fourth as string);
      }
      const cast =
        castSegment === 'microsoft.graph.user'
          ? 'user'
          : castSegment === 'microsoft.graph.group'
            ? 'group'
            : undefined;
      const name = transitive ? 'transitiveMembers' : 'members';
      return get({
        label: `GET /v1.0/groups/{id}/${name}${cast ? `/microsoft.graph.${cast}` : ''}`,
        operation: 'readMembers',
        cost: transitive ? 'transitiveMembers' : 'members',
        run: (request) => listMembers(request, second, { transitive, cast }),
      });
    }
    case 'sites':
      return sitesRoute(method, segments.slice(1));
    default:
      throw segmentNotFound(first);
  }
}

/** Routes under `/users/{id}` or `/me` (`key` undefined means the signed-in user). */
function userRoute(
  method: string,
  key: string | undefined,
  relation: string | undefined,
  extra: string | undefined,
  services: RouteServices,
  labelBase: string,
): GraphRoute {
  if (extra !== undefined) throw segmentNotFound(extra);
  const target = (request: GraphRequest): string => {
    if (key !== undefined) return key;
    if (request.caller.userId === undefined)
      throw new GraphError(
        400,
        'BadRequest',
        '/me request is only valid with delegated authentication flow.',
      );
    return request.caller.userId;
  };
  if (relation === undefined) {
    if (method !== 'GET') throw METHOD_NOT_ALLOWED();
    return {
      label: `GET /v1.0${labelBase}`,
      operation: key === undefined ? 'readMe' : 'readUsers',
      cost: 'other',
      run: (request) => (key === undefined ? getMe(request) : getUser(request, key)),
    };
  }
  switch (relation.toLowerCase()) {
    case 'sendmail':
      if (method !== 'POST') throw METHOD_NOT_ALLOWED();
      return {
        label: `POST /v1.0${labelBase}/sendMail`,
        operation: 'sendMail',
        denied: mailAccessDenied,
        cost: undefined,
        run: (request) => {
          const sender = target(request);
          // A delegated token sends only as its own user (send-as others needs Exchange rights).
          if (isDelegated(request.caller) && key !== undefined && !isSelf(request, sender))
            throw mailAccessDenied();
          return sendMail(request, sender, services.mail);
        },
      };
    case 'drive':
      if (method !== 'GET') throw METHOD_NOT_ALLOWED();
      return {
        label: `GET /v1.0${labelBase}/drive`,
        operation: 'readDrives',
        denied: sharePointAccessDenied,
        cost: undefined,
        run: (request) => userDrive(request, target(request)),
      };
    case 'mailboxsettings':
      if (method !== 'GET') throw METHOD_NOT_ALLOWED();
      return {
        label: `GET /v1.0${labelBase}/mailboxSettings`,
        operation: 'readMailboxSettings',
        denied: mailAccessDenied,
        cost: undefined,
        run: (request) => mailboxSettings(request, target(request)),
      };
    default:
      throw segmentNotFound(relation);
  }
}

function mailboxSettings(request: GraphRequest, key: string): GraphResponse {
  const user = request.directory.getUser(key);
  if (!user) throw resourceNotFound(key);
  if (user.mailboxType === null) {
    throw new GraphError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    );
  }
  return {
    status: 200,
    body: {
      '@odata.context': `${request.origin}/v1.0/$metadata#users('${encodeURIComponent(user.id)}')/mailboxSettings`,
      archiveFolder: null,
      timeZone: 'UTC',
      dateFormat: 'yyyy-MM-dd',
      timeFormat: 'HH:mm',
      language: { locale: 'en-US', displayName: 'English (United States)' },
      userPurpose: user.mailboxType,
    },
  };
}

/** Checks the caller's permissions for a route (self-reads with `User.Read` count for delegated tokens). */
export function authorize(route: GraphRoute, request: GraphRequest): void {
  if (route.operation === undefined) return;
  if (isAllowed(request.caller, route.operation)) return;
  const selfRead =
    route.label === 'GET /v1.0/users/{id}' &&
    isDelegated(request.caller) &&
    isAllowed(request.caller, 'readMe');
  if (
    selfRead &&
    isSelf(
      request,
      request.path.split('/')[2] ? decodeURIComponent(request.path.split('/')[2] as string) : '',
    )
  )
    return;
  throw (route.denied ?? defaultDenied)();
}

const defaultDenied = (): GraphError =>
  new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

/** Statistics label of a Graph request (`GET /v1.0/users/{id}`), or undefined when it is not a Graph path. */
export function describeGraphRoute(method: string, pathname: string): string | undefined {
  if (pathname !== '/v1.0' && !pathname.startsWith('/v1.0/')) return undefined;
  const noop = (): never => {
    throw new Error('not callable');
  };
  try {
    const segments = pathname
      .slice('/v1.0/'.length)
      .split('/')
      .map((segment) => decodeURIComponent(segment));
    return resolveRoute(method.toUpperCase(), segments, {
      mail: undefined as never,
      respondDelta: noop,
      runBatch: noop,
      // Labels only: no route runs, so no service stands behind it.
      subscriptions: {} as ChangeNotifications,
    }).label;
  } catch {
    return `${method.toUpperCase()} /v1.0 (unknown)`;
  }
}
