/**
 * Repository ports: what the domain needs from durable storage, declared here so `core` owns the
 * contract and the store package (SQLite or PostgreSQL) implements it. Every method is async because
 * the PostgreSQL backend is.
 */
import type {
  ChangeNotificationStatus,
  ChangeSubscription,
  ReceivedChangeNotification,
  StoredChangeNotification,
} from './change-notifications.js';
import type { DirectoryGroup, DirectoryUser } from './directory.js';
import type {
  AuditEvent,
  Notification,
  NotificationChannel,
  NotificationDelivery,
  SyncCancelReason,
  SyncRun,
  SyncRunStatus,
  TenantProvisioning,
  TokenIncident,
} from './model.js';
import type { Result } from './result.js';
import type { ProtectedTargetCount, SiteTarget } from './service-targets.js';
import type { ServiceId } from './services.js';
import type { DirectoryMembership } from './sync-plan.js';

/** A save lost a race: someone else saved the same record first. */
export interface VersionConflict {
  readonly code: 'version_conflict';
  readonly tenantId: string;
  readonly expectedVersion: number;
  readonly actualVersion: number;
}

/** Provisioning records, one per tenant, with optimistic concurrency on `version`. */
export interface ProvisioningRepository {
  /** The tenant's record, or undefined when the tenant has never been seen. */
  get(tenantId: string): Promise<TenantProvisioning | undefined>;
  /**
   * Saves `next` if the stored version still equals `expectedVersion` (0 for a new tenant) and
   * returns it with version `expectedVersion + 1`; otherwise a conflict and nothing changes.
   */
  save(
    next: TenantProvisioning,
    expectedVersion: number,
  ): Promise<Result<TenantProvisioning, VersionConflict>>;
  /** Ids of every tenant with a provisioning record (for schedulers and health checks). */
  listTenantIds(): Promise<string[]>;
  /**
   * Claims up to `limit` tenants whose token health check is due at `now` (earliest first) by
   * moving their next check to `claimedUntil`; a claimed tenant is returned to one caller only.
   * A tenant is watched while a service of it is protected or token-invalid.
   */
  claimDueHealthChecks(now: string, claimedUntil: string, limit: number): Promise<string[]>;
  /** Sets when the tenant's next token health check is due (no-op for a tenant not watched). */
  setNextHealthCheck(tenantId: string, at: string): Promise<void>;
  /** When the tenant's next token health check is due; undefined when it is not watched. */
  nextHealthCheck(tenantId: string): Promise<string | undefined>;
}

/** Notifications with read state per admin (`reader`: an Entra object id), de-duplicated by key within a tenant. */
export interface NotificationRepository {
  /** Inserts unless the tenant already has one with the same dedupe key; returns the stored one. */
  raise(notification: Notification): Promise<{ notification: Notification; created: boolean }>;
  /**
   * Newest first. `readAt` is when `reader` read each one (null without a reader); `unreadOnly`
   * leaves out what `reader` has read.
   */
  list(
    tenantId: string,
    options?: { reader?: string; unreadOnly?: boolean; limit?: number },
  ): Promise<Notification[]>;
  /** Marks read for `reader` (the first time counts); false when the id does not belong to the tenant. */
  markRead(tenantId: string, id: string, reader: string, at: string): Promise<boolean>;
  /** How many of the tenant's newest notifications `reader` has not read (bounded window). */
  countUnread(tenantId: string, reader: string): Promise<number>;
}

/** Append-only audit log. */
export interface AuditRepository {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(tenantId: string, options?: { limit?: number; before?: string }): Promise<AuditEvent[]>;
}

