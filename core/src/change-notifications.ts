/**
 * Microsoft Graph change notifications as a trigger of synchronization (issue 18, ADR 0014):
 * which tenants want subscriptions, when a subscription is renewed, how a burst of notifications
 * becomes one delta round, and how the state reads in Administration > Service Account. Pure: the
 * worker and the API do the I/O.
 */
import { SERVICE_IDS, type ServiceId } from './services.js';
import { scheduledSyncApplies } from './sync-scope.js';
import {
  CHANGE_NOTIFICATION_FAILURE_SENTENCES,
  type ChangeNotificationFailureCause,
} from './token-health.js';
import type { TenantProvisioning } from './model.js';

/** The directory collections we subscribe to: every user and every group (memberships included). */
export const SUBSCRIBED_RESOURCES = ['users', 'groups'] as const;
export type SubscribedResource = (typeof SUBSCRIBED_RESOURCES)[number];

/** A subscription we hold in Graph for one tenant. */
export interface ChangeSubscription {
  /** Graph's subscription id. */
  readonly id: string;
  readonly tenantId: string;
  readonly resource: SubscribedResource;
  /** SHA-256 (hex) of the `clientState` we gave Graph; the secret itself is never stored. */
  readonly clientStateHash: string;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly renewedAt: string | null;
}

/** What arrived on our notification or lifecycle endpoint (already checked against its subscription). */
export interface ReceivedChangeNotification {
  readonly tenantId: string;
  readonly subscriptionId: string;
  /** `change`: a directory change; `lifecycle`: an event about the subscription itself. */
  readonly kind: 'change' | 'lifecycle';
  /** `updated` / `deleted`, or the lifecycle event (`reauthorizationRequired`, `subscriptionRemoved`, `missed`). */
  readonly event: string;
  /** The changed user or group (change notifications only). */
  readonly resourceId: string | null;
  readonly receivedAt: string;
}

/** A stored notification. */
export interface StoredChangeNotification extends ReceivedChangeNotification {
  readonly id: string;
}

/** The tenant's change notification state, as Administration > Service Account shows it. */
export interface ChangeNotificationStatus {
  readonly tenantId: string;
  /** `active`: both subscriptions held; `failing`: subscribing or renewing failed; `off`: not wanted (selected mode). */
  readonly state: 'active' | 'failing' | 'off';
  /** Why it is failing, named (token-health cause), or null. */
  readonly cause: ChangeNotificationFailureCause | null;
  /** Graph's first error line, or null. */
  readonly detail: string | null;
  /** Last successful creation or renewal. */
  readonly renewedAt: string | null;
  /** Earliest expiry of the held subscriptions. */
  readonly expiresAt: string | null;
  readonly updatedAt: string;
}

/** Unprocessed notifications kept per tenant; past it nothing more is stored (a round is pending anyway). */
export const MAX_PENDING_CHANGE_NOTIFICATIONS_PER_TENANT = 1000;
/** Unprocessed lifecycle events kept per tenant. */
export const MAX_PENDING_LIFECYCLE_EVENTS_PER_TENANT = 50;

/**
 * The services of a tenant whose directory a notification should refresh: those synchronizing all
 * users and groups (R3: selected mode has no directory to keep fresh).
 */
export function servicesToRefresh(provisioning: TenantProvisioning): ServiceId[] {
  return SERVICE_IDS.filter((service) => scheduledSyncApplies(provisioning, service).ok);
}

/** True when the tenant should hold subscriptions: some service synchronizes all users and groups. */
export function wantsChangeNotifications(provisioning: TenantProvisioning | undefined): boolean {
  return provisioning !== undefined && servicesToRefresh(provisioning).length > 0;
}

/** True when a subscription expiring at `expiresAt` is due for renewal at `now`. */
export function renewalDue(expiresAt: string, now: string, renewBeforeMs: number): boolean {
  return Date.parse(expiresAt) - Date.parse(now) <= renewBeforeMs;
}

/** The line Administration > Service Account shows, e.g. "Change notifications: active, renewed 2026-12-01 12:40 UTC". */
export function describeChangeNotificationStatus(status: ChangeNotificationStatus | undefined): string {
  if (status === undefined) return 'Change notifications: not set up yet (periodic synchronization only).';
  const at = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  switch (status.state) {
    case 'active':
      return `Change notifications: active${status.renewedAt ? `, renewed ${at(status.renewedAt)}` : ''}${status.expiresAt ? `, expires ${at(status.expiresAt)}` : ''}.`;
    case 'failing':
      return `Change notifications: failing since ${at(status.updatedAt)}: ${CHANGE_NOTIFICATION_FAILURE_SENTENCES[status.cause ?? 'other']} Changes are picked up by the periodic synchronization until this is fixed.`;
    case 'off':
      return 'Change notifications: off (no service synchronizes all users and groups now).';
  }
}
