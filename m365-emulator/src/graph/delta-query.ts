/**
 * `/users/delta` and `/groups/delta`. A round starts with every object (paged by `$skiptoken`) and
 * ends with a `@odata.deltaLink`; following it returns only what the tenant's change log recorded
 * since. Tokens are signed and carry tenant, epoch, position and issue time: an expired token or
 * one from before a reset answers 410 with a `Location` to restart from a full round.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { contextUrl, parseSelect } from './collection-query.js';
import { GROUP_SHAPE, project, USER_SHAPE, type EntityShape } from './directory-shapes.js';
import { badRequest, GraphError } from './graph-error.js';
import { graphUrl, type GraphRequest, type GraphResponse } from './graph-request.js';
import { evaluateFilter, parseFilter, validateFilter } from './odata-filter.js';
import type { EmulatedGroup, EmulatedUser } from '../contracts.js';
import type { DirectoryChange } from '../directory/change-log.js';
import type { InMemoryTenantDirectory, MemberRef } from '../directory/tenant-directory.js';

/** Delta options (defaults suit production-like behaviour; tests shrink the pages). */
export interface DeltaOptions {
  /** How long a delta or skip token stays usable (default 7 days). */
  tokenLifetimeMs?: number;
  /** Objects per delta page (default 200). */
  pageSize?: number;
  /** Members per `members@delta` chunk before a large group continues on the next page (default 500). */
  memberChunkSize?: number;
  /** Signing key for tokens (default random per process). */
  secret?: Buffer;
  now?: () => number;
}

type DeltaKind = 'users' | 'groups';

interface DeltaState {
  /** Token format version. */
  v: 1;
  /** Tenant id. */
  t: string;
  /** Tenant delta epoch at issue. */
  e: string;
  k: DeltaKind;
  /** Selected properties (null = defaults). */
  s: string[] | null;
  /** Filter text (delta supports `id eq` filters). */
  f: string | null;
  /** Change-log sequence the round reports changes after (-1 for a full round). */
  a: number;
  /** Change-log sequence the round reports up to (fixed when the round starts). */
  b: number;
  /** Position in the round (object slot for a full round, change index otherwise). */
  p: number;
  /** Member offset inside the object at `p` (large groups span pages). */
  m: number;
  /** Issue time (epoch ms). */
  i: number;
}

const USER_DELTA_DEFAULT = [...USER_SHAPE.defaultProperties];
const GROUP_DELTA_DEFAULT = [
  'displayName',
  'description',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'groupTypes',
  'id',
];