/** Synchronization runs. */
export interface SyncRunRepository {
  /** Inserts the run; a second pending or running run of its (tenant, service) is refused (R13). */
  create(run: SyncRun): Promise<void>;
  update(run: SyncRun): Promise<void>;
  /**
   * Updates the run only while its stored status is still `from`; false otherwise (someone
   * cancelled it meanwhile, so its outcome must not overwrite the cancellation).
   */
  transition(run: SyncRun, from: SyncRunStatus): Promise<boolean>;
  get(tenantId: string, id: string): Promise<SyncRun | undefined>;
  /** Newest first. */
  list(
    tenantId: string,
    options?: { service?: ServiceId; status?: SyncRunStatus; limit?: number },
  ): Promise<SyncRun[]>;
}

/** Token incidents; at most one open incident per tenant (the token is the tenant's). */
export interface TokenIncidentRepository {
  /** The tenant's open incident, if any. */
  findOpen(tenantId: string): Promise<TokenIncident | undefined>;
  /** Inserts or replaces by id; a second open incident of a tenant fails (`open_incident_exists`). */
  put(incident: TokenIncident): Promise<void>;
  list(tenantId: string, options?: { openOnly?: boolean; limit?: number }): Promise<TokenIncident[]>;
}

/** Small secrets (e.g. a cached token) kept encrypted at rest; plaintext only crosses this port. */
export interface SecretRepository {
  put(tenantId: string, name: string, plaintext: string): Promise<void>;
  get(tenantId: string, name: string): Promise<string | undefined>;
  delete(tenantId: string, name: string): Promise<boolean>;
}

/**
 * Consumed admin-consent `state` nonces. Entra echoes the state back on a callback anyone can
 * replay; recording each nonce once, in the shared database, makes a state single-use across every
 * API process.
 */
export interface ConsentStateRepository {
  /** Records the nonce; false when it was already consumed. Expired nonces may be forgotten. */
  consume(nonce: string, expiresAt: string, now: string): Promise<boolean>;
}

/**
 * Single use of bot credentials across every API process on one database: each accepted
 * credential's `jti` is recorded until it expires, and a second use of it is a replay.
 */
export interface BotCredentialUseRepository {
  /**
   * Records the credential id as used until `expiresAt`; false when it was used before (a replay).
   * Atomic across processes. Ids past their expiry may be forgotten.
   */
  consume(jti: string, expiresAt: string, now: string): Promise<boolean>;
}

/** Which delivery: one notification, to one recipient, on one channel. */
export interface NotificationDeliveryAddress {
  readonly tenantId: string;
  readonly notificationId: string;
  readonly channel: NotificationChannel;
  /** An email address for `email`, a Teams conversation id for `teams`. */
  readonly recipient: string;
}

/**
 * Per-(notification, channel, recipient) delivery state over the `notifications` outbox, so
 * delivery is at-least-once and never concurrent. A deliverer loops: `undelivered` → `claim` (skip
 * when false) → send with `notificationDeliveryKey(...)` as the idempotency key → `markDelivered`,
 * or `markFailed` with the next attempt time (null gives up: dead). A deliverer that crashes
 * mid-send leaves a claim whose lease expires, and the notification is offered again.
 */
