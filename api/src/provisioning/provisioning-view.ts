/**
 * What the dashboard, the wizard and Administration > Service Account show, computed from the
 * provisioning record with `core`'s rules, so the tab never re-derives a rule (R2, R3, R11).
 */
import { createHash } from 'node:crypto';
import {
  describeTokenFailure,
  emptyProvisioning,
  extendProtection,
  requestManualSync,
  requiredConsentSteps,
  scopeLock,
  scopeLockReason,
  SERVICE_IDS,
  SERVICE_NAMES,
  type ServiceId,
  snapshotKeyOf,
  type Store,
  type SyncRun,
  targetCountText,
  type ProtectedTargetCount,
  type TenantProvisioning,
  type TokenFailureCause,
  type TokenIncident,
} from '@cas/core';
import type {
  DeepReadonly,
  ProvisioningView as ContractProvisioningView,
  ServiceView as ContractServiceView,
} from '@cas/contracts';

/** One service's view as the contract describes it, built from `core`'s read-only values. */
export type ServiceView = DeepReadonly<ContractServiceView>;

/** The dashboard's view as the contract describes it. */
export type ProvisioningView = DeepReadonly<ContractProvisioningView>;

/** Reads what the view needs besides the record itself. */
export type ViewStore = Pick<
  Store,
  'provisioning' | 'syncRuns' | 'notifications' | 'tokenIncidents' | 'directorySnapshots' | 'protectedTargets'
>;

/** Options that change the consent steps shown. */
export interface ViewOptions {
  readonly ewsEnabled: boolean;
  readonly now: string;
}

/**
 * A short tag of everything an admin decides on: each service's status, scope, targets and consent
 * steps. Token health checks update "last verified" every few minutes; they must not make an open
 * wizard stale, so the tag leaves those fields out, unlike the store's version.
 */
export function settingsRevision(provisioning: TenantProvisioning): string {
  const settings = SERVICE_IDS.map((service) => {
    const account = provisioning.services[service];
    return [
      account.status,
      account.scope,
      account.targets.map((target) => target.userId),
      account.sites.map((site) => site.siteId),
      account.consents.map((grant) => grant.step),
    ];
  });
  return createHash('sha256').update(JSON.stringify(settings)).digest('base64url').slice(0, 22);
}

/** The tenant's record, or an empty one for a tenant never seen. */
export async function loadProvisioning(
  store: Pick<Store, 'provisioning'>,
  tenantId: string,
): Promise<TenantProvisioning> {
  return (await store.provisioning.get(tenantId)) ?? emptyProvisioning(tenantId);
}

/** The roles of a service's consent steps that the open incident found missing. */
function missingRolesOf(
  service: ServiceId,
  incident: TokenIncident | undefined,
  options: Pick<ViewOptions, 'ewsEnabled'>,
): string[] {
  if (incident === undefined) return [];
  const needed = new Set(requiredConsentSteps(service, options).flatMap((step) => step.roles));
  return incident.missingRoles.filter((role) => needed.has(role));
}

/** The Service Account line of a broken token: the cause, and the missing roles by name. */
function tokenFailureMessage(cause: TokenFailureCause, missingRoles: readonly string[]): string {
  const sentence = describeTokenFailure(cause);
  return missingRoles.length === 0
    ? sentence
    : `${sentence} Missing permissions: ${missingRoles.join(', ')}.`;
}

