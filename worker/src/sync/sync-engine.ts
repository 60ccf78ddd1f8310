/**
 * Runs one claimed sync run against Graph, page by page. Every page is applied to the directory
 * snapshot in the same transaction as the checkpoint that says it was applied (fenced by the
 * lease), so a process killed mid-run resumes at the next page without losing or repeating one.
 * Memory holds one page at a time, whatever the tenant's size. After the directory, each service's
 * protected targets: users' mailboxes and OneDrives come with the users (`assignedPlans`), and
 * SharePoint Online's site collections are enumerated (all targets) or read by id (selected),
 * page by page with the same checkpoints (ADR 0015).
 */
import {
  allUsersRoundMode,
  picksUsers,
  DEFAULT_FULL_ROUND_INTERVAL_MS,
  GRAPH_APP_OF,
  groupsDeltaPageChanges,
  snapshotKeyOf,
  GRAPH_MAX_BATCH_SIZE,
  GRAPH_MAX_PAGE_SIZE,
  SYNC_GROUP_FIELDS,
  SYNC_USER_FIELDS,
  usersPageChanges,
  type DirectoryPageChanges,
  type DirectorySnapshotKey,
  type Repositories,
  type SiteCollectionPage,
  type SiteTarget,
  type Store,
  type SyncCancelReason,
  type SyncMissingTarget,
  type SyncRun,
  type Target,
} from '@cas/core';
import {
  createSessionSiteReader,
  isDeltaExpired,
  type GraphSyncClient,
  type GraphSyncMeter,
  type GraphSyncSession,
} from '@cas/microsoft365';

/** Where a run stands; stored as the job's checkpoint after every page. */
export interface SyncCheckpoint {
  readonly mode: 'full' | 'delta' | 'selected';
  readonly phase:
    | 'usersLatest'
    | 'users'
    | 'groups'
    | 'usersDelta'
    | 'groupsDelta'
    | 'selected'
    | 'sweep'
    /** SharePoint Online in all mode: every site collection, page by page (`link` is the cursor). */
    | 'sites'
    /** SharePoint Online in selected mode: its selected sites, 20 per `$batch` (`index`). */
    | 'selectedSites'
    /** Everything is written; only the outcome is left to record. */
    | 'done';
  /** Round marker of this run's writes (the run id). */
  readonly round: string;
  /** The next Graph link of the phase. */
  readonly link: string | null;
  /** Full round: the users delta link taken before enumerating, stored when the round completes. */
  readonly usersDeltaLink: string | null;
  readonly groupsDeltaLink: string | null;
  /** Selected mode: index of the next target to fetch. */
  readonly index: number;
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly graphRequests: number;
  /** Selected mode: targets Graph no longer knows, so far (absent in checkpoints of older releases). */
  readonly missingTargets?: readonly SyncMissingTarget[];
}

/** Totals of a finished run. */
export interface SyncTotals {
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly graphRequests: number;
  /** Selected mode: targets the directory no longer had. */
  readonly missingTargets: readonly SyncMissingTarget[];
  /** The run ended with a full (reconciling) round of all users and groups. */
  readonly fullRound: boolean;
  /** The Graph meter of this process's share of the run (for logs and the benchmark). */
  readonly meter: GraphSyncMeter;
}

/** The lease was lost (another worker took the run over): stop without writing anything else. */
export class SyncLeaseLostError extends Error {
  constructor(runId: string) {
    super(`Lease of sync run ${runId} was lost`);
    this.name = 'SyncLeaseLostError';
  }
}

/**
 * The run no longer applies to what its service holds now (R14), found when the engine read the
 * service's targets: it wrote nothing, and the executor cancels it with `reason`.
 */
export class SyncNotApplicableError extends Error {
  readonly reason: SyncCancelReason;

  constructor(runId: string, reason: SyncCancelReason) {
    super(`Sync run ${runId} no longer applies (${reason})`);
    this.name = 'SyncNotApplicableError';
    this.reason = reason;
  }
}