export interface NotificationDeliveryRepository {
  /**
   * The tenant's notifications still to deliver to `recipient` on `channel`, oldest first: those
   * with no delivery record, a failed one whose `nextAttemptAt` ≤ `now`, or a claim whose lease
   * ended (`claimedUntil` ≤ `now`). Delivered, skipped and dead ones are never returned. `since` skips
   * notifications created before it (e.g. before a Teams conversation was installed); `limit`
   * caps the answer (default 100).
   */
  undelivered(
    tenantId: string,
    channel: NotificationChannel,
    recipient: string,
    options: { readonly now: string; readonly since?: string; readonly limit?: number },
  ): Promise<Notification[]>;
  /**
   * Takes the delivery for this deliverer until `leaseUntil`, atomically across processes: true
   * for exactly one of several simultaneous claimers, and only when the delivery is still due
   * (no record, failed and due at `now`, or its previous lease ended). Counts one attempt.
   */
  claim(
    address: NotificationDeliveryAddress,
    options: { readonly now: string; readonly leaseUntil: string },
  ): Promise<boolean>;
  /** Records the delivery as sent at `at` (whether claimed before or not); final. */
  markDelivered(address: NotificationDeliveryAddress, at: string): Promise<void>;
  /**
   * Records that the notification is deliberately not sent to this recipient (e.g. a Teams chat
   * of a user who is not a Global Administrator) with the reason; final, never retried.
   */
  markSkipped(
    address: NotificationDeliveryAddress,
    skip: { readonly at: string; readonly reason: string },
  ): Promise<void>;
  /**
   * Records a failed attempt with its error (no secrets): retried once `nextAttemptAt` has come,
   * or `dead` (never retried) when `nextAttemptAt` is null.
   */
  markFailed(
    address: NotificationDeliveryAddress,
    failure: { readonly at: string; readonly error: string; readonly nextAttemptAt: string | null },
  ): Promise<void>;
  /** The tenant's delivery records, oldest update first, optionally of one notification or channel (for tests and support). */
  list(
    tenantId: string,
    options?: { readonly notificationId?: string; readonly channel?: NotificationChannel },
  ): Promise<NotificationDelivery[]>;
  /**
   * Tenants with something for `channel`'s deliverer at `now`: woken when a notification is raised
   * (or a Teams conversation is recorded or changes its alerts), and again at the retry time a
   * pass left. An indexed read, so an idle pass costs one query whatever the number of tenants.
   */
  dueWakeups(
    channel: NotificationChannel,
    now: string,
    limit: number,
  ): Promise<{ readonly tenantId: string; readonly version: number }[]>;
  /**
   * After a pass over the tenant: forgets the wakeup (`nextDueAt` null) or moves it to the retry
   * time — unless it was woken again since `version` was read, in which case it stays due.
   */
  settleWakeup(
    tenantId: string,
    channel: NotificationChannel,
    version: number,
    nextDueAt: string | null,
  ): Promise<void>;
}

/** What kind of Teams conversation the bot is installed in. */
export type BotConversationKind = 'personal' | 'groupChat' | 'channel';

/**
 * One Teams conversation the bot is installed in (an admin's personal chat, a group chat or a team
 * channel): where proactive notification cards of its tenant go.
 */
export interface BotConversation {
  readonly tenantId: string;
  /** The Teams conversation id; the recipient of the `teams` notification channel. */
  readonly conversationId: string;
  readonly kind: BotConversationKind;
  /** The bot adapter's conversation reference (plain JSON, opaque to everything but the adapter). */
  readonly reference: Readonly<Record<string, unknown>>;
  /** When the bot was first installed here; notifications raised before it are not sent here. */
  readonly installedAt: string;
  readonly updatedAt: string;
  /**
   * Personal chats: the Entra object id of the Teams user the chat is with; alerts go there only
   * while that user is a Global Administrator (R15). Null for shared conversations, and for a
   * chat recorded before the bot kept it (until the user writes there again).
   */
  readonly ownerUserId: string | null;
  /**
   * Shared conversations (team channels, group chats): who turned alerts on here and when
   * (`notify here`); null = off, the default. Alerts raised before `enabledAt` are not sent here.
   */
  readonly channelNotifications: ChannelNotifications | null;
  /** The last answer to "is this conversation's accountable user a Global Administrator?". */
  readonly administratorCheck: AdministratorCheck | null;
}

/** Alerts turned on in a shared conversation by an admin. */
export interface ChannelNotifications {
  /** Entra object id of the Global Administrator who turned them on. */
  readonly enabledBy: string;
  readonly enabledAt: string;
}

/** One answer of Microsoft Graph to "does this user hold Global Administrator?". */
export interface AdministratorCheck {
  readonly userId: string;
  readonly isGlobalAdministrator: boolean;
  readonly checkedAt: string;
}

