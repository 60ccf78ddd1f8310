/**
 * Implements core's ServiceTargetsReader with the Graph SDK: SharePoint site collections
 * (`/sites/{hostname}:/{path}`, `/sites/getAllSites` paged), users' licence plans
 * (`assignedPlans`, through `$batch`), mailboxes (`mailFolders/inbox`) and OneDrives (`/drive`).
 *
 * Permissions, least privileged: `Sites.Read.All` (SharePoint's Graph step) for sites;
 * `User.Read.All` (every Graph step) for `assignedPlans`; `Mail.ReadWrite` (Exchange's Graph step,
 * needed anyway for scanning and quarantine) for the mailbox probe — `MailboxSettings.Read` would
 * be one more permission to consent to for nothing; `Files.Read.All` (OneDrive's) for drives.
 */
import {
  GRAPH_MAX_BATCH_SIZE,
  holdingsFromPlans,
  type ServiceTargetsReader,
  type SiteTarget,
  type UserServiceHoldings,
} from '@cas/core';
import { readEachInBatch } from './graph-batch.js';
import { callGraph, createTenantGraphClients, type GraphClientOptions } from './graph-client.js';
import { GraphError } from './graph-error.js';
import type { GraphSyncSession } from './graph-sync-client.js';
import type { PageCollection } from '@microsoft/microsoft-graph-client';
import type { Site, User } from '@microsoft/microsoft-graph-types';

const SITE_FIELDS = 'id,webUrl,displayName,name,isPersonalSite';

/** Options of the targets reader. */
export type GraphTargetsOptions = GraphClientOptions & {
  /** Waits `ms` before retrying throttled `$batch` entries (tests may shorten it). */
  readonly sleep?: (ms: number) => Promise<void>;
};

function toSiteTarget(site: Site): SiteTarget {
  return {
    siteId: site.id ?? '',
    webUrl: site.webUrl ?? '',
    displayName: site.displayName || site.name || site.webUrl || '',
  };
}

/** Creates the Graph-backed ServiceTargetsReader; one SDK client per tenant. */
export function createGraphTargets(options: GraphTargetsOptions): ServiceTargetsReader {
  const clientFor = createTenantGraphClients(options);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /** Runs a probe whose 404 means "none": true on 200, false on 404, GraphError otherwise. */
  async function exists(call: string, run: () => Promise<unknown>): Promise<boolean> {
    try {
      await callGraph(call, run);
      return true;
    } catch (error) {
      if (error instanceof GraphError && error.statusCode === 404) return false;
      throw error;
    }
  }

  function holdingsBatch(
    tenantId: string,
    ids: readonly string[],
  ): Promise<(UserServiceHoldings | undefined)[]> {
    return readEachInBatch({
      call: 'Read licence plans',
      urls: ids.map((id) => `/users/${encodeURIComponent(id)}?$select=id,assignedPlans`),
      post: (requests) =>
        clientFor(tenantId).api('/$batch').post({ requests }) as Promise<{ responses?: never[] }>,
      read: (body) => holdingsFromPlans((body as User).assignedPlans as never),
      sleep,
    });
  }

  return {
    async findSiteCollection(tenantId, url) {
      // The path is ours (validated by core): hostname then the server-relative path.
      const path =
        url.serverRelativePath === '/'
          ? `/sites/${url.hostname}`
          : `/sites/${url.hostname}:${url.serverRelativePath.split('/').map(encodeURIComponent).join('/')}`;
      try {
        const site = await callGraph(
          'Verify site collection',
          () => clientFor(tenantId).api(path).select(SITE_FIELDS).get() as Promise<Site>,
        );
        return toSiteTarget(site);
      } catch (error) {
        if (error instanceof GraphError && error.statusCode === 404) return undefined;
        throw error;
      }
    },

    async listSiteCollections(tenantId, { pageSize, cursor }) {
      const client = clientFor(tenantId);
      // A cursor is the nextLink Graph gave; only that, on the configured Graph host, is followed.
      const request =
        cursor === undefined
          ? client
              .api('/sites/getAllSites')
              .select(SITE_FIELDS)
              .top(Math.min(Math.max(pageSize, 1), 999))
          : client.api(checkedNextLink(cursor, options.graphBaseUrl));
      const page = await callGraph('List site collections', () => request.get() as Promise<PageCollection>);
      const sites = (page.value as Site[]).filter((site) => site.isPersonalSite !== true).map(toSiteTarget);
      return { sites, next: page['@odata.nextLink'] ?? null };
    },

    async findSitesById(tenantId, siteIds) {
      const found: (SiteTarget | undefined)[] = [];
      for (let start = 0; start < siteIds.length; start += GRAPH_MAX_BATCH_SIZE) {
        const ids = siteIds.slice(start, start + GRAPH_MAX_BATCH_SIZE);
        found.push(
          ...(await readEachInBatch({
            call: 'Read site collections',
            urls: ids.map((id) => `/sites/${encodeURIComponent(id)}?$select=${SITE_FIELDS}`),
            post: (requests) =>
              clientFor(tenantId).api('/$batch').post({ requests }) as Promise<{ responses?: never[] }>,
            read: (body) => toSiteTarget(body as Site),
            sleep,
          })),
        );
      }
      return found;
    },

    async findUserHoldings(tenantId, userIds) {
      const found: (UserServiceHoldings | undefined)[] = [];
      for (let start = 0; start < userIds.length; start += GRAPH_MAX_BATCH_SIZE)
        found.push(...(await holdingsBatch(tenantId, userIds.slice(start, start + GRAPH_MAX_BATCH_SIZE))));
      return found;
    },

    hasMailbox(tenantId, userId) {
      return exists('Check mailbox', () =>
        clientFor(tenantId)
          .api(`/users/${encodeURIComponent(userId)}/mailFolders/inbox`)
          .select('id')
          .get(),
      );
    },

    hasOneDrive(tenantId, userId) {
      return exists('Check OneDrive', () =>
        clientFor(tenantId)
          .api(`/users/${encodeURIComponent(userId)}/drive`)
          .select('id')
          .get(),
      );
    },
  };
}

