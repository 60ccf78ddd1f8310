/**
 * Sync scope rules: the two scope options (R1), the one option shared by all three services (R2),
 * and which synchronizations each option allows (R3, R4, R12).
 */
import { err, ok, type Result } from './result.js';
import { scopeLabelsFor } from './service-targets.js';
import { SERVICE_IDS, SERVICE_NAMES, type ServiceId } from './services.js';
import type { ServiceAccount, SyncScope, TenantProvisioning } from './model.js';

/** R1: both scope options, in the order the wizard lists them. */
export const SYNC_SCOPES: readonly SyncScope[] = ['allUsersAndGroups', 'selectedUsers'];

/** R1: the wizard's labels for the scope options, in the source guide's words. */
export const SYNC_SCOPE_LABELS: Readonly<Record<SyncScope, string>> = {
  allUsersAndGroups: 'Synchronize all users and groups',
  selectedUsers: 'Synchronize selected users',
};

/** R12: the General tab link of an ATP or DLP policy that starts a manual synchronization. */
export const MANUAL_SYNC_ALL_TARGETS_LABEL = 'Click here to manually synchronize all your targets';

/** True when the value is one of the two scope options. */
export function isSyncScope(value: unknown): value is SyncScope {
  return typeof value === 'string' && (SYNC_SCOPES as readonly string[]).includes(value);
}

/** The scope every service must use and the service whose Done fixed it (R2). */
export interface ScopeLock {
  readonly scope: SyncScope;
  readonly fixedBy: ServiceId;
}

/** Refusal of a scope that differs from the one another service already fixed (R2). */
export interface ScopeLockedError {
  readonly code: 'scope_locked';
  readonly service: ServiceId;
  readonly requested: SyncScope;
  readonly lockedScope: SyncScope;
  readonly fixedBy: ServiceId;
  /** One line for the locked scope choice, e.g. "Exchange Online already synchronizes selected users; …". */
  readonly message: string;
}

/** What the wizard shows for a service's scope choice: free, or pre-selected and locked with a reason. */
export type ScopeChoice =
  | { readonly locked: false; readonly preselected: SyncScope | null }
  | {
      readonly locked: true;
      readonly scope: SyncScope;
      readonly fixedBy: ServiceId;
      readonly reason: string;
    };

/**
 * The one-line reason shown next to a locked scope choice (R2), in the words of the service that
 * fixed it: "Exchange Online already synchronizes selected users", "SharePoint Online already
 * synchronizes all targets" (its option's own label, so the sentence matches what that wizard said).
 */
export function scopeLockReason(lock: ScopeLock): string {
  const option = scopeLabelsFor(lock.fixedBy)[lock.scope].replace(/^Synchronize /, '');
  return `${SERVICE_NAMES[lock.fixedBy]} already synchronizes ${option}; all three services use the same option.`;
}

/**
 * R2: the tenant's fixed scope, from the earliest service saved with Done; undefined while no
 * service has saved a scope. Ignoring `except` lets a service see only the others' lock.
 */
export function scopeLock(provisioning: TenantProvisioning, except?: ServiceId): ScopeLock | undefined {
  let first: ServiceAccount | undefined;
  // SERVICE_IDS order breaks ties, so the answer never depends on object key order.
  for (const service of SERVICE_IDS) {
    const account = provisioning.services[service];
    if (service === except || account.scope === null) continue;
    if (first === undefined || savedBefore(account, first)) first = account;
  }
  if (first === undefined || first.scope === null) return undefined;
  return { scope: first.scope, fixedBy: first.service };
}

function savedBefore(a: ServiceAccount, b: ServiceAccount): boolean {
  if (a.protectedAt === null) return false;
  if (b.protectedAt === null) return true;
  return Date.parse(a.protectedAt) < Date.parse(b.protectedAt);
}

/**
 * R2: how the wizard presents the scope choice of `service`. It is locked when any other service
 * saved a scope; the service that fixed the scope may re-choose while it is the only one saved.
 */
export function scopeChoice(provisioning: TenantProvisioning, service: ServiceId): ScopeChoice {
  const lock = scopeLock(provisioning, service);
  if (lock === undefined) return { locked: false, preselected: provisioning.services[service].scope };
  return { locked: true, scope: lock.scope, fixedBy: lock.fixedBy, reason: scopeLockReason(lock) };
}