/** What the engine needs. */
export interface SyncEngineOptions {
  readonly store: Store;
  readonly graph: GraphSyncClient;
  /** Current time as ISO-8601. */
  readonly now: () => string;
  /** Called after every committed page (tests use it to stop a process mid-run). */
  readonly onPage?: (checkpoint: SyncCheckpoint) => void | Promise<void>;
  /** Time between reconciling full rounds of a snapshot kept by delta rounds (default a week). */
  readonly fullRoundIntervalMs?: number;
  /**
   * Time after which a delta round enumerates SharePoint Online's site collections again (default a
   * day; full rounds always do): Graph reports no deleted site, so sites are re-read (ADR 0015).
   */
  readonly siteRoundIntervalMs?: number;
  /**
   * Read the next Graph page while the current one is written (default true). The benchmark turns
   * it off to measure what the second page in memory costs.
   */
  readonly readAhead?: boolean;
}

/** A day: an idle tenant re-reads its site collections once a day, not on every delta round. */
export const DEFAULT_SITE_ROUND_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** getAllSites' largest page: fewer requests for the same sites, one page in memory. */
const SITE_PAGE_SIZE = 999;

const USERS_PATH = `/users?$select=${SYNC_USER_FIELDS}&$top=${GRAPH_MAX_PAGE_SIZE}`;
const USERS_LATEST_PATH = `/users/delta?$select=${SYNC_USER_FIELDS}&$deltatoken=latest`;
const GROUPS_DELTA_PATH = `/groups/delta?$select=${SYNC_GROUP_FIELDS},members`;

/** The checkpoint a run starts from when it has none; `mode` decides all-users runs (R4). */
export function initialCheckpoint(run: SyncRun, mode: 'full' | 'delta'): SyncCheckpoint {
  const base = {
    round: run.id,
    usersDeltaLink: null,
    groupsDeltaLink: null,
    index: 0,
    added: 0,
    updated: 0,
    removed: 0,
    graphRequests: 0,
  };
  if (run.scope === 'selectedUsers')
    return {
      ...base,
      mode: 'selected',
      phase: picksUsers(run.service) ? 'selected' : 'selectedSites',
      link: null,
    };
  // The links themselves are read when the delta phases start.
  if (mode === 'delta') return { ...base, mode: 'delta', phase: 'usersDelta', link: null };
  return fullRoundCheckpoint(base);
}

function fullRoundCheckpoint(
  base: Pick<SyncCheckpoint, 'round' | 'added' | 'updated' | 'removed' | 'graphRequests'>,
): SyncCheckpoint {
  return {
    ...base,
    mode: 'full',
    phase: 'usersLatest',
    link: USERS_LATEST_PATH,
    usersDeltaLink: null,
    groupsDeltaLink: null,
    index: 0,
  };
}

