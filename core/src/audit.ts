/**
 * Audit entries for every consent, scope change, sync request, extend and token incident, built
 * from state transitions so the log records exactly what changed (who, when, before, after).
 */
import { SERVICE_IDS, type ServiceId } from './services.js';
import type {
  Actor,
  AuditAction,
  AuditEvent,
  ConsentStep,
  ServiceAccount,
  TenantProvisioning,
} from './model.js';
import type { BotConversationKind, ChannelNotifications } from './ports.js';
import type { ProvisioningEvent, Transition } from './provisioning.js';

/** Who acted and when; ids come from the caller because core creates none. */
export interface AuditContext {
  readonly actor: Actor;
  readonly at: string;
  /** Returns a fresh id for each entry built. */
  readonly newId: () => string;
}

/** Snapshots of the service accounts a transition changed, keyed by service; unchanged ones are left out. */
export type ServiceAccountSnapshots = Partial<Record<ServiceId, ServiceAccount>>;

// Domain records are plain JSON-shaped data, so structural equality is enough.
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  return (
    aKeys.length === bKeys.length &&
    aKeys.every((key) => sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

/** The before and after snapshots of only the service accounts that differ, optionally for some services. */
export function changedServiceAccounts(
  before: TenantProvisioning,
  after: TenantProvisioning,
  services: readonly ServiceId[] = SERVICE_IDS,
): { readonly before: ServiceAccountSnapshots; readonly after: ServiceAccountSnapshots } {
  const was: ServiceAccountSnapshots = {};
  const is: ServiceAccountSnapshots = {};
  for (const service of services) {
    if (sameData(before.services[service], after.services[service])) continue;
    was[service] = before.services[service];
    is[service] = after.services[service];
  }
  return { before: was, after: is };
}

/** The audit action an event is recorded as; undefined for events another entry already covers. */
export function auditActionFor(event: ProvisioningEvent): AuditAction | undefined {
  switch (event.kind) {
    case 'consentGranted':
      return 'consent.granted';
    case 'scopeSaved':
      return 'scope.saved';
    case 'scopeExtended':
      return 'scope.extended';
    case 'syncRequested':
      return 'sync.requested';
    case 'tokenInvalidated':
      return 'token.invalidated';
    case 'tokenRestored':
      return 'token.restored';
    case 'serviceAccountReauthorised':
      return 'serviceAccount.reauthorised';
    // Consented, protected and the Extend offer follow from the entries above; recording them twice adds noise.
    case 'serviceConsented':
    case 'serviceProtected':
    case 'extendOffered':
      return undefined;
  }
}

/**
 * One audit entry per recorded event of a transition. State changes carry before/after snapshots
 * of the changed service accounts (the event's service, or every changed one for extend); a sync
 * request records what was requested.
 */
export function auditEventsForTransition(
  before: TenantProvisioning,
  transition: Transition,
  context: AuditContext,
): AuditEvent[] {
  const entries: AuditEvent[] = [];
  for (const event of transition.events) {
    const action = auditActionFor(event);
    if (action === undefined) continue;
    const service = 'service' in event ? event.service : null;
    const snapshots =
      event.kind === 'syncRequested'
        ? { before: null, after: { trigger: event.trigger, scope: event.scope } }
        : changedServiceAccounts(before, transition.provisioning, service === null ? SERVICE_IDS : [service]);
    entries.push({
      id: context.newId(),
      tenantId: before.tenantId,
      actor: context.actor,
      action,
      service,
      at: context.at,
      before: snapshots.before,
      after: snapshots.after,
    });
  }
  return entries;
}

/** R5/R6: records a consent that failed (declined, wrong tenant, roles missing…), which changes no state. */
export function consentFailedAuditEvent(
  context: Omit<AuditContext, 'newId'> & { readonly id: string; readonly tenantId: string },
  input: {
    readonly service: ServiceId;
    readonly step: ConsentStep;
    readonly code: string;
    readonly message: string;
  },
): AuditEvent {
  return {
    id: context.id,
    tenantId: context.tenantId,
    actor: context.actor,
    action: 'consent.failed',
    service: input.service,
    at: context.at,
    before: null,
    after: { step: input.step, code: input.code, message: input.message },
  };
}

/**
 * The audit entry of `notify here` / `notify off` in a shared Teams conversation: who turned the
 * tenant's alerts on or off there, with the conversation's state before and after.
 */
export function channelNotificationsAuditEvent(
  context: Omit<AuditContext, 'newId'> & { readonly id: string; readonly tenantId: string },
  input: {
    readonly conversationId: string;
    readonly kind: BotConversationKind;
    readonly before: ChannelNotifications | null;
    readonly after: ChannelNotifications | null;
  },
): AuditEvent {
  const state = (notifications: ChannelNotifications | null) => ({
    conversationId: input.conversationId,
    kind: input.kind,
    notifications,
  });
  return {
    id: context.id,
    tenantId: context.tenantId,
    actor: context.actor,
    action: input.after === null ? 'channelNotifications.disabled' : 'channelNotifications.enabled',
    service: null,
    at: context.at,
    before: state(input.before),
    after: state(input.after),
  };
}
