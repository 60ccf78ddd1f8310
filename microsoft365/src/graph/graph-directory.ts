/**
 * Implements core's DirectoryReader with the Microsoft Graph JavaScript SDK. This folder is the only
 * place that imports the SDK. The SDK's default middleware retries 429/503/504 honouring Retry-After.
 */
import {
  escapeODataString,
  groupKind,
  type DirectoryGroup,
  type DirectoryReader,
  type DirectoryUser,
} from '@cas/core';
import { Client, type PageCollection } from '@microsoft/microsoft-graph-client';
import { GraphError } from './graph-error.js';
import type { AppTokenSource } from '../entra/app-token-source.js';
import type { Group, User } from '@microsoft/microsoft-graph-types';

const USER_FIELDS = 'id,userPrincipalName,displayName,mail,accountEnabled,userType';
const GROUP_FIELDS = 'id,displayName,mail,groupTypes,mailEnabled,securityEnabled';

/** Options of the Graph directory. */
export interface GraphDirectoryOptions {
  /** `https://graph.microsoft.com` in production, the emulator's origin locally. */
  graphBaseUrl: string;
  tokens: Pick<AppTokenSource, 'acquire'>;
}

/** Creates the Graph-backed DirectoryReader; one SDK client per tenant (its token differs). */
export function createGraphDirectory(options: GraphDirectoryOptions): DirectoryReader {
  const base = options.graphBaseUrl.replace(/\/?$/, '/');
  const clients = new Map<string, Client>();

  function clientFor(tenantId: string): Client {
    let client = clients.get(tenantId);
    if (!client) {
      client = Client.initWithMiddleware({
        baseUrl: base,
        // Without customHosts the SDK silently drops the Authorization header for non-Graph hosts.
        customHosts: new Set([new URL(base).hostname]),
        authProvider: {
          getAccessToken: async () => (await options.tokens.acquire(tenantId, 'microsoftGraph')).accessToken,
        },
      });
      clients.set(tenantId, client);
    }
    return client;
  }

  async function call<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw GraphError.from(error, name);
    }
  }

  return {
    async findUserByPrincipalName(tenantId, userPrincipalName) {
      // The SDK does not URL-encode filter values; '#' (guests) and '+' would otherwise break the URL.
      const literal = encodeURIComponent(escapeODataString(userPrincipalName));
      const page = await call(
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
      const page = await call(
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
        const page: PageCollection = await call(
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
      const page = await call(
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
