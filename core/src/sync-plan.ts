/**
 * Pure decisions of the directory synchronization: what a Graph page changes in the stored
 * snapshot, how retries back off, how long to wait on `Retry-After`, and how requests are paced
 * to stay under the throttling quota. The worker does the I/O; these functions decide.
 */
import { groupKind, type DirectoryGroup, type DirectoryUser } from './directory.js';
import { holdingsFromPlans, type AssignedPlan } from './service-targets.js';
import type { SyncRun, SyncTrigger } from './model.js';
import type { DirectorySnapshotKey } from './ports.js';

/** A direct membership: a user or a nested group inside a group. */
export interface DirectoryMembership {
  readonly groupId: string;
  readonly memberId: string;
  readonly memberType: 'user' | 'group';
}

/** What one Graph page changes in a tenant's directory snapshot. */
export interface DirectoryPageChanges {
  readonly upsertUsers: readonly DirectoryUser[];
  readonly removeUserIds: readonly string[];
  readonly upsertGroups: readonly DirectoryGroup[];
  readonly removeGroupIds: readonly string[];
  readonly addMemberships: readonly DirectoryMembership[];
  readonly removeMemberships: readonly DirectoryMembership[];
}

/**
 * The `$select` of users the product keeps (the fields of `DirectoryUser`): `assignedPlans` gives
 * each user's mailbox and OneDrive in the same reads (user delta tracks it; Microsoft documents
 * only `licenseAssignmentStates` as untracked), so those targets cost no request of their own.
 */
export const SYNC_USER_FIELDS = 'id,userPrincipalName,displayName,mail,accountEnabled,userType,assignedPlans';
/** The `$select` of groups the product keeps, plus `members` for group delta. */
export const SYNC_GROUP_FIELDS = 'id,displayName,mail,groupTypes,mailEnabled,securityEnabled';

/** Graph's largest page for `/users` and `/groups`. */
export const GRAPH_MAX_PAGE_SIZE = 999;
/** Graph's largest `$batch`. */
export const GRAPH_MAX_BATCH_SIZE = 20;

type GraphItem = Readonly<Record<string, unknown>>;

function isRemoved(item: GraphItem): boolean {
  return typeof item['@removed'] === 'object' && item['@removed'] !== null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A Graph user object (from `/users`, `/users/delta` or `$batch`) as the product keeps it. */
export function directoryUserFromGraph(item: GraphItem): DirectoryUser {
  const upn = text(item.userPrincipalName) ?? '';
  return {
    id: String(item.id),
    userPrincipalName: upn,
    displayName: text(item.displayName) ?? upn,
    mail: text(item.mail),
    accountEnabled: item.accountEnabled !== false,
    userType: item.userType === 'Guest' ? 'Guest' : 'Member',
    ...(Array.isArray(item.assignedPlans)
      ? { holdings: holdingsFromPlans(item.assignedPlans as AssignedPlan[]) }
      : {}),
  };
}

/** A Graph group object as the product keeps it. */
export function directoryGroupFromGraph(item: GraphItem): DirectoryGroup {
  return {
    id: String(item.id),
    displayName: text(item.displayName) ?? '',
    mail: text(item.mail),
    kind: groupKind({
      groupTypes: Array.isArray(item.groupTypes) ? (item.groupTypes as string[]) : null,
      mailEnabled: typeof item.mailEnabled === 'boolean' ? item.mailEnabled : null,
      securityEnabled: typeof item.securityEnabled === 'boolean' ? item.securityEnabled : null,
    }),
  };
}

const NO_CHANGES: DirectoryPageChanges = {
  upsertUsers: [],
  removeUserIds: [],
  upsertGroups: [],
  removeGroupIds: [],
  addMemberships: [],
  removeMemberships: [],
};

/** Changes of a page of users (`/users` or `/users/delta`): `@removed` entries remove, others upsert. */
export function usersPageChanges(items: readonly GraphItem[]): DirectoryPageChanges {
  const upsertUsers: DirectoryUser[] = [];
  const removeUserIds: string[] = [];
  for (const item of items) {
    if (isRemoved(item)) removeUserIds.push(String(item.id));
    else upsertUsers.push(directoryUserFromGraph(item));
  }
  return { ...NO_CHANGES, upsertUsers, removeUserIds };
}

/**
 * Changes of a page of `/groups/delta` with `members`. A continuation entry of a large group
 * carries only `id` and `members@delta`; its properties came on the previous page, so it changes
 * no group. A member entry with `@removed` leaves the group; other entries join it.
 */
export function groupsDeltaPageChanges(items: readonly GraphItem[]): DirectoryPageChanges {
  const upsertGroups: DirectoryGroup[] = [];
  const removeGroupIds: string[] = [];
  const addMemberships: DirectoryMembership[] = [];
  const removeMemberships: DirectoryMembership[] = [];
  for (const item of items) {
    const groupId = String(item.id);
    if (isRemoved(item)) {
      removeGroupIds.push(groupId);
      continue;
    }
    const keys = Object.keys(item).filter(
      (key) => key !== 'id' && key !== 'members@delta' && !key.startsWith('@'),
    );
    if (keys.length > 0) upsertGroups.push(directoryGroupFromGraph(item));
    const members = item['members@delta'];
    if (!Array.isArray(members)) continue;
    for (const member of members as GraphItem[]) {
      const type = String(member['@odata.type'] ?? '').toLowerCase();
      // Only users and groups count as members the product protects (devices, contacts do not).
      const memberType = type.endsWith('.user') ? 'user' : type.endsWith('.group') ? 'group' : undefined;
      if (memberType === undefined) continue;
      const membership = { groupId, memberId: String(member.id), memberType } as const;
      if (isRemoved(member)) removeMemberships.push(membership);
      else addMemberships.push(membership);
    }
  }
  return { ...NO_CHANGES, upsertGroups, removeGroupIds, addMemberships, removeMemberships };
}

/** How a failing job or request is retried: exponential from `baseMs`, capped at `maxMs`. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Attempts in all, the first included; after the last one the job is dead. */
  readonly maxAttempts: number;
}

