/**
 * Applies a `core` transition to the store in one transaction: the provisioning record (guarded by
 * its version), one audit entry per event, the notifications the events raise, the cancellation of
 * a service's queued runs and of its protected-target count when its scope or targets change
 * (R14), and a pending synchronization run per sync
 * request — or the run already queued for that service (R13). The notifications table is the
 * outbox the email and Teams deliverers read, so a state change and its notification commit
 * together or not at all.
 */
import {
  auditEventsForTransition,
  closeIncident,
  extendOfferedNotification,
  newSyncRun,
  scopeExtendedNotification,
  serviceProtectedNotification,
  servicesWithInvalidToken,
  tokenRestoredNotification,
  type Actor,
  type Notification,
  type QueuedSyncRun,
  type Repositories,
  type ServiceId,
  type Store,
  type SyncRun,
  type TenantProvisioning,
  type Transition,
} from '@cas/core';

/** What a committed change produced. */
export interface AppliedChange {
  readonly provisioning: TenantProvisioning;
  /** One per sync request: the run queued now, or the one already queued (`alreadyQueued`). */
  readonly syncRuns: readonly QueuedSyncRun[];
  /** Runs cancelled because their service's scope changed. */
  readonly cancelledRuns: readonly SyncRun[];
  readonly notifications: readonly Notification[];
}

/** Who changed what and when; ids come from the caller so tests can predict them. */
export interface ChangeContext {
  readonly actor: Actor;
  readonly at: string;
  readonly newId: () => string;
}

/**
 * Commits `transition` computed from `before`. Returns undefined when `before` is stale (another
 * request saved first): nothing was written, and the caller reports a conflict or retries.
 */
export async function applyTransition(
  store: Pick<Store, 'transaction'>,
  before: TenantProvisioning,
  transition: Transition,
  context: ChangeContext,
): Promise<AppliedChange | undefined> {
  return store.transaction(async (tx) => {
    let provisioning = before;
    // A transition that changes no state (a manual sync request) does not bump the version.
    if (transition.provisioning !== before) {
      const saved = await tx.provisioning.save(transition.provisioning, before.version);
      if (!saved.ok) return undefined;
      provisioning = saved.value;
    }
    for (const event of auditEventsForTransition(before, transition, context)) {
      await tx.audit.append(event);
    }
    const syncRuns: QueuedSyncRun[] = [];
    const cancelledRuns: SyncRun[] = [];
    const notifications: Notification[] = [];
    // R14: what was queued for the old scope no longer applies; the events that follow queue
    // the run of the new one.
    // The count the tile shows was of the old targets: forgotten with the change, so the tile
    // shows none until the new scope's first run records its own.
    const scopeChanged = async (service: ServiceId) => {
      await tx.protectedTargets.forget(before.tenantId, service);
      cancelledRuns.push(
        ...(await tx.syncJobs.cancelQueued(before.tenantId, service, {
          reason: 'scopeChanged',
          at: context.at,
        })),
      );
    };
    const base = (): { id: string; tenantId: string; createdAt: string } => ({
      id: context.newId(),
      tenantId: before.tenantId,
      createdAt: context.at,
    });
    for (const event of transition.events) {
      switch (event.kind) {
        case 'syncRequested': {
          const run = newSyncRun({
            id: context.newId(),
            tenantId: before.tenantId,
            service: event.service,
            trigger: event.trigger,
            scope: event.scope,
            requestedAt: context.at,
            requestedBy: context.actor,
          });
          const requested = await tx.syncJobs.requestRun(run);
          syncRuns.push({ ...requested.run, alreadyQueued: !requested.created });
          break;
        }
        case 'scopeSaved':
          await scopeChanged(event.service);
          break;
        case 'serviceProtected':
          notifications.push(await raise(tx, serviceProtectedNotification(base(), event)));
          break;
        case 'extendOffered':
          notifications.push(await raise(tx, extendOfferedNotification(base(), event)));
          break;
        case 'scopeExtended':
          for (const service of event.services) await scopeChanged(service);
          notifications.push(
            await raise(
              tx,
              scopeExtendedNotification(base(), { services: event.services, extendedAt: event.at }),
            ),
          );
          break;
        case 'tokenRestored': {
          // Re-authorisation fixed this service. The incident is the tenant's: it closes, and
          // says so once, only when no service's token is still invalid (the health monitor
          // closes it otherwise, once its next check finds every service working).
          if (servicesWithInvalidToken(provisioning).length > 0) break;
          const incident = await tx.tokenIncidents.findOpen(before.tenantId);
          if (incident !== undefined) {
            const closed = closeIncident(incident, context.at);
            await tx.tokenIncidents.put(closed);
            const { id, createdAt } = base();
            notifications.push(await raise(tx, tokenRestoredNotification({ id, createdAt }, closed)));
          }
          break;
        }
        default:
          break;
      }
    }
    return { provisioning, syncRuns, cancelledRuns, notifications };
  });
}

async function raise(tx: Repositories, notification: Notification): Promise<Notification> {
  return (await tx.notifications.raise(notification)).notification;
}
