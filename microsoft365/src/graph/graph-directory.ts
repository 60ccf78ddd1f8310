/**
 * Implements core's DirectoryReader with the Microsoft Graph JavaScript SDK (clients from
 * graph-client.ts). This folder is the only place that imports the SDK.
 */
import {
  escapeODataString,
  GRAPH_MAX_BATCH_SIZE,
  groupKind,
  type DirectoryGroup,
  type DirectoryReader,
  type DirectoryUser,
} from '@cas/core';
import { readEachInBatch } from './graph-batch.js';
import { callGraph, createTenantGraphClients, type GraphClientOptions } from './graph-client.js';
import type { PageCollection } from '@microsoft/microsoft-graph-client';
import type { Group, User } from '@microsoft/microsoft-graph-types';

const USER_FIELDS = 'id,userPrincipalName,displayName,mail,accountEnabled,userType';
const GROUP_FIELDS = 'id,displayName,mail,groupTypes,mailEnabled,securityEnabled';

/** Options of the Graph directory. */
export type GraphDirectoryOptions = GraphClientOptions & {
  /** Waits `ms` before retrying throttled `$batch` entries (tests may shorten it). Default `setTimeout`. */
  readonly sleep?: (ms: number) => Promise<void>;
};

/** Creates the Graph-backed DirectoryReader; one SDK client per tenant (its token differs). */
export function createGraphDirectory(options: GraphDirectoryOptions): DirectoryReader {
  const clientFor = createTenantGraphClients(options);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /** Reads up to 20 users by id in one `$batch`, retrying only the entries Graph throttled. */
  function usersBatch(tenantId: string, ids: readonly string[]): Promise<(DirectoryUser | undefined)[]> {
    return readEachInBatch({
      call: 'Verify selected targets',
      urls: ids.map((id) => `/users/${encodeURIComponent(id)}?$select=${USER_FIELDS}`),
      post: (requests) =>
        clientFor(tenantId).api('/$batch').post({ requests }) as Promise<{ responses?: never[] }>,
      read: (body) => toDirectoryUser(body as User),
      sleep,
    });
  }

  return {
    async findUserByPrincipalName(tenantId, userPrincipalName) {
      // The SDK does not URL-encode filter values; '#' (guests) and '+' would otherwise break the URL.
      const literal = encodeURIComponent(escapeODataString(userPrincipalName));
      const page = await callGraph(
        'Verify user by UPN',
        () =>
          clientFor(tenantId)
            .api('/users')
            .filter(`userPrincipalName eq '${literal}'`)
            .select(USER_FIELDS)
            .top(1)
            .get() as Promise<PageCollection>,
      );
      const user = (page.value as User[])[0];
      return user ? toDirectoryUser(user) : undefined;
    },

    async searchGroups(tenantId, query, { limit }) {
      const term = encodeURIComponent(query.replace(/["\\]/g, '\\$&'));
      const page = await callGraph(
        'Search groups',
        () =>
          clientFor(tenantId)
            .api('/groups')
            .header('ConsistencyLevel', 'eventual')
            .search(`"displayName:${term}"`)
            .select(GROUP_FIELDS)
            .top(Math.min(Math.max(limit, 1), 999))
            .get() as Promise<PageCollection>,
      );
      return (page.value as Group[]).slice(0, limit).map(toDirectoryGroup);
    },

    async listGroupUsers(tenantId, groupId, { limit }) {
      const users: DirectoryUser[] = [];
      let next: string | undefined =
        `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user`;
      let first = true;
      while (next && users.length <= limit) {
        const request = clientFor(tenantId).api(next);
        if (first) request.select(USER_FIELDS).top(Math.min(limit + 1, 999));
        const path: string = next;
        const page: PageCollection = await callGraph(
          'List group users',
          () => request.get() as Promise<PageCollection>,
        );
        users.push(...(page.value as User[]).map(toDirectoryUser));
        next = page['@odata.nextLink'];
        first = false;
        if (path === next) break;
      }
      return { users: users.slice(0, limit), more: users.length > limit || Boolean(next) };
    },

    async countUsers(tenantId) {
      const page = await callGraph(
        'Count users',
        () =>
          clientFor(tenantId)
            .api('/users')
            .header('ConsistencyLevel', 'eventual')
            .count(true)
            .select('id')
            .top(1)
            .get() as Promise<PageCollection>,
      );
      return typeof page['@odata.count'] === 'number' ? page['@odata.count'] : 0;
    },

    async findUsersByIds(tenantId, ids) {
      const found: (DirectoryUser | undefined)[] = [];
      // Graph's limit is 20 requests per $batch: 100 Selected Targets cost 5 requests.
      for (let start = 0; start < ids.length; start += GRAPH_MAX_BATCH_SIZE)
        found.push(...(await usersBatch(tenantId, ids.slice(start, start + GRAPH_MAX_BATCH_SIZE))));
      return found;
    },
  };
}

function toDirectoryUser(user: User): DirectoryUser {
  return {
    id: user.id ?? '',
    userPrincipalName: user.userPrincipalName ?? '',
    displayName: user.displayName ?? user.userPrincipalName ?? '',
    mail: user.mail ?? null,
    accountEnabled: user.accountEnabled ?? true,
    userType: user.userType === 'Guest' ? 'Guest' : 'Member',
  };
}

function toDirectoryGroup(group: Group): DirectoryGroup {
  return {
    id: group.id ?? '',
    displayName: group.displayName ?? '',
    mail: group.mail ?? null,
    kind: groupKind(group),
  };
}
