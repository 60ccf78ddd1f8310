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
  retryAfterMs,
  type ServiceTargetsReader,
  type SiteTarget,
  type UserServiceHoldings,
} from '@cas/core';
import { callGraph, createTenantGraphClients, type GraphClientOptions } from './graph-client.js';
import { GraphError } from './graph-error.js';
import type { PageCollection } from '@microsoft/microsoft-graph-client';
import type { Site, User } from '@microsoft/microsoft-graph-types';

const SITE_FIELDS = 'id,webUrl,displayName,name,isPersonalSite';

/** Options of the targets reader. */
export type GraphTargetsOptions = GraphClientOptions & {
  /** Waits `ms` before retrying throttled `$batch` entries (tests may shorten it). */
  readonly sleep?: (ms: number) => Promise<void>;
};

interface BatchAnswer {
  readonly id: string;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

const RETRYABLE = new Set([429, 503, 504]);
const BATCH_ROUNDS = 4;
const MAX_BATCH_WAIT_MS = 5_000;

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

  async function holdingsBatch(
    tenantId: string,
    ids: readonly string[],
  ): Promise<(UserServiceHoldings | undefined)[]> {
    const results = new Map<string, UserServiceHoldings | undefined>();
    let pending = ids.map((id, index) => ({
      id: String(index + 1),
      method: 'GET',
      url: `/users/${encodeURIComponent(id)}?$select=id,assignedPlans`,
    }));
    for (let round = 1; pending.length > 0; round += 1) {
      const answer = await callGraph(
        'Read licence plans',
        () =>
          clientFor(tenantId).api('/$batch').post({ requests: pending }) as Promise<{
            responses?: BatchAnswer[];
          }>,
      );
      const retry: typeof pending = [];
      let wait = 0;
      for (const inner of answer.responses ?? []) {
        const request = pending.find((each) => each.id === inner.id);
        if (request === undefined) continue;
        if (inner.status === 200)
          results.set(inner.id, holdingsFromPlans((inner.body as User).assignedPlans as never));
        else if (inner.status === 404 || inner.status === 400) results.set(inner.id, undefined);
        else if (RETRYABLE.has(inner.status) && round < BATCH_ROUNDS) {
          retry.push(request);
          const header = Object.entries(inner.headers ?? {}).find(
            ([name]) => name.toLowerCase() === 'retry-after',
          )?.[1];
          wait = Math.max(wait, Math.min(MAX_BATCH_WAIT_MS, retryAfterMs(header, round, Date.now())));
        } else {
          const error = (inner.body as { error?: { code?: string; message?: string } } | undefined)?.error;
          throw new GraphError(
            'Read licence plans',
            inner.status,
            error?.code ?? 'GraphRequestFailed',
            error?.message ?? '',
          );
        }
      }
      if (pending.some((each) => !results.has(each.id) && !retry.includes(each)))
        throw new GraphError('Read licence plans', 0, 'GraphRequestFailed', 'a $batch entry got no answer');
      pending = retry;
      if (pending.length > 0) await sleep(wait);
    }
    return ids.map((_, index) => results.get(String(index + 1)));
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