/** Conversation references of the bot's installations, per tenant (written by the bot only). */
export interface ConversationReferenceRepository {
  /**
   * Inserts or refreshes the conversation by (tenantId, conversationId): the reference, kind and
   * `updatedAt` are replaced, `installedAt` of an existing row is kept.
   */
  upsert(conversation: BotConversation): Promise<void>;
  /** Removes the conversation (uninstalled, or Teams says the bot is no longer in it); false when unknown. */
  remove(tenantId: string, conversationId: string): Promise<boolean>;
  /** The conversation, or undefined when the bot is not installed there. */
  get(tenantId: string, conversationId: string): Promise<BotConversation | undefined>;
  /** The tenant's conversations, oldest installation first. */
  list(tenantId: string): Promise<BotConversation[]>;
  /** Ids of every tenant with at least one conversation, sorted (for the delivery loop). */
  listTenantIds(): Promise<string[]>;
  /**
   * Turns alerts on (with who and when) or off (null) in a conversation; false when the bot is
   * not installed there. `upsert` never changes this.
   */
  setChannelNotifications(
    tenantId: string,
    conversationId: string,
    notifications: ChannelNotifications | null,
  ): Promise<boolean>;
  /** Keeps the latest administrator check of the conversation (a no-op when it is unknown). */
  recordAdministratorCheck(
    tenantId: string,
    conversationId: string,
    check: AdministratorCheck,
  ): Promise<void>;
}

/**
 * Which copy of a tenant's directory: `tenant` is the one snapshot every service synchronizing all
 * users and groups shares; a service in selected mode keeps its own (its Selected Targets).
 */
export type DirectorySnapshotId = ServiceId | 'tenant';

/** Whose directory snapshot: a tenant's shared one, or a selected-mode service's own. */
export interface DirectorySnapshotKey {
  readonly tenantId: string;
  readonly snapshot: DirectorySnapshotId;
}

/** When a snapshot's rounds last completed (absent before its first completed round). */
export interface DirectorySnapshotRounds {
  /** When the latest completed full (reconciling) round started reading Graph. */
  readonly lastFullRoundStartedAt: string | null;
  /** When the latest completed round of either kind started reading Graph. */
  readonly lastRoundStartedAt: string | null;
}

/** How many objects of a snapshot a call added and changed. */
export interface SnapshotWriteCounts {
  readonly added: number;
  readonly updated: number;
}

/**
 * The synchronized copy of a tenant's directory (users, groups, direct memberships) per service,
 * with the Graph delta links of its collections. Writes mark what they touch with a `round`; a
 * full round ends with `sweep(round)`, which removes everything the round did not see.
 */