/** Builds one service's view; `incident` is the tenant's open token incident, if any. */
export function serviceView(
  provisioning: TenantProvisioning,
  service: ServiceId,
  lastSync: SyncRun | null,
  options: Pick<ViewOptions, 'ewsEnabled'>,
  incident?: TokenIncident,
  protectedUsers: number | null = null,
  protectedTargets: ProtectedTargetCount | null = null,
): ServiceView {
  const account = provisioning.services[service];
  const missingRoles = missingRolesOf(service, incident, options);
  return {
    service,
    name: SERVICE_NAMES[service],
    status: account.status,
    scope: account.scope,
    targets: account.targets,
    sites: account.sites,
    protectedAt: account.protectedAt,
    lastVerifiedAt: account.lastVerifiedAt,
    tokenFailure:
      account.tokenFailure === null
        ? null
        : {
            cause: account.tokenFailure,
            message: tokenFailureMessage(account.tokenFailure, missingRoles),
            missingRoles,
          },
    consentSteps: requiredConsentSteps(service, { ewsEnabled: options.ewsEnabled }).map((requirement) => {
      const grant = account.consents.find((candidate) => candidate.step === requirement.step);
      // Incidents written before each step had its own app name none: then every step is suspect.
      const failing =
        account.tokenFailure !== null &&
        (incident === undefined || incident.apps.length === 0 || incident.apps.includes(requirement.app));
      const stepMissing = missingRoles.filter((role) => requirement.roles.includes(role));
      return {
        step: requirement.step,
        stepNumber: requirement.stepNumber,
        resource: requirement.resource.displayName,
        roles: requirement.roles,
        purpose: requirement.purpose,
        granted: grant !== undefined,
        grantedAt: grant?.grantedAt ?? null,
        grantedBy:
          grant === undefined
            ? null
            : grant.grantedBy.kind === 'user'
              ? grant.grantedBy.userPrincipalName
              : grant.grantedBy.component,
        grantedRoles: grant?.roles ?? [],
        app: requirement.app,
        appName: requirement.appDisplayName,
        token: {
          status: grant === undefined ? 'notGranted' : failing ? 'invalid' : 'healthy',
          lastVerifiedAt: account.lastVerifiedAt,
          failure:
            grant !== undefined && failing && account.tokenFailure !== null
              ? {
                  cause: account.tokenFailure,
                  message: tokenFailureMessage(account.tokenFailure, stepMissing),
                  missingRoles: stepMissing,
                }
              : null,
        },
      };
    }),
    lastSync,
    protectedUsers,
    protectedTargets:
      protectedTargets === null
        ? null
        : {
            count: protectedTargets.count,
            text: targetCountText(service, protectedTargets.count),
            lastSynchronizedAt: protectedTargets.lastSynchronizedAt,
          },
  };
}

/** Every service's view, each with its latest synchronization run, in product order. */
export async function serviceViews(
  store: Pick<Store, 'syncRuns' | 'tokenIncidents' | 'directorySnapshots' | 'protectedTargets'>,
  provisioning: TenantProvisioning,
  options: Pick<ViewOptions, 'ewsEnabled'>,
): Promise<ServiceView[]> {
  // Only a broken token has an incident worth reading.
  const incident = SERVICE_IDS.some((service) => provisioning.services[service].tokenFailure !== null)
    ? await store.tokenIncidents.findOpen(provisioning.tenantId)
    : undefined;
  // One read for the three tiles; a service without a count (never synchronized, or its scope
  // changed since) shows none rather than a stale one.
  const counts = await store.protectedTargets.countsFor(provisioning.tenantId);
  return Promise.all(
    SERVICE_IDS.map(async (service) => {
      const [lastSync] = await store.syncRuns.list(provisioning.tenantId, { service, limit: 1 });
      const status = provisioning.services[service].status;
      const protectedUsers =
        status === 'protected' || status === 'tokenInvalid'
          ? (
              await store.directorySnapshots.counts(
                snapshotKeyOf({
                  tenantId: provisioning.tenantId,
                  service,
                  scope: provisioning.services[service].scope ?? 'allUsersAndGroups',
                }),
              )
            ).users
          : null;
      return serviceView(
        provisioning,
        service,
        lastSync ?? null,
        options,
        incident,
        protectedUsers,
        counts.find((count) => count.service === service) ?? null,
      );
    }),
  );
}

/** Builds the dashboard view of a tenant for one admin (`reader`: the unread count is theirs). */
export async function provisioningView(
  store: ViewStore,
  tenantId: string,
  options: ViewOptions & { readonly reader: string },
): Promise<ProvisioningView> {
  const provisioning = await loadProvisioning(store, tenantId);
  const lock = scopeLock(provisioning);
  const extend = extendProtection(provisioning, options.now);
  const manualSync = requestManualSync(provisioning);
  return {
    tenantId,
    version: settingsRevision(provisioning),
    services: await serviceViews(store, provisioning, options),
    scopeLock:
      lock === undefined ? null : { scope: lock.scope, service: lock.fixedBy, reason: scopeLockReason(lock) },
    extend: { available: extend.ok, reason: extend.ok ? null : extend.error.message },
    manualSync: { allowed: manualSync.ok, reason: manualSync.ok ? null : manualSync.error.message },
    unreadNotifications: await store.notifications.countUnread(tenantId, options.reader),
  };
}
