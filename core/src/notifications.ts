/**
 * Notifications under the ring icon (and the bot's cards and emails that repeat them): exact texts
 * and de-duplication keys, so raising the same event twice stores and sends it once.
 */
import { SERVICE_NAMES, type ServiceId } from './services.js';
import { serviceNameList, tokenInvalidSummary } from './token-health.js';
import type { Notification, SyncRun, TokenIncident } from './model.js';

/** R11: the offer under Notifications, in the source guide's words (its period included). */
export const EXTEND_OFFER_TEXT = 'Extend to protect all your Office 365 service targets.';

/** R9/R10: where the admin fixes a broken token. */
export const SERVICE_ACCOUNT_PAGE = 'Administration > Service Account';

/** Ids and time every builder needs from its caller (core creates no ids and reads no clock). */
export interface NotificationBase {
  readonly id: string;
  readonly tenantId: string;
  readonly createdAt: string;
}

/** The text that proves provisioning succeeded, e.g. exactly "Exchange Online protected.". */
export function serviceProtectedText(service: ServiceId): string {
  return `${SERVICE_NAMES[service]} protected.`;
}

function notification(
  base: NotificationBase,
  kind: Notification['kind'],
  service: ServiceId | null,
  message: string,
  dedupeKey: string,
): Notification {
  return { ...base, kind, service, message, dedupeKey, readAt: null };
}

/** "Exchange Online protected.", once per protection of a service (keyed by its protectedAt). */
export function serviceProtectedNotification(
  base: NotificationBase,
  input: { readonly service: ServiceId; readonly protectedAt: string },
): Notification {
  return notification(
    base,
    'serviceProtected',
    input.service,
    serviceProtectedText(input.service),
    `serviceProtected:${base.tenantId}:${input.service}:${input.protectedAt}`,
  );
}

/**
 * R9: the token-invalid alert of a tenant's incident, naming every affected service, the cause and
 * the missing roles; one per incident however often it fails and however many services it breaks.
 */
export function tokenInvalidNotification(
  base: Omit<NotificationBase, 'tenantId'>,
  incident: TokenIncident,
): Notification {
  return notification(
    { ...base, tenantId: incident.tenantId },
    'tokenInvalid',
    null,
    `${tokenInvalidSummary(incident.services, incident.cause, incident.missingRoles)} Go to ${SERVICE_ACCOUNT_PAGE} to create a new access token.`,
    `tokenInvalid:${incident.id}`,
  );
}

/** R10: says the token works again for every service the incident affected; one per closed incident. */
export function tokenRestoredNotification(
  base: Omit<NotificationBase, 'tenantId'>,
  incident: TokenIncident,
): Notification {
  const subject = incident.services.length === 0 ? 'your services' : serviceNameList(incident.services);
  return notification(
    { ...base, tenantId: incident.tenantId },
    'tokenRestored',
    null,
    `The access token for ${subject} is valid again; protection has resumed.`,
    `tokenRestored:${incident.id}`,
  );
}

/**
 * R11: the Extend offer; one per tenant per selected-mode period, identified by `since`, when the
 * tenant started synchronizing selected users.
 */
export function extendOfferedNotification(
  base: NotificationBase,
  input: { readonly since: string },
): Notification {
  return notification(
    base,
    'extendOffered',
    null,
    EXTEND_OFFER_TEXT,
    `extendOffered:${base.tenantId}:${input.since}`,
  );
}

/** R11: confirms Submit switched the services to all users and groups; one per Submit. */
export function scopeExtendedNotification(
  base: NotificationBase,
  input: { readonly services: readonly ServiceId[]; readonly extendedAt: string },
): Notification {
  return notification(
    base,
    'scopeExtended',
    null,
    `Protection extended: ${serviceNameList(input.services)} now ${input.services.length === 1 ? 'synchronizes' : 'synchronize'} all users and groups.`,
    `scopeExtended:${base.tenantId}:${input.extendedAt}`,
  );
}

/**
 * The "sync failing" alert of a tenant's service, keyed by the run that died first in the streak:
 * raised only when `opensSyncFailingAlert` says so, so one streak of dead runs is one alert.
 */
export function syncFailedNotification(base: Omit<NotificationBase, 'tenantId'>, run: SyncRun): Notification {
  const reason = run.error === null ? '' : `: ${run.error}`;
  return notification(
    { ...base, tenantId: run.tenantId },
    'syncFailed',
    run.service,
    `Synchronization of ${SERVICE_NAMES[run.service]} failed${reason}`.replace(/[.\s]*$/, '.'),
    `syncFailed:${run.id}`,
  );
}

/** Warns before our application credential expires; one per tenant per expiry date. */
export function secretExpiringNotification(
  base: NotificationBase,
  input: { readonly expiresAt: string },
): Notification {
  const day = input.expiresAt.slice(0, 10);
  return notification(
    base,
    'secretExpiring',
    null,
    `The Cloud App Security application credential expires on ${day} (UTC); tokens for your services will stop working unless it is renewed.`,
    `secretExpiring:${base.tenantId}:${input.expiresAt}`,
  );
}