/** Synchronizes the run's tenant directory from `start` to the end; returns the totals. */
export async function runSync(
  options: SyncEngineOptions,
  run: SyncRun,
  owner: string,
  start: SyncCheckpoint | null,
): Promise<SyncTotals> {
  const { store } = options;
  const key: DirectorySnapshotKey = snapshotKeyOf(run);
  const session = options.graph.session(run.tenantId, GRAPH_APP_OF[run.service]);
  let checkpoint = start ?? initialCheckpoint(run, await roundMode(options, run, key));
  const requestsBefore = checkpoint.graphRequests;
  // SharePoint Online's sites are read with its own Graph app (Sites.Read.All is consented there),
  // paced and counted like the directory's reads.
  let sitesSession: GraphSyncSession | undefined = run.service === 'sharePointOnline' ? session : undefined;
  const siteReader = () => {
    sitesSession ??= options.graph.session(run.tenantId, GRAPH_APP_OF.sharePointOnline);
    return createSessionSiteReader(sitesSession);
  };
  let sitesAhead: { readonly cursor: string; readonly page: Promise<SiteCollectionPage> } | undefined;
  const readSites = (cursor: string | null): Promise<SiteCollectionPage> => {
    const prefetched = sitesAhead;
    sitesAhead = undefined;
    if (prefetched !== undefined && prefetched.cursor === cursor) return prefetched.page;
    return siteReader().listSiteCollections(run.tenantId, {
      pageSize: SITE_PAGE_SIZE,
      cursor: cursor ?? undefined,
    });
  };
  const readSitesAhead = (cursor: string | null) => {
    if (cursor === null) return;
    const page = siteReader().listSiteCollections(run.tenantId, { pageSize: SITE_PAGE_SIZE, cursor });
    page.catch(() => undefined);
    sitesAhead = { cursor, page };
  };
  const requests = () =>
    requestsBefore +
    session.meter.requests +
    (sitesSession === session ? 0 : (sitesSession?.meter.requests ?? 0));

  // The next page is read while this one is written: Graph's latency and the database's writes
  // overlap. At most one page waits (memory of two pages); a failure surfaces when it is used.
  let ahead: { readonly link: string; readonly page: Promise<Record<string, unknown>> } | undefined;
  const read = (link: string): Promise<Record<string, unknown>> => {
    const prefetched = ahead;
    ahead = undefined;
    return prefetched?.link === link ? prefetched.page : session.get(link);
  };
  const readAhead = (link: string | null) => {
    if (link === null || options.readAhead === false) return;
    const page = session.get(link);
    page.catch(() => undefined);
    ahead = { link, page };
  };

  /** Applies a page's writes and the next checkpoint in one transaction, fenced by the lease. */
  async function commit(next: SyncCheckpoint, write: (tx: Repositories) => Promise<Partial<Counts>>) {
    const saved = await store.transaction(async (tx) => {
      const counts = await write(tx);
      const withCounts: SyncCheckpoint = {
        ...next,
        added: next.added + (counts.added ?? 0),
        updated: next.updated + (counts.updated ?? 0),
        removed: next.removed + (counts.removed ?? 0),
        graphRequests: requests(),
      };
      if (!(await tx.syncJobs.saveCheckpoint(run.id, owner, withCounts)))
        throw new SyncLeaseLostError(run.id);
      return withCounts;
    });
    checkpoint = saved;
    await options.onPage?.(saved);
  }

  const provisioning = await store.provisioning.get(run.tenantId);
  const account = provisioning?.services[run.service];
  const targets: readonly Target[] = checkpoint.mode === 'selected' ? (account?.targets ?? []) : [];
  const selectedSites: readonly SiteTarget[] =
    checkpoint.mode === 'selected' && !picksUsers(run.service) ? (account?.sites ?? []) : [];
  // An empty selection must never reach the sweep: it would empty the whole synchronized directory
  // (or SharePoint Online's protected sites).
  if (checkpoint.mode === 'selected' && targets.length === 0 && selectedSites.length === 0)
    throw new SyncNotApplicableError(run.id, 'noTargets');

  /**
   * After the tenant's directory, whether this round also enumerates SharePoint Online's site
   * collections: when SharePoint Online protects all targets, on full rounds, and on delta rounds
   * once the last enumeration is a day old (ADR 0015). Decided in the commit that ends the
   * directory, so a resumed run follows the same path.
   */
  async function sitesDue(mode: SyncCheckpoint['mode']): Promise<boolean> {
    if (mode === 'selected') return false;
    const sharePoint = provisioning?.services.sharePointOnline;
    if (sharePoint?.status !== 'protected' || sharePoint.scope !== 'allUsersAndGroups') return false;
    if (mode === 'full') return true;
    const last = await store.protectedSites.lastEnumeratedAt(run.tenantId);
    return (
      last === null ||
      Date.parse(options.now()) - Date.parse(last) >=
        (options.siteRoundIntervalMs ?? DEFAULT_SITE_ROUND_INTERVAL_MS)
    );
  }

  for (;;) {
    const current = checkpoint;
    switch (current.phase) {
      case 'usersLatest': {
        // The delta link is taken before enumerating: changes made during the enumeration are
        // replayed by the next delta round, which is harmless because delta reports state.
        const page = await session.get(current.link ?? USERS_LATEST_PATH);
        const latest = deltaLinkOf(page);
        await commit(
          { ...current, phase: 'users', link: USERS_PATH, usersDeltaLink: latest },
          async () => ({}),
        );
        break;
      }
      case 'users': {
        const page = await read(current.link ?? USERS_PATH);
        const next = nextLinkOf(page);
        // The groups round does not depend on the users: its first page is read meanwhile too.
        readAhead(next ?? GROUPS_DELTA_PATH);
        await commit(
          next === null
            ? { ...current, phase: 'groups', link: GROUPS_DELTA_PATH }
            : { ...current, link: next },
          (tx) => apply(tx, key, current.round, usersPageChanges(valueOf(page))),
        );
        break;
      }
      case 'groups': {
        const page = await read(current.link ?? GROUPS_DELTA_PATH);
        const next = nextLinkOf(page);
        readAhead(next);
        await commit(
          next === null
            ? { ...current, phase: 'sweep', link: null, groupsDeltaLink: deltaLinkOf(page) }
            : { ...current, link: next },
          (tx) => apply(tx, key, current.round, groupsDeltaPageChanges(valueOf(page))),
        );
        break;
      }
      case 'selected': {
        const batch = targets.slice(current.index, current.index + GRAPH_MAX_BATCH_SIZE);
        if (batch.length === 0) {
          await commit({ ...current, phase: 'sweep' }, async () => ({}));
          break;
        }
        const responses = await session.batchGet(
          batch.map((target) => `/users/${encodeURIComponent(target.userId)}?$select=${SYNC_USER_FIELDS}`),
        );
        const found: Record<string, unknown>[] = [];
        const missing: SyncMissingTarget[] = [];
        responses.forEach((response, index) => {
          const target = batch[index];
          if (response.status === 200) found.push(response.body as Record<string, unknown>);
          // A target deleted from the directory is not kept, and the run reports it; anything
          // else is a failure.
          else if (response.status === 404 && target !== undefined)
            missing.push({
              userId: target.userId,
              userPrincipalName: target.userPrincipalName,
              displayName: target.displayName,
            });
          else throw new Error(`Graph $batch user read answered ${response.status}`);
        });
        await commit(
          {
            ...current,
            index: current.index + batch.length,
            missingTargets: [...(current.missingTargets ?? []), ...missing],
          },
          (tx) => apply(tx, key, current.round, usersPageChanges(found)),
        );
        break;
      }
      case 'sweep': {
        const next = (await sitesDue(current.mode)) ? 'sites' : 'done';
        await commit({ ...current, phase: next, link: null }, async (tx) => {
          const swept = await tx.directorySnapshots.sweep(key, current.round);
          const at = options.now();
          await tx.directorySnapshots.setDeltaLink(key, 'users', current.usersDeltaLink, at);
          await tx.directorySnapshots.setDeltaLink(key, 'groups', current.groupsDeltaLink, at);
          if (current.mode === 'full')
            await tx.directorySnapshots.recordRound(key, { full: true, startedAt: run.startedAt ?? at });
          return { removed: swept.users + swept.groups };
        });
        break;
      }
      case 'sites': {
        const page = await readSites(current.link);
        const last = page.next === null;
        // As with the directory, the next page is read while this one is written.
        readSitesAhead(page.next);
        await commit(
          last ? { ...current, phase: 'done', link: null } : { ...current, link: page.next },
          async (tx) => {
            await tx.protectedSites.upsert(run.tenantId, page.sites, current.round);
            // The enumeration saw every site collection: the ones it did not see are gone.
            if (last) {
              await tx.protectedSites.sweep(run.tenantId, current.round);
              await tx.protectedSites.recordEnumeration(run.tenantId, options.now());
            }
            return {};
          },
        );
        break;
      }
      case 'selectedSites': {
        const batch = selectedSites.slice(current.index, current.index + GRAPH_MAX_BATCH_SIZE);
        if (batch.length === 0) {
          await commit({ ...current, phase: 'done' }, async (tx) => {
            await tx.protectedSites.sweep(run.tenantId, current.round);
            // What is stored now is the selection, not an enumeration: all mode must enumerate again.
            await tx.protectedSites.recordEnumeration(run.tenantId, null);
            return {};
          });
          break;
        }
        const found = await siteReader().findSitesById(
          run.tenantId,
          batch.map((site) => site.siteId),
        );
        const sites: SiteTarget[] = [];
        const missing: SyncMissingTarget[] = [];
        batch.forEach((selected, index) => {
          const site = found[index];
          if (site !== undefined) sites.push(site);
          // A deleted site collection is not protected any more, and the run reports it.
          else
            missing.push({
              userId: selected.siteId,
              userPrincipalName: selected.webUrl,
              displayName: selected.displayName,
              webUrl: selected.webUrl,
            });
        });
        await commit(
          {
            ...current,
            index: current.index + batch.length,
            missingTargets: [...(current.missingTargets ?? []), ...missing],
          },
          async (tx) => {
            await tx.protectedSites.upsert(run.tenantId, sites, current.round);
            return {};
          },
        );
        break;
      }
      case 'done':
        return totals(checkpoint, session.meter);
      case 'usersDelta':
      case 'groupsDelta': {
        const collection = current.phase === 'usersDelta' ? 'users' : 'groups';
        let page: Record<string, unknown>;
        try {
          page = await read(
            current.link ?? (await store.directorySnapshots.deltaLink(key, collection)) ?? USERS_LATEST_PATH,
          );
        } catch (error) {
          if (!isDeltaExpired(error)) throw error;
          // An expired delta token: start again with a full round, keeping the counts so far.
          await commit(fullRoundCheckpoint(current), async (tx) => {
            await tx.directorySnapshots.setDeltaLink(key, 'users', null, options.now());
            await tx.directorySnapshots.setDeltaLink(key, 'groups', null, options.now());
            return {};
          });
          break;
        }
        const next = nextLinkOf(page);
        readAhead(next);
        const changes =
          collection === 'users' ? usersPageChanges(valueOf(page)) : groupsDeltaPageChanges(valueOf(page));
        if (next !== null) {
          await commit({ ...current, link: next }, (tx) => apply(tx, key, current.round, changes));
          break;
        }
        const deltaLink = deltaLinkOf(page);
        const done = collection === 'groups';
        const after = done ? ((await sitesDue(current.mode)) ? 'sites' : 'done') : 'groupsDelta';
        await commit({ ...current, phase: after, link: null }, async (tx) => {
          const counts = await apply(tx, key, current.round, changes);
          await tx.directorySnapshots.setDeltaLink(key, collection, deltaLink, options.now());
          if (done)
            await tx.directorySnapshots.recordRound(key, {
              full: false,
              startedAt: run.startedAt ?? options.now(),
            });
          return counts;
        });
        break;
      }
    }
  }
}

