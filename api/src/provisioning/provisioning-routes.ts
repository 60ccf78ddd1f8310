/**
 * Provisioning (R1–R4, R8, R11, R12): the dashboard view, **Done**, manual synchronization,
 * **Submit** on the Extend offer, the policies' **General** view and the sync history. Every change
 * goes through a `core` transition and `applyTransition`, guarded by the record's version.
 */
import { routes } from '@cas/contracts';
import {
  addTargets,
  checkSiteSelection,
  checkUserTargets,
  describeChangeNotificationStatus,
  completeProvisioning,
  extendProtection,
  MANUAL_SYNC_ALL_TARGETS_LABEL,
  requestManualSync,
  SERVICE_IDS,
  SERVICE_NAMES,
  picksUsers,
  serviceProtectedText,
  verifiedSites,
  verifiedTargets,
  type DirectoryReader,
  type QueuedSyncRun,
  type ServiceId,
  type ServiceTargetsReader,
  type SiteTarget,
  type Store,
  type Target,
  type TenantProvisioning,
} from '@cas/core';
import { ApiError } from '../http/api-error.js';
import { actorOf, refusal, requirePrincipal } from '../http/principal-actor.js';
import { defineRoute } from '../http/route.js';
import { loadProvisioning, provisioningView, serviceViews, settingsRevision } from './provisioning-view.js';
import { applyTransition } from './tenant-changes.js';
import type { EwsStateChecker } from './ews-state.js';

/** What the provisioning routes need. */
export interface ProvisioningRoutesOptions {
  store: Pick<
    Store,
    | 'provisioning'
    | 'syncRuns'
    | 'notifications'
    | 'audit'
    | 'tokenIncidents'
    | 'transaction'
    | 'changeNotifications'
    | 'directorySnapshots'
    | 'protectedTargets'
  >;
  /** Where Done verifies Selected Targets (Graph). */
  directory: Pick<DirectoryReader, 'findUsersByIds'>;
  /** Users' licence plans: whether Exchange Online or OneDrive has anything of them (any Graph app). */
  holdings: Pick<ServiceTargetsReader, 'findUserHoldings'>;
  /** SharePoint Online's picked sites, re-read by id with its own Graph app (Sites.Read.All). */
  sites: Pick<ServiceTargetsReader, 'findSitesById'>;
  ewsEnabled: boolean;
  /** Service Account's EWS line; undefined when EWS is not used (EWS_CONSENT_ENABLED=false). */
  ews?: EwsStateChecker;
  now?: () => Date;
  newId: () => string;
}

/** Saves retried when a background update of the same record won the race. */
const MAX_SAVE_ATTEMPTS = 3;

const POLICIES = [
  { id: 'advancedThreatProtection', name: 'Advanced Threat Protection' },
  { id: 'dataLossPrevention', name: 'Data Loss Prevention' },
] as const;

function staleVersion(expected: string, actual: string): ApiError {
  return new ApiError(
    409,
    'version_conflict',
    'Someone else changed these settings since you opened them. Reload and try again.',
    { expectedVersion: expected, actualVersion: actual },
  );
}

