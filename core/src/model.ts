/**
 * Domain types of Cloud App Security provisioning. Plain data only: no behaviour and no I/O,
 * so the tab, the bot, the API and the store can all share them.
 */
import type { ConsentAppId } from './consent.js';
import type { SiteTarget } from './service-targets.js';
import type { ServiceId } from './services.js';

/** R1: the two sync scopes an admin can choose. */
export type SyncScope = 'allUsersAndGroups' | 'selectedUsers';

/** The consent steps of the wizard: Step 1 (EWS, quarantine management) and Step 2 (Microsoft Graph). */
export type ConsentStep = 'exchangeWebServices' | 'microsoftGraph';

/** Lifecycle of one service's Authorized Account (see `provisioning.ts` for the transitions). */
export type ServiceAccountStatus =
  'notProvisioned' | 'consentStep1Done' | 'consented' | 'protected' | 'tokenInvalid';

/** Someone or something that caused a change, recorded in the audit log. */
export type Actor =
  | { readonly kind: 'user'; readonly userId: string; readonly userPrincipalName: string }
  | { readonly kind: 'system'; readonly component: string };

/** Proof of one consent step: who granted it and which application roles the token carried (R6). */
export interface ConsentGrant {
  readonly step: ConsentStep;
  readonly grantedAt: string;
  readonly grantedBy: Actor;
  /** Roles seen in the app-only token acquired right after consent. */
  readonly roles: readonly string[];
}

/** A user picked into Selected Targets, with where the admin found it. */
export interface Target {
  /** Entra object id; the identity used for de-duplication. */
  readonly userId: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  /** How the admin found this user: typed UPN, or picked from a group. */
  readonly source:
    | { readonly kind: 'user' }
    | { readonly kind: 'group'; readonly groupId: string; readonly groupName: string };
}

/** One service's Authorized Account within a tenant. */
export interface ServiceAccount {
  readonly service: ServiceId;
  readonly status: ServiceAccountStatus;
  /** Consent steps granted so far, at most one per step. */
  readonly consents: readonly ConsentGrant[];
  /** Scope saved with Done; null until then. */
  readonly scope: SyncScope | null;
  /** Selected Targets (only meaningful when scope is selectedUsers): users, for Exchange Online and OneDrive. */
  readonly targets: readonly Target[];
  /** SharePoint Online's Selected Targets: site collections (its targets are not users). */
  readonly sites: readonly SiteTarget[];
  readonly protectedAt: string | null;
  /** When a token for this account last proved to work against Graph. */
  readonly lastVerifiedAt: string | null;
  /** Cause of the open token incident while status is tokenInvalid. */
  readonly tokenFailure: TokenFailureCause | null;
}

/** A customer tenant's provisioning record: the aggregate guarded by optimistic concurrency. */
export interface TenantProvisioning {
  readonly tenantId: string;
  /** Incremented on every save; a save with a stale version is a conflict. */
  readonly version: number;
  readonly services: Readonly<Record<ServiceId, ServiceAccount>>;
}

/** Why an access token stopped working, as far as the errors tell (R9). */
export type TokenFailureCause =
  | 'consentRevoked'
  | 'servicePrincipalMissing'
  | 'rolesRemoved'
  | 'secretExpired'
  | 'appDisabled'
  | 'unknownTenant'
  | 'other';

/**
 * One token incident of a tenant: opened by the first failed health check, closed by the first
 * check after it in which every service works again (R9). The token is per tenant, so is the
 * incident: one open incident per tenant, however many services it breaks.
 */
export interface TokenIncident {
  readonly id: string;
  readonly tenantId: string;
  /** Every service the incident has made invalid so far, in product order; it never shrinks while open. */
  readonly services: readonly ServiceId[];
  /** The apps whose token the latest check found failing (refused or lacking a role), in step order. */
  readonly apps: readonly ConsentAppId[];
  /** The latest cause: what the admin has to fix now. */
  readonly cause: TokenFailureCause;
  /** Error text from Entra or Graph with secrets removed, for the Service Account page. */
  readonly detail: string;
  /** Application roles the latest check found missing (cause `rolesRemoved`), e.g. `Mail.ReadWrite`. */
  readonly missingRoles: readonly string[];
  readonly openedAt: string;
  readonly lastFailureAt: string;
  readonly failureCount: number;
  readonly closedAt: string | null;
}

/** What started a synchronization. */
export type SyncTrigger = 'initial' | 'manual' | 'scheduled' | 'delta' | 'extend';

/**
 * Outcome of a synchronization run: `pending` until a worker takes it (and again while a retry
 * waits), `failed` when it cannot succeed as requested, `dead` when retries ran out, `cancelled`
 * when it no longer applied (R14) and was never applied. A (tenant, service) has at most one run
 * `pending` or `running` (R13).
 */