export interface DirectorySnapshotRepository {
  /** Inserts or updates users and marks them seen in `round`; counts new and changed ones. */
  upsertUsers(
    key: DirectorySnapshotKey,
    users: readonly DirectoryUser[],
    round: string,
  ): Promise<SnapshotWriteCounts>;
  /** Removes users (and their memberships); returns how many existed. */
  removeUsers(key: DirectorySnapshotKey, ids: readonly string[]): Promise<number>;
  /** Inserts or updates groups and marks them seen in `round`; counts new and changed ones. */
  upsertGroups(
    key: DirectorySnapshotKey,
    groups: readonly DirectoryGroup[],
    round: string,
  ): Promise<SnapshotWriteCounts>;
  /** Removes groups (their memberships and their own membership in other groups); returns how many existed. */
  removeGroups(key: DirectorySnapshotKey, ids: readonly string[]): Promise<number>;
  /** Adds memberships (existing ones are kept) and marks them seen in `round`. */
  addMemberships(
    key: DirectorySnapshotKey,
    memberships: readonly DirectoryMembership[],
    round: string,
  ): Promise<void>;
  /** Removes memberships; returns how many existed. */
  removeMemberships(key: DirectorySnapshotKey, memberships: readonly DirectoryMembership[]): Promise<number>;
  /** End of a full round: removes users, groups and memberships not seen in `round`; returns the counts. */
  sweep(
    key: DirectorySnapshotKey,
    round: string,
  ): Promise<{ readonly users: number; readonly groups: number; readonly memberships: number }>;
  /** Users by id, ascending, after `after` (keyset paging for exports and tests). */
  listUsers(
    key: DirectorySnapshotKey,
    options?: { after?: string; limit?: number },
  ): Promise<DirectoryUser[]>;
  /** Groups by id, ascending, after `after`. */
  listGroups(
    key: DirectorySnapshotKey,
    options?: { after?: string; limit?: number },
  ): Promise<DirectoryGroup[]>;
  /** Memberships ordered by group then member, after the `after` pair. */
  listMemberships(
    key: DirectorySnapshotKey,
    options?: { after?: { groupId: string; memberId: string }; limit?: number },
  ): Promise<DirectoryMembership[]>;
  /** How many users, groups and memberships the snapshot holds. */
  counts(
    key: DirectorySnapshotKey,
  ): Promise<{ readonly users: number; readonly groups: number; readonly memberships: number }>;
  /** The stored Graph `@odata.deltaLink` of a collection, if any. */
  deltaLink(key: DirectorySnapshotKey, collection: 'users' | 'groups'): Promise<string | undefined>;
  /** Stores (or with null forgets) a collection's delta link. */
  setDeltaLink(
    key: DirectorySnapshotKey,
    collection: 'users' | 'groups',
    link: string | null,
    at: string,
  ): Promise<void>;
  /** When the snapshot's rounds last completed (nulls before the first one). */
  rounds(key: DirectorySnapshotKey): Promise<DirectorySnapshotRounds>;
  /** Records a completed round that started reading Graph at `startedAt`. */
  recordRound(
    key: DirectorySnapshotKey,
    round: { readonly full: boolean; readonly startedAt: string },
  ): Promise<void>;
  /**
   * The snapshot's users with a mailbox and with a OneDrive (from their stored licence plans), in
   * one query: Exchange Online's and OneDrive's protected-target counts.
   */
  countHoldings(key: DirectorySnapshotKey): Promise<{ mailboxes: number; oneDriveAccounts: number }>;
}

/** Execution state of one sync run: attempts, lease and checkpoint. */
export interface SyncJob {
  readonly runId: string;
  readonly tenantId: string;
  /** Claims so far; a crash mid-run counts as an attempt. */
  readonly attempts: number;
  /** When a failed attempt may be retried (null: now). */
  readonly nextAttemptAt: string | null;
  readonly leaseOwner: string | null;
  readonly leaseUntil: string | null;
  /** Where the run resumes after a crash: the engine's own JSON. */
  readonly checkpoint: unknown;
  readonly lastError: string | null;
}

/** Lease of a claimed sync run: who holds it and until when. */
export interface SyncLease {
  readonly owner: string;
  readonly now: string;
  readonly leaseUntil: string;
}

/** What `requestRun` did: the run now queued, and whether this request created it. */
export interface SyncRunRequest {
  readonly run: SyncRun;
  /** False when the id existed or the (tenant, service) already had a run pending or running. */
  readonly created: boolean;
}

/** Why and when runs are cancelled. */
export interface SyncCancellationNote {
  readonly reason: SyncCancelReason;
  readonly at: string;
}

/**
 * Sync runs as durable jobs: claiming with a per-tenant lease (never two syncs of one tenant at
 * once, across processes), fairly across tenants, checkpoints fenced by the lease and by the run
 * still running, cancellation, and retry state.
 */