/** The provisioning routes. */
export function provisioningRoutes(options: ProvisioningRoutesOptions) {
  const now = (): string => (options.now?.() ?? new Date()).toISOString();
  const viewOptions = (): { ewsEnabled: boolean; now: string } => ({
    ewsEnabled: options.ewsEnabled,
    now: now(),
  });

  return [
    defineRoute(routes.provisioning, async ({ principal }) => {
      const { tenantId, userId } = requirePrincipal(principal);
      return {
        json: await provisioningView(options.store, tenantId, { ...viewOptions(), reader: userId }),
      };
    }),
    defineRoute(routes.done, async ({ principal, params, body }) => {
      const caller = requirePrincipal(principal);
      const service = params.service;
      const requested = {
        scope: body.scope,
        targets: body.targets as readonly Target[] | undefined,
        sites: body.sites,
      };
      // Everything core can refuse without Graph (consent, scope lock, the kind and number of
      // targets, a stale wizard) is refused before Selected Targets are looked up.
      const current = await loadProvisioning(options.store, caller.tenantId);
      const currentRevision = settingsRevision(current);
      if (currentRevision !== body.expectedVersion) throw staleVersion(body.expectedVersion, currentRevision);
      const dryRun = completeProvisioning(current, service, { ...requested, now: now() });
      if (!dryRun.ok) throw refusal(dryRun.error);
      const verified =
        body.scope === 'selectedUsers'
          ? await verifySelection(caller.tenantId, service, requested)
          : { targets: undefined, sites: undefined };
      // A save lost to a background update of the same record (a health check refreshing "last
      // verified") is retried; a change to the settings themselves is the admin's conflict.
      let applied;
      for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS && applied === undefined; attempt += 1) {
        const before = await loadProvisioning(options.store, caller.tenantId);
        const revision = settingsRevision(before);
        if (revision !== body.expectedVersion) throw staleVersion(body.expectedVersion, revision);
        const at = now();
        const transition = completeProvisioning(before, service, { scope: body.scope, ...verified, now: at });
        if (!transition.ok) throw refusal(transition.error);
        applied = await applyTransition(options.store, before, transition.value, {
          actor: actorOf(caller),
          at,
          newId: options.newId,
        });
      }
      if (applied === undefined) {
        throw new ApiError(409, 'version_conflict', 'The settings kept changing while saving. Try again.');
      }
      return {
        json: {
          provisioning: await provisioningView(options.store, caller.tenantId, {
            ...viewOptions(),
            reader: caller.userId,
          }),
          message: serviceProtectedText(service),
          syncRuns: applied.syncRuns,
        },
      };
    }),
    defineRoute(routes.syncAll, async ({ principal }) =>
      requestSync(requirePrincipal(principal), SERVICE_IDS),
    ),
    defineRoute(routes.syncService, async ({ principal, params }) =>
      requestSync(requirePrincipal(principal), [params.service]),
    ),
    defineRoute(routes.syncRuns, async ({ principal, query }) => ({
      json: {
        runs: await options.store.syncRuns.list(requirePrincipal(principal).tenantId, {
          ...(query.service === undefined ? {} : { service: query.service as ServiceId }),
          limit: query.limit,
        }),
      },
    })),
    defineRoute(routes.extend, async ({ principal }) => {
      const caller = requirePrincipal(principal);
      // The only precondition is the state itself, so a lost race is retried on the fresh record.
      for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt += 1) {
        const before = await loadProvisioning(options.store, caller.tenantId);
        const at = now();
        const transition = extendProtection(before, at);
        if (!transition.ok) throw refusal(transition.error);
        const applied = await applyTransition(options.store, before, transition.value, {
          actor: actorOf(caller),
          at,
          newId: options.newId,
        });
        if (applied !== undefined) {
          const extended = transition.value.events.flatMap((event) =>
            event.kind === 'scopeExtended' ? event.services : [],
          );
          return {
            json: {
              provisioning: await provisioningView(options.store, caller.tenantId, {
                ...viewOptions(),
                reader: caller.userId,
              }),
              services: extended,
              syncRuns: applied.syncRuns,
              message: applied.notifications[0]?.message ?? null,
            },
          };
        }
      }
      throw new ApiError(409, 'version_conflict', 'The settings kept changing while extending. Try again.');
    }),
    defineRoute(routes.policies, async ({ principal }) => {
      const tenantId = requirePrincipal(principal).tenantId;
      const provisioning = await loadProvisioning(options.store, tenantId);
      const manual = requestManualSync(provisioning);
      const [lastRun] = await options.store.syncRuns.list(tenantId, { limit: 1 });
      return {
        json: {
          services: SERVICE_IDS.map((service) => ({
            service,
            name: SERVICE_NAMES[service],
            policies: POLICIES.map((policy) => ({
              ...policy,
              // A policy protects only what a working token can reach.
              active: provisioning.services[service].status === 'protected',
            })),
          })),
          general: {
            manualSync: {
              label: MANUAL_SYNC_ALL_TARGETS_LABEL,
              allowed: manual.ok,
              reason: manual.ok ? null : manual.error.message,
            },
            lastRun: lastRun ?? null,
          },
        },
      };
    }),
    defineRoute(routes.serviceAccount, async ({ principal }) => {
      const tenantId = requirePrincipal(principal).tenantId;
      const provisioning = await loadProvisioning(options.store, tenantId);
      const ews = await ewsStateOf(provisioning, requirePrincipal(principal).userPrincipalName);
      const services = (await serviceViews(options.store, provisioning, options)).map((view) => ({
        tenantId,
        ...view,
        ews: view.service === 'exchangeOnline' ? ews : null,
      }));
      const status = await options.store.changeNotifications.getStatus(tenantId);
      const changeNotifications = {
        state: status?.state ?? ('notSetUp' as const),
        cause: status?.cause ?? null,
        renewedAt: status?.renewedAt ?? null,
        expiresAt: status?.expiresAt ?? null,
        since: status?.updatedAt ?? null,
        message: describeChangeNotificationStatus(status),
      };
      return { json: { services, changeNotifications } };
    }),
  ];

  /**
   * Selected Targets as Graph knows them, in one `$batch` per 20 (core refused more than 100 and
   * the wrong kind first, so at most five): users by object id, then for Exchange Online and
   * OneDrive their licence plans (a user without a mailbox or a OneDrive is refused by name);
   * SharePoint Online's sites by site id. Graph's names and URLs replace the client's, and
   * anything Graph does not know refuses the whole Done.
   */
  async function verifySelection(
    tenantId: string,
    service: ServiceId,
    requested: {
      readonly targets?: readonly Target[] | undefined;
      readonly sites?: readonly SiteTarget[] | undefined;
    },
  ): Promise<{ targets?: readonly Target[]; sites?: readonly SiteTarget[] }> {
    if (!picksUsers(service)) return { sites: await verifySites(tenantId, requested.sites ?? []) };
    const targets = await verifyTargets(tenantId, requested.targets ?? []);
    const holdings = await options.holdings.findUserHoldings(
      tenantId,
      targets.map((target) => target.userId),
    );
    const protectable = checkUserTargets(
      service,
      targets.map((target, index) => ({
        userId: target.userId,
        userPrincipalName: target.userPrincipalName,
        holdings: holdings[index] ?? { mailbox: false, oneDrive: false },
      })),
    );
    if (!protectable.ok) throw refusal(protectable.error);
    return { targets };
  }

  async function verifyTargets(tenantId: string, requested: readonly Target[]): Promise<readonly Target[]> {
    const selection = addTargets([], requested);
    if (!selection.ok) throw refusal(selection.error);
    const candidates = selection.value.targets;
    if (candidates.length === 0) return candidates;
    const found = await options.directory.findUsersByIds(
      tenantId,
      candidates.map((target) => target.userId),
    );
    const verified = verifiedTargets(candidates, found);
    if (!verified.ok) throw refusal(verified.error);
    return verified.value;
  }

  async function verifySites(
    tenantId: string,
    requested: readonly SiteTarget[],
  ): Promise<readonly SiteTarget[]> {
    const selection = checkSiteSelection(requested);
    if (!selection.ok) throw refusal(selection.error);
    const candidates = selection.value;
    if (candidates.length === 0) return candidates;
    const found = await options.sites.findSitesById(
      tenantId,
      candidates.map((site) => site.siteId),
    );
    const verified = verifiedSites(candidates, found);
    if (!verified.ok) throw refusal(verified.error);
    return verified.value;
  }

  /** Exchange Online's EWS line: null when EWS is not used. */
  async function ewsStateOf(provisioning: TenantProvisioning, adminUpn: string) {
    if (!options.ewsEnabled || options.ews === undefined) return null;
    return options.ews.stateOf(provisioning, adminUpn);
  }

  async function requestSync(
    caller: ReturnType<typeof requirePrincipal>,
    services: readonly ServiceId[],
  ): Promise<{ status: 200 | 202; json: { syncRuns: readonly QueuedSyncRun[] } }> {
    const before = await loadProvisioning(options.store, caller.tenantId);
    const transition = requestManualSync(before, services);
    if (!transition.ok) {
      throw new ApiError(409, 'manual_sync_not_allowed', transition.error.message, {
        reason: transition.error.code,
        service: transition.error.service,
      });
    }
    const applied = await applyTransition(options.store, before, transition.value, {
      actor: actorOf(caller),
      at: now(),
      newId: options.newId,
    });
    if (applied === undefined) throw new Error('a sync request changed no state but lost a version race');
    // R13: a service with a run queued answers that run; 202 only when something new was queued.
    const queuedNow = applied.syncRuns.some((run) => !run.alreadyQueued);
    return { status: queuedNow ? 202 : 200, json: { syncRuns: applied.syncRuns } };
  }
}