/** Creates the delta responder used by the Graph routes. */
export function createDeltaQueries(options: DeltaOptions = {}): {
  /** Answers `GET /users/delta` or `GET /groups/delta`. */
  respond(request: GraphRequest, kind: DeltaKind): GraphResponse;
} {
  const lifetime = options.tokenLifetimeMs ?? 7 * 24 * 3_600_000;
  const pageSize = options.pageSize ?? 200;
  const memberChunk = options.memberChunkSize ?? 500;
  const secret = options.secret ?? randomBytes(32);
  const now = options.now ?? Date.now;

  const sign = (state: DeltaState): string => {
    const payload = Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
    const mac = createHmac('sha256', secret).update(payload).digest().subarray(0, 16).toString('base64url');
    return `${payload}.${mac}`;
  };
  const verify = (token: string): DeltaState | undefined => {
    const [payload, mac] = token.split('.');
    if (!payload || !mac) return undefined;
    // Compare the canonical text: base64url has spare bits, so decoded bytes alone would accept variants.
    const expected = Buffer.from(
      createHmac('sha256', secret).update(payload).digest().subarray(0, 16).toString('base64url'),
    );
    const actual = Buffer.from(mac);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
    try {
      const state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as DeltaState;
      return state.v === 1 ? state : undefined;
    } catch {
      return undefined;
    }
  };

  const restartLocation = (request: GraphRequest, kind: DeltaKind, select: string[] | null): string =>
    graphUrl(request, `/${kind}/delta${select ? `?$select=${select.join(',')}` : ''}`);

  return {
    respond(request, kind) {
      for (const option of ['$top', '$orderby', '$expand', '$skip', '$search', '$count']) {
        if (request.query.has(option)) {
          throw new GraphError(
            400,
            'Request_UnsupportedQuery',
            `Unsupported query option '${option}' on a delta query.`,
          );
        }
      }
      const shape = (kind === 'users' ? USER_SHAPE : GROUP_SHAPE) as EntityShape<never>;
      const { directory } = request;
      const token = request.query.get('$deltatoken') ?? request.query.get('$skiptoken');
      let state: DeltaState;
      if (token !== undefined && token.toLowerCase() === 'latest' && request.query.has('$deltatoken')) {
        // `$deltatoken=latest` skips the full round: an empty page with a link to future changes.
        const select = parseSelect(request, [shape], kind === 'groups' ? ['members'] : []) ?? null;
        const latest: DeltaState = {
          v: 1,
          t: directory.tenant.id,
          e: directory.deltaEpoch,
          k: kind,
          s: select,
          f: null,
          a: -1,
          b: directory.changes.lastSeq,
          p: 0,
          m: 0,
          i: now(),
        };
        return deltaPage(request, kind, latest, [], undefined, { ...latest, a: latest.b, p: 0, m: 0 });
      }
      if (token !== undefined) {
        const decoded = verify(token);
        if (!decoded || decoded.t !== directory.tenant.id || decoded.k !== kind) {
          throw badRequest('Badly formed token.', 'Request_BadRequest');
        }
        if (decoded.e !== directory.deltaEpoch || now() - decoded.i > lifetime) {
          throw new GraphError(
            410,
            'syncStateNotFound',
            'The sync state generation is not found or has expired. Restart the synchronization with a new delta request.',
            { Location: restartLocation(request, kind, decoded.s) },
          );
        }
        state = decoded;
        // Following a deltaLink starts a new round of changes after the previous round's end.
        if (request.query.has('$deltatoken'))
          state = { ...state, a: state.b, b: directory.changes.lastSeq, p: 0, m: 0, i: now() };
      } else {
        const select = parseSelect(request, [shape], kind === 'groups' ? ['members'] : []) ?? null;
        const filterText = request.query.get('$filter') ?? null;
        state = {
          v: 1,
          t: directory.tenant.id,
          e: directory.deltaEpoch,
          k: kind,
          s: select,
          f: filterText,
          a: -1,
          b: directory.changes.lastSeq,
          p: 0,
          m: 0,
          i: now(),
        };
      }

      const filter = state.f ? parseFilter(state.f) : undefined;
      if (filter) {
        validateFilter(
          filter,
          {
            resourceName: kind === 'users' ? 'User' : 'Group',
            canonical: (p) => (p.toLowerCase() === 'id' ? 'id' : undefined),
            supportsStartsWith: () => false,
          },
          false,
        );
      }
      const wanted = (id: string): boolean =>
        !filter || evaluateFilter(filter, (property) => (property.toLowerCase() === 'id' ? id : null));
      const properties = (state.s ?? (kind === 'users' ? USER_DELTA_DEFAULT : GROUP_DELTA_DEFAULT)).filter(
        (name) => name !== 'members',
      );
      // Delta always returns the id, selected or not: clients key their copies on it.
      if (!properties.includes('id')) properties.push('id');
      const withMembers = kind === 'groups' && (state.s?.includes('members') ?? false);

      const items: Record<string, unknown>[] = [];
      let next: DeltaState | undefined;
      if (state.a < 0) {
        next = fullRound(directory, kind, state, items, {
          properties,
          withMembers,
          wanted,
          pageSize,
          memberChunk,
        });
      } else {
        next = changeRound(directory, kind, state, items, { properties, withMembers, wanted, pageSize });
      }
      const final: DeltaState = { ...state, a: state.b, p: 0, m: 0, i: now() };
      return deltaPage(request, kind, state, items, next, final);

      function deltaPage(
        pageRequest: GraphRequest,
        pageKind: DeltaKind,
        pageState: DeltaState,
        value: Record<string, unknown>[],
        continuation: DeltaState | undefined,
        end: DeltaState,
      ): GraphResponse {
        const body: Record<string, unknown> = {
          '@odata.context': contextUrl(pageRequest, pageKind, pageState.s ?? undefined),
        };
        if (continuation)
          body['@odata.nextLink'] = graphUrl(
            pageRequest,
            `/${pageKind}/delta?$skiptoken=${sign(continuation)}`,
          );
        else body['@odata.deltaLink'] = graphUrl(pageRequest, `/${pageKind}/delta?$deltatoken=${sign(end)}`);
        body['value'] = value;
        return { status: 200, body };
      }
    },
  };
}

interface RoundOptions {
  properties: readonly string[];
  withMembers: boolean;
  wanted: (id: string) => boolean;
  pageSize: number;
}

function memberEntry(
  directory: InMemoryTenantDirectory,
  ref: MemberRef,
): Record<string, unknown> | undefined {
  const resolved = directory.resolveRef(ref);
  if (!resolved) return undefined;
  return resolved.kind === 'user'
    ? { '@odata.type': '#microsoft.graph.user', id: resolved.user.id }
    : { '@odata.type': '#microsoft.graph.group', id: resolved.group.id };
}