/** R4: whether an all-users run without a checkpoint starts as a delta or a full round. */
async function roundMode(
  options: SyncEngineOptions,
  run: SyncRun,
  key: DirectorySnapshotKey,
): Promise<'full' | 'delta'> {
  if (run.scope !== 'allUsersAndGroups') return 'full';
  const { directorySnapshots } = options.store;
  const users = await directorySnapshots.deltaLink(key, 'users');
  const groups = await directorySnapshots.deltaLink(key, 'groups');
  return allUsersRoundMode({
    trigger: run.trigger,
    hasDeltaLinks: users !== undefined && groups !== undefined,
    lastFullRoundStartedAt: (await directorySnapshots.rounds(key)).lastFullRoundStartedAt,
    now: options.now(),
    fullRoundIntervalMs: options.fullRoundIntervalMs ?? DEFAULT_FULL_ROUND_INTERVAL_MS,
  });
}

interface Counts {
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
}

async function apply(
  tx: Repositories,
  key: DirectorySnapshotKey,
  round: string,
  changes: DirectoryPageChanges,
): Promise<Counts> {
  const snapshots = tx.directorySnapshots;
  const users = await snapshots.upsertUsers(key, changes.upsertUsers, round);
  const groups = await snapshots.upsertGroups(key, changes.upsertGroups, round);
  const removed =
    (await snapshots.removeUsers(key, changes.removeUserIds)) +
    (await snapshots.removeGroups(key, changes.removeGroupIds));
  await snapshots.removeMemberships(key, changes.removeMemberships);
  await snapshots.addMemberships(key, changes.addMemberships, round);
  return { added: users.added + groups.added, updated: users.updated + groups.updated, removed };
}

function totals(checkpoint: SyncCheckpoint, meter: GraphSyncMeter): SyncTotals {
  return {
    added: checkpoint.added,
    updated: checkpoint.updated,
    removed: checkpoint.removed,
    graphRequests: checkpoint.graphRequests,
    missingTargets: checkpoint.missingTargets ?? [],
    fullRound: checkpoint.mode === 'full',
    meter,
  };
}

function valueOf(page: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(page.value) ? (page.value as Record<string, unknown>[]) : [];
}

function nextLinkOf(page: Record<string, unknown>): string | null {
  return typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : null;
}

function deltaLinkOf(page: Record<string, unknown>): string | null {
  return typeof page['@odata.deltaLink'] === 'string' ? page['@odata.deltaLink'] : null;
}