export type SyncRunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'dead' | 'cancelled';

/**
 * Why a run was cancelled instead of applied (R14): its service's scope or Selected Targets changed
 * after it was requested, the service is no longer protected or its token is invalid, its selection
 * is empty (an empty selection is never swept), or another run of the service was already queued.
 */
export type SyncCancelReason =
  'scopeChanged' | 'serviceNotProtected' | 'tokenInvalid' | 'noTargets' | 'superseded';

/** A Selected Target the directory no longer had when a run read it (Graph answered 404). */
export interface SyncMissingTarget {
  /** The user's id; for a SharePoint Online site collection, Graph's site id. */
  readonly userId: string;
  /** The user's UPN; for a site collection, its URL (so a list of missing targets reads the same). */
  readonly userPrincipalName: string;
  readonly displayName: string;
  /** Set for a selected site collection Graph no longer has: its URL. */
  readonly webUrl?: string;
}

/** One synchronization of a tenant's service directory. */
export interface SyncRun {
  readonly id: string;
  readonly tenantId: string;
  readonly service: ServiceId;
  readonly trigger: SyncTrigger;
  readonly scope: SyncScope;
  readonly status: SyncRunStatus;
  readonly requestedAt: string;
  readonly requestedBy: Actor;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly graphRequests: number;
  readonly error: string | null;
  /** Why the run was cancelled; null unless status is `cancelled`. */
  readonly cancelReason: SyncCancelReason | null;
  /** Selected mode: targets the directory no longer has, reported instead of silently skipped. */
  readonly missingTargets: readonly SyncMissingTarget[];
  /**
   * What the service protected after this run (mailboxes, site collections or OneDrive accounts);
   * null until the run succeeded (and for runs recorded before the count existed).
   */
  readonly protectedTargets: number | null;
}

/** Kinds of notification shown under the ring icon (and sent by email / bot where relevant). */
export type NotificationKind =
  | 'serviceProtected'
  | 'tokenInvalid'
  | 'tokenRestored'
  | 'extendOffered'
  | 'scopeExtended'
  | 'syncFailed'
  | 'secretExpiring';

/** A notification for a tenant's admins. */
export interface Notification {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: NotificationKind;
  readonly service: ServiceId | null;
  /** Exact text shown, e.g. "Exchange Online protected." */
  readonly message: string;
  /** Same key → same notification: raising it again changes nothing. */
  readonly dedupeKey: string;
  readonly createdAt: string;
  /** When the admin asking read it (read state is per admin); null when unread or nobody asked. */
  readonly readAt: string | null;
}

/** Actions the audit log records. */
export type AuditAction =
  | 'consent.granted'
  | 'consent.failed'
  | 'scope.saved'
  | 'scope.extended'
  | 'sync.requested'
  | 'token.invalidated'
  | 'token.restored'
  | 'serviceAccount.reauthorised'
  /** An admin turned alerts on in a team channel or group chat (`notify here`). */
  | 'channelNotifications.enabled'
  /** An admin turned them off there (`notify off`). */
  | 'channelNotifications.disabled';

/** One audit entry: who did what to which tenant, with the state before and after. */
export interface AuditEvent {
  readonly id: string;
  readonly tenantId: string;
  readonly actor: Actor;
  readonly action: AuditAction;
  readonly service: ServiceId | null;
  readonly at: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** Channels that deliver notifications beyond the dashboard (the `notifications` table is the outbox). */
export type NotificationChannel = 'email' | 'teams';

/**
 * State of one delivery of a notification to one recipient on one channel: `claimed` while a
 * deliverer holds the lease, `failed` while a retry is due at `nextAttemptAt`, `dead` once retries
 * stopped, `delivered` once sent.
 */
export type NotificationDeliveryStatus = 'claimed' | 'delivered' | 'failed' | 'dead' | 'skipped';

/** Delivery record of one notification to one recipient (email address or Teams conversation id). */
export interface NotificationDelivery {
  readonly notificationId: string;
  readonly tenantId: string;
  readonly channel: NotificationChannel;
  /** An email address for `email`, a Teams conversation id for `teams`. */
  readonly recipient: string;
  readonly status: NotificationDeliveryStatus;
  /** Claims so far (each claim is one attempt). */
  readonly attempts: number;
  /** Until when the current claim holds; after it, another deliverer may claim again. */
  readonly claimedUntil: string | null;
  /** When a failed delivery may be tried again (null unless status is `failed`). */
  readonly nextAttemptAt: string | null;
  /** Last error text (no secrets), from `markFailed`; for `skipped`, the reason from `markSkipped`. */
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
  readonly updatedAt: string;
}