export interface SyncJobRepository {
  /**
   * R13: inserts the run unless one with its id exists (schedulers use deterministic ids) or its
   * (tenant, service) already has a run pending or running; answers the stored run either way.
   */
  requestRun(run: SyncRun): Promise<SyncRunRequest>;
  /**
   * Claims a due run — pending and not waiting for a retry, or running with an expired lease (its
   * worker died) — fairly across tenants: each tenant's oldest due run is a candidate, oldest
   * first, and tenants someone else is synchronizing are skipped. Takes the tenant lease, counts
   * an attempt and marks the run running.
   */
  claimNext(lease: SyncLease): Promise<{ run: SyncRun; job: SyncJob } | undefined>;
  /** Claims one given run the same way (for a queue that picked it); undefined when not due or the tenant is busy. */
  claimRun(
    tenantId: string,
    runId: string,
    lease: SyncLease,
  ): Promise<{ run: SyncRun; job: SyncJob } | undefined>;
  /** Extends the run's and the tenant's lease; false when the lease was lost (stop working). */
  renew(runId: string, lease: SyncLease): Promise<boolean>;
  /**
   * Stores the checkpoint if `owner` still holds the lease and the run is still running (not
   * cancelled); false otherwise (the caller must roll back and stop).
   */
  saveCheckpoint(runId: string, owner: string, checkpoint: unknown): Promise<boolean>;
  /**
   * R14: cancels every pending or running run of the tenant's service (its scope changed), in the
   * caller's transaction; returns them as cancelled. A worker running one is fenced out at its
   * next checkpoint and releases its lease.
   */
  cancelQueued(tenantId: string, service: ServiceId, note: SyncCancellationNote): Promise<SyncRun[]>;
  /**
   * R14: cancels a run `owner` claimed that no longer applies, and ends its job and tenant leases
   * so the tenant's next run may start at once; false when `owner` does not hold it.
   */
  cancelClaimed(runId: string, owner: string, note: SyncCancellationNote): Promise<boolean>;
  /**
   * Ends the lease of `owner`: on success (`outcome.done`) the checkpoint is cleared; on failure
   * the error and the next attempt time are stored.
   */
  release(
    runId: string,
    owner: string,
    outcome:
      | { readonly done: true }
      | { readonly done: false; readonly error: string; readonly nextAttemptAt: string | null },
  ): Promise<void>;
  /** The run's job state, if it was ever claimed. */
  get(runId: string): Promise<SyncJob | undefined>;
  /**
   * Runs claimable at `now` with their job state (undefined before the first claim), fairly: the
   * oldest due run of each tenant not being synchronized — pending and not waiting for a retry, or
   * running with an expired lease — oldest first. For a dispatcher that hands them to a queue;
   * claiming still decides who runs them.
   */
  due(now: string, limit: number): Promise<{ run: SyncRun; job: SyncJob | undefined }[]>;
  /**
   * One Graph read serves every all-mode service of a tenant: marks succeeded, with `served`'s
   * figures and no Graph requests of their own, the tenant's other pending (not running) runs of
   * scope all users and groups requested at or before `served.startedAt` — only those that do not
   * need a full round when `fullRound` is false. In the caller's transaction; returns them.
   */
  completeServedBy(served: SyncRun, fullRound: boolean): Promise<SyncRun[]>;
  /**
   * Tenants whose next scheduled synchronization is due at `now`, earliest first (an indexed
   * read: a tick with nothing due costs one query whatever the number of tenants).
   */
  dueSchedules(now: string, limit: number): Promise<{ tenantId: string; nextDueAt: string }[]>;
  /** Moves a scheduled tenant's next due time (no-op when the tenant is no longer scheduled). */
  setNextDue(tenantId: string, nextDueAt: string): Promise<void>;
}

/**
 * Graph change notifications (ADR 0014): the subscriptions we hold, what arrived on our endpoints
 * (bounded per tenant), and each tenant's state for the Service Account view.
 */