/** R2: accepts `scope` for `service` unless another service already fixed a different one. */
export function checkScopeChoice(
  provisioning: TenantProvisioning,
  service: ServiceId,
  scope: SyncScope,
): Result<SyncScope, ScopeLockedError> {
  const choice = scopeChoice(provisioning, service);
  if (!choice.locked || choice.scope === scope) return ok(scope);
  return err({
    code: 'scope_locked',
    service,
    requested: scope,
    lockedScope: choice.scope,
    fixedBy: choice.fixedBy,
    message: choice.reason,
  });
}

/** Why a synchronization cannot run now. */
export interface SyncRefusal {
  readonly code: 'sync_not_protected' | 'sync_selected_users' | 'sync_token_invalid';
  readonly service: ServiceId;
  /** One line for the disabled control, the bot's `sync` answer or the scheduler's log. */
  readonly message: string;
}

/** A synchronization of all targets may run for this service. */
export interface SyncAllowed {
  readonly service: ServiceId;
  readonly scope: 'allUsersAndGroups';
}

// Shared by manual and scheduled sync: both need a protected account synchronizing all targets.
function syncOfAllTargets(
  provisioning: TenantProvisioning,
  service: ServiceId,
  selectedMessage: string,
): Result<SyncAllowed, SyncRefusal> {
  const account = provisioning.services[service];
  const name = SERVICE_NAMES[service];
  if (account.status === 'tokenInvalid') {
    return err({
      code: 'sync_token_invalid',
      service,
      message: `The access token for ${name} is invalid; create a new access token in Administration > Service Account first.`,
    });
  }
  if (account.status !== 'protected' || account.scope === null) {
    return err({ code: 'sync_not_protected', service, message: `${name} is not provisioned yet.` });
  }
  if (account.scope === 'selectedUsers') {
    return err({ code: 'sync_selected_users', service, message: selectedMessage });
  }
  return ok({ service, scope: 'allUsersAndGroups' });
}

/**
 * R3/R4/R12: whether "Click here to manually synchronize all your targets" (and the bot's `sync`)
 * may run: only for a protected service synchronizing all users and groups.
 */
export function manualSyncAvailability(
  provisioning: TenantProvisioning,
  service: ServiceId,
): Result<SyncAllowed, SyncRefusal> {
  return syncOfAllTargets(
    provisioning,
    service,
    `Manual synchronization is not available while ${SERVICE_NAMES[service]} synchronizes selected users; extend protection to all your Office 365 service targets to use it.`,
  );
}

/** R3/R4: whether the daily (and delta) synchronization applies to this service. */
export function scheduledSyncApplies(
  provisioning: TenantProvisioning,
  service: ServiceId,
): Result<SyncAllowed, SyncRefusal> {
  return syncOfAllTargets(
    provisioning,
    service,
    `Scheduled synchronization does not run while ${SERVICE_NAMES[service]} synchronizes selected users.`,
  );
}

/** A daily time of day in UTC, parsed from "HH:MM". */
export interface DailyTimeUtc {
  readonly hours: number;
  readonly minutes: number;
}

/** Parses the configured daily sync time "HH:MM" (24-hour, UTC); for config validation. */
export function parseDailyTimeUtc(
  value: string,
): Result<DailyTimeUtc, { readonly code: 'invalid_daily_time'; readonly message: string }> {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (match === null) {
    return err({
      code: 'invalid_daily_time',
      message: `"${value}" is not a time of day as HH:MM (00:00 to 23:59).`,
    });
  }
  return ok({ hours: Number(match[1]), minutes: Number(match[2]) });
}

/**
 * R4: the first daily synchronization strictly after `now` (ISO time) at `dailyTimeUtc` ("HH:MM").
 * Throws RangeError on a malformed argument: config is validated at start-up, so that is a bug.
 */
export function nextDailySync(now: string, dailyTimeUtc: string): string {
  const time = parseDailyTimeUtc(dailyTimeUtc);
  if (!time.ok) throw new RangeError(time.error.message);
  const from = Date.parse(now);
  if (Number.isNaN(from)) throw new RangeError(`"${now}" is not an ISO time.`);
  const day = new Date(from);
  const today = Date.UTC(
    day.getUTCFullYear(),
    day.getUTCMonth(),
    day.getUTCDate(),
    time.value.hours,
    time.value.minutes,
  );
  const next = today > from ? today : today + 24 * 60 * 60 * 1000;
  return new Date(next).toISOString();
}
