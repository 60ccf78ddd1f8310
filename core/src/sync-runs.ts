/**
 * Rules of synchronization runs as requests: a new run is pending with nothing counted; a run
 * applies only to the scope that holds when it runs (R14), otherwise it is cancelled with a
 * reason; and a sync that keeps dying raises one "sync failing" alert per streak, not one per run.
 */
import { err, ok, type Result } from './result.js';
import { picksUsers } from './service-targets.js';
import { SERVICE_NAMES, type ServiceId } from './services.js';
import type {
  Actor,
  SyncCancelReason,
  SyncRun,
  SyncRunStatus,
  SyncScope,
  SyncTrigger,
  TenantProvisioning,
} from './model.js';

/** A run as a request answer shows it: `alreadyQueued` when the (tenant, service) had one queued (R13). */
export type QueuedSyncRun = SyncRun & { readonly alreadyQueued: boolean };

/** What a new run needs; everything else starts empty. */
export interface NewSyncRunInput {
  readonly id: string;
  readonly tenantId: string;
  readonly service: ServiceId;
  readonly trigger: SyncTrigger;
  readonly scope: SyncScope;
  readonly requestedAt: string;
  readonly requestedBy: Actor;
}

/** A pending run with no figures yet. */
export function newSyncRun(input: NewSyncRunInput): SyncRun {
  return {
    ...input,
    status: 'pending',
    startedAt: null,
    finishedAt: null,
    added: 0,
    updated: 0,
    removed: 0,
    graphRequests: 0,
    error: null,
    cancelReason: null,
    missingTargets: [],
    protectedTargets: null,
  };
}

/** Statuses of a run still to be applied: at most one per (tenant, service) (R13). */
export const QUEUED_SYNC_RUN_STATUSES: readonly SyncRunStatus[] = ['pending', 'running'];

/** True when the run reached its outcome (succeeded, failed, dead or cancelled). */
export function isSyncRunFinished(run: Pick<SyncRun, 'status'>): boolean {
  return !QUEUED_SYNC_RUN_STATUSES.includes(run.status);
}

/** Why a run no longer applies, with one line for the run history and the bot's card. */
export interface SyncCancellation {
  readonly reason: SyncCancelReason;
  readonly message: string;
}

/** The line shown for a run cancelled for `reason`. */
export function syncCancelText(reason: SyncCancelReason, service: ServiceId): string {
  const name = SERVICE_NAMES[service];
  switch (reason) {
    case 'scopeChanged':
      return `The scope of ${name} changed after this synchronization was requested; a synchronization of the current scope replaces it.`;
    case 'serviceNotProtected':
      return `${name} is no longer protected, so there is nothing to synchronize.`;
    case 'tokenInvalid':
      return `The access token for ${name} is invalid; create a new access token in Administration > Service Account.`;
    case 'noTargets':
      return `${name} has no Selected Targets to synchronize; the synchronized directory was left as it was.`;
    case 'superseded':
      return `Another synchronization of ${name} was already queued.`;
  }
}

function cancellation(reason: SyncCancelReason, service: ServiceId): Result<never, SyncCancellation> {
  return err({ reason, message: syncCancelText(reason, service) });
}

/**
 * R14: whether `run` still applies to its service as `provisioning` holds it now (at claim time):
 * the service is protected, with the scope the run was requested for, and in selected mode with at
 * least one target — an empty selection would otherwise sweep the whole synchronized directory.
 */
export function syncRunApplies(
  provisioning: TenantProvisioning | undefined,
  run: Pick<SyncRun, 'service' | 'scope'>,
): Result<void, SyncCancellation> {
  const account = provisioning?.services[run.service];
  if (account?.status === 'tokenInvalid') return cancellation('tokenInvalid', run.service);
  if (account?.status !== 'protected' || account.scope === null)
    return cancellation('serviceNotProtected', run.service);
  if (account.scope !== run.scope) return cancellation('scopeChanged', run.service);
  // SharePoint Online's Selected Targets are site collections, the others' users.
  const selection = picksUsers(run.service) ? account.targets : account.sites;
  if (account.scope === 'selectedUsers' && selection.length === 0)
    return cancellation('noTargets', run.service);
  return ok(undefined);
}

/**
 * Whether a run that just died opens a "sync failing" alert: only when no earlier run of the same
 * tenant and service died since its last success. The streak keeps one open alert until a
 * success; the next streak opens a new one (one incident, one alert).
 */
export function opensSyncFailingAlert(history: {
  /** The latest succeeded run of the tenant's service, if any. */
  readonly lastSucceeded: Pick<SyncRun, 'requestedAt'> | undefined;
  /** The latest dead run before this one, if any. */
  readonly previousDead: Pick<SyncRun, 'requestedAt'> | undefined;
}): boolean {
  const { lastSucceeded, previousDead } = history;
  if (previousDead === undefined) return true;
  return lastSucceeded !== undefined && lastSucceeded.requestedAt > previousDead.requestedAt;
}