/** Sync jobs: 30 s, 1 min, 2 min, 4 min, then dead (5 attempts, about 8 minutes). */
export const SYNC_JOB_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 15 * 60_000, maxAttempts: 5 };

/** Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed; undefined when dead. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * How long to wait before retrying a throttled (429) or unavailable (503/504) Graph request:
 * the `Retry-After` header (seconds, possibly fractional, or an HTTP date) when present, else
 * exponential from 1 s for `attempt` (1-based), capped at 60 s.
 */
export function retryAfterMs(header: string | null | undefined, attempt: number, nowMs: number): number {
  if (header !== null && header !== undefined && header.trim() !== '') {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, attempt - 1));
}

/** A token bucket of Graph resource units: what the pacer may still spend. */
export interface PacingBudget {
  /** Units in the bucket now. */
  readonly units: number;
  /** Epoch ms of `units`. */
  readonly at: number;
}

/** The quota the pacer keeps under: `units` per `windowMs` (Graph: 3,500–8,000 RU per 10 s). */
export interface PacingQuota {
  readonly units: number;
  readonly windowMs: number;
}

/**
 * Identity reads' smallest tenant quota (3,500 RU / 10 s, tenants under 50 users) at 90%: safe
 * for every tenant size without knowing it, and still far above what a sync of 100,000 users needs.
 */
export const DEFAULT_PACING_QUOTA: PacingQuota = { units: 3_150, windowMs: 10_000 };

/**
 * Graph's limit per app across all tenants (150,000 RU / 20 s) shared by every worker process:
 * each process keeps under 45% of it, so two processes stay under the limit with room for the
 * API's reads. Configure `appPacingQuota` for more processes.
 */
export const DEFAULT_APP_PACING_QUOTA: PacingQuota = { units: 67_500, windowMs: 20_000 };

/** A full budget at `nowMs`. */
export function fullPacingBudget(quota: PacingQuota, nowMs: number): PacingBudget {
  return { units: quota.units, at: nowMs };
}

/**
 * Spends `cost` units at `nowMs`: how long to wait first (0 when the bucket holds enough) and
 * the budget after spending. Refill is continuous, as Graph's own buckets are.
 */
export function spendPacingBudget(
  budget: PacingBudget,
  cost: number,
  nowMs: number,
  quota: PacingQuota,
): { readonly waitMs: number; readonly budget: PacingBudget } {
  const rate = quota.units / quota.windowMs;
  // A budget already spent into the future (concurrent callers): this caller queues behind it.
  const start = Math.max(nowMs, budget.at);
  const elapsed = start - budget.at;
  const available = Math.min(quota.units, budget.units + elapsed * rate);
  const needed = Math.min(cost, quota.units);
  const refillMs = available >= needed ? 0 : Math.ceil((needed - available) / rate);
  return {
    waitMs: start - nowMs + refillMs,
    budget: { units: available + refillMs * rate - needed, at: start + refillMs },
  };
}

/** Lower bound of Graph requests to read `count` objects in pages of `pageSize`: at least one. */
export function minimumPageRequests(count: number, pageSize: number): number {
  return Math.max(1, Math.ceil(count / pageSize));
}

/** The snapshot a run writes: the tenant's shared one in all-users mode, its service's own in selected mode. */
export function snapshotKeyOf(run: Pick<SyncRun, 'tenantId' | 'service' | 'scope'>): DirectorySnapshotKey {
  return {
    tenantId: run.tenantId,
    snapshot: run.scope === 'allUsersAndGroups' ? 'tenant' : run.service,
  };
}

/**
 * Triggers that always read the whole directory: the Policies General tab's manual sync is the
 * admin's way to reconcile now, whatever the delta links say.
 */
export function triggerForcesFullRound(trigger: SyncTrigger): boolean {
  return trigger === 'manual';
}

/** Default time between reconciling full rounds of a snapshot kept current by delta rounds. */
export const DEFAULT_FULL_ROUND_INTERVAL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * What kind of round a run of scope all users and groups starts with (R4): a delta round when
 * both delta links exist and a full round is not due, else a full reconciling round — on the
 * first sync (no links), on a manual sync, and once `fullRoundIntervalMs` passed since the last
 * full round started. An expired delta token turns a delta round into a full one as it runs.
 */
export function allUsersRoundMode(input: {
  readonly trigger: SyncTrigger;
  readonly hasDeltaLinks: boolean;
  readonly lastFullRoundStartedAt: string | null;
  readonly now: string;
  readonly fullRoundIntervalMs: number;
}): 'full' | 'delta' {
  if (!input.hasDeltaLinks || triggerForcesFullRound(input.trigger)) return 'full';
  if (input.lastFullRoundStartedAt === null) return 'full';
  const since = Date.parse(input.now) - Date.parse(input.lastFullRoundStartedAt);
  return since >= input.fullRoundIntervalMs ? 'full' : 'delta';
}