/** Fills a page of the initial round; returns the continuation state or undefined at the end. */
function fullRound(
  directory: InMemoryTenantDirectory,
  kind: DeltaKind,
  state: DeltaState,
  items: Record<string, unknown>[],
  options: RoundOptions & { memberChunk: number },
): DeltaState | undefined {
  if (kind === 'users') {
    const slots = directory.userSlots;
    let position = state.p;
    for (; position < slots.length && items.length < options.pageSize; position++) {
      const user = slots[position];
      if (user && options.wanted(user.id)) items.push(project(USER_SHAPE, user, options.properties));
    }
    return position < slots.length ? { ...state, p: position, m: 0 } : undefined;
  }
  const slots = directory.groupSlots;
  let position = state.p;
  let memberOffset = state.m;
  while (position < slots.length && items.length < options.pageSize) {
    const record = slots[position];
    if (!record || !options.wanted(record.group.id)) {
      position++;
      memberOffset = 0;
      continue;
    }
    const item: Record<string, unknown> =
      memberOffset === 0 ? project(GROUP_SHAPE, record.group, options.properties) : { id: record.group.id };
    if (options.withMembers) {
      const chunk = record.members.slice(memberOffset, memberOffset + options.memberChunk);
      item['members@delta'] = chunk.map((ref) => memberEntry(directory, ref)).filter(Boolean);
      if (memberOffset + options.memberChunk < record.members.length) {
        // The rest of a large group follows on the next page, as the real service does.
        items.push(item);
        return { ...state, p: position, m: memberOffset + options.memberChunk };
      }
    }
    items.push(item);
    position++;
    memberOffset = 0;
  }
  return position < slots.length ? { ...state, p: position, m: 0 } : undefined;
}

interface ObjectChange {
  id: string;
  removed: boolean;
  restorable: boolean;
  propertiesChanged: boolean;
  /** Net membership change per member id. */
  members: Map<string, { type: 'user' | 'group'; added: boolean }>;
}

/** Collapses the change log between two sequence numbers into one entry per object, in first-change order. */
function collectChanges(changes: readonly DirectoryChange[], kind: DeltaKind): ObjectChange[] {
  const byId = new Map<string, ObjectChange>();
  const entry = (id: string): ObjectChange => {
    let found = byId.get(id);
    if (!found) {
      found = { id, removed: false, restorable: false, propertiesChanged: false, members: new Map() };
      byId.set(id, found);
    }
    return found;
  };
  for (const change of changes) {
    const isUser = change.kind.startsWith('user-');
    if (kind === 'users' ? !isUser : isUser) continue;
    const target = entry(change.objectId);
    switch (change.kind) {
      case 'user-created':
      case 'group-created':
      case 'user-updated':
      case 'group-updated':
        target.propertiesChanged = true;
        target.removed = false;
        break;
      case 'user-deleted':
      case 'group-deleted':
        target.removed = true;
        target.restorable = change.restorable ?? false;
        break;
      case 'member-added':
      case 'member-removed':
        if (change.memberId)
          target.members.set(change.memberId, {
            type: change.memberType ?? 'user',
            added: change.kind === 'member-added',
          });
        break;
    }
  }
  return [...byId.values()];
}

/** Fills a page of a changes-only round. */
function changeRound(
  directory: InMemoryTenantDirectory,
  kind: DeltaKind,
  state: DeltaState,
  items: Record<string, unknown>[],
  options: RoundOptions,
): DeltaState | undefined {
  const changes = collectChanges(directory.changes.between(state.a, state.b), kind).filter(
    (change) =>
      options.wanted(change.id) &&
      (change.removed || change.propertiesChanged || (options.withMembers && change.members.size > 0)),
  );
  let position = state.p;
  for (; position < changes.length && items.length < options.pageSize; position++) {
    const change = changes[position] as ObjectChange;
    const current: EmulatedUser | EmulatedGroup | undefined =
      kind === 'users' ? directory.getUser(change.id) : directory.getGroup(change.id);
    if (change.removed || !current) {
      items.push({ id: change.id, '@removed': { reason: change.restorable ? 'changed' : 'deleted' } });
      continue;
    }
    const item =
      kind === 'users'
        ? project(USER_SHAPE, current as EmulatedUser, options.properties)
        : project(GROUP_SHAPE, current as EmulatedGroup, options.properties);
    if (options.withMembers && change.members.size > 0) {
      item['members@delta'] = [...change.members].map(([id, member]) => ({
        '@odata.type': `#microsoft.graph.${member.type}`,
        id,
        ...(member.added ? {} : { '@removed': { reason: 'deleted' } }),
      }));
    }
    items.push(item);
  }
  return position < changes.length ? { ...state, p: position, m: 0 } : undefined;
}