export interface ChangeNotificationRepository {
  /**
   * Inserts or replaces (by id) a subscription; false when the tenant already holds another
   * subscription of that resource (another worker won the race: delete yours in Graph).
   */
  saveSubscription(subscription: ChangeSubscription): Promise<boolean>;
  deleteSubscription(tenantId: string, id: string): Promise<void>;
  listSubscriptions(tenantId: string): Promise<ChangeSubscription[]>;
  /** The subscriptions with these ids (any tenant): the endpoint's lookup, one query per POST. */
  findSubscriptions(ids: readonly string[]): Promise<ChangeSubscription[]>;
  /** Tenants holding at least one subscription. */
  listTenantsWithSubscriptions(): Promise<string[]>;
  /**
   * Stores received notifications, at most `maxPending` unprocessed ones of a kind per tenant
   * (the rest is not stored); answers how many were stored.
   */
  record(
    notifications: readonly ReceivedChangeNotification[],
    maxPending: { readonly change: number; readonly lifecycle: number },
  ): Promise<number>;
  /** Tenants with an unprocessed notification of `kind` received at or before `receivedBefore`. */
  tenantsWithPending(kind: 'change' | 'lifecycle', receivedBefore: string): Promise<string[]>;
  /** Removes and returns the tenant's unprocessed notifications of `kind` (call in the transaction that acts on them). */
  takePending(tenantId: string, kind: 'change' | 'lifecycle'): Promise<StoredChangeNotification[]>;
  getStatus(tenantId: string): Promise<ChangeNotificationStatus | undefined>;
  saveStatus(status: ChangeNotificationStatus): Promise<void>;
}

/**
 * What each service protects after its last successful synchronization (issue 17): the count of
 * its own kind of target (mailboxes, site collections, OneDrive accounts). The worker records it
 * in the transaction that ends the run; the dashboard, Service Account and the bot read it.
 */
export interface ProtectedTargetRepository {
  /** Sets a service's count and when it was synchronized (replacing the previous one). */
  record(count: ProtectedTargetCount & { readonly tenantId: string }): Promise<void>;
  /** The tenant's counts, one per service that has one (in `SERVICE_IDS` order). */
  countsFor(tenantId: string): Promise<ProtectedTargetCount[]>;
  /** Forgets a service's count (deprovisioned, or its scope changed before the next run). */
  forget(tenantId: string, service: ServiceId): Promise<void>;
}

/**
 * SharePoint Online's protected site collections per tenant: written page by page by the sync (the
 * tenant's enumeration in all mode, the selected sites found in selected mode), each marked with
 * the run that saw it; the run's end sweeps the others.
 */
export interface ProtectedSiteRepository {
  /** Inserts or updates sites and marks them seen in `round`. */
  upsert(tenantId: string, sites: readonly SiteTarget[], round: string): Promise<void>;
  /** Removes the sites `round` did not see; returns how many. */
  sweep(tenantId: string, round: string): Promise<number>;
  /** How many the tenant has. */
  count(tenantId: string): Promise<number>;
  /** The tenant's sites by site id, from after `after`. */
  list(tenantId: string, options?: { after?: string; limit?: number }): Promise<SiteTarget[]>;
  /** When the last full enumeration of all site collections ended; null when none counts. */
  lastEnumeratedAt(tenantId: string): Promise<string | null>;
  /** Records the end of a full enumeration (null: what is stored is not one, e.g. selected sites). */
  recordEnumeration(tenantId: string, at: string | null): Promise<void>;
}

/** Every repository, bound to one connection or transaction. */
export interface Repositories {
  readonly provisioning: ProvisioningRepository;
  readonly notifications: NotificationRepository;
  readonly audit: AuditRepository;
  readonly syncRuns: SyncRunRepository;
  readonly tokenIncidents: TokenIncidentRepository;
  readonly secrets: SecretRepository;
  readonly consentStates: ConsentStateRepository;
  readonly botCredentialUses: BotCredentialUseRepository;
  readonly notificationDeliveries: NotificationDeliveryRepository;
  readonly conversations: ConversationReferenceRepository;
  readonly directorySnapshots: DirectorySnapshotRepository;
  readonly syncJobs: SyncJobRepository;
  readonly changeNotifications: ChangeNotificationRepository;
  readonly protectedTargets: ProtectedTargetRepository;
  readonly protectedSites: ProtectedSiteRepository;
}

/** The durable store: repositories plus transactions spanning several of them. */
export interface Store extends Repositories {
  /**
   * Runs `work` in one transaction: everything it wrote commits together, or nothing does when it
   * throws. Nested calls are not supported.
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /** True when the database answers (for readiness probes). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