/** A stored cursor must be a Graph URL on our Graph host: a tampered one is refused, not fetched. */
function checkedNextLink(cursor: string, graphBaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(cursor);
  } catch {
    throw new GraphError('List site collections', 0, 'InvalidCursor', 'the page cursor is not a URL');
  }
  if (url.origin !== new URL(graphBaseUrl).origin || !url.pathname.startsWith('/v1.0/sites/getAllSites'))
    throw new GraphError(
      'List site collections',
      0,
      'InvalidCursor',
      'the page cursor is not a Graph sites link',
    );
  return cursor;
}

/**
 * The sync's reader of site collections: the same reads as `createGraphTargets` (getAllSites paged,
 * sites by id in `$batch` of 20), sent through a sync session so they are paced under the tenant's
 * and the app's quota, counted in the run's Graph requests, and sent with the session's app token
 * (SharePoint Online's Graph app). Its page cursors are Graph's own links, kept in checkpoints.
 */
export function createSessionSiteReader(
  session: GraphSyncSession,
): Pick<ServiceTargetsReader, 'listSiteCollections' | 'findSitesById'> {
  const sameTenant = (tenantId: string) => {
    if (tenantId !== session.tenantId)
      throw new RangeError(`This session reads tenant ${session.tenantId}, not ${tenantId}`);
  };
  return {
    async listSiteCollections(tenantId, { pageSize, cursor }) {
      sameTenant(tenantId);
      const top = Math.min(Math.max(pageSize, 1), 999);
      const page = await session.get(cursor ?? `/sites/getAllSites?$select=${SITE_FIELDS}&$top=${top}`);
      const value = Array.isArray(page.value) ? (page.value as Site[]) : [];
      const next = page['@odata.nextLink'];
      return {
        sites: value.filter((site) => site.isPersonalSite !== true).map(toSiteTarget),
        next: typeof next === 'string' ? next : null,
      };
    },

    async findSitesById(tenantId, siteIds) {
      sameTenant(tenantId);
      const found: (SiteTarget | undefined)[] = [];
      for (let start = 0; start < siteIds.length; start += GRAPH_MAX_BATCH_SIZE) {
        const ids = siteIds.slice(start, start + GRAPH_MAX_BATCH_SIZE);
        const responses = await session.batchGet(
          ids.map((id) => `/sites/${encodeURIComponent(id)}?$select=${SITE_FIELDS}`),
        );
        for (const response of responses) {
          if (response.status === 200) found.push(toSiteTarget(response.body as Site));
          // SharePoint answers 404 itemNotFound for a site that no longer exists.
          else if (response.status === 404) found.push(undefined);
          else {
            const error = (response.body as { error?: { code?: string; message?: string } } | null)?.error;
            throw new GraphError(
              'Read site collections',
              response.status,
              error?.code ?? 'GraphRequestFailed',
              error?.message ?? `$batch entry answered ${response.status}`,
            );
          }
        }
      }
      return found;
    },
  };
}
