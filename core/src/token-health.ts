/**
 * Token health (R9): what a health check must prove for a tenant's protected services (every role
 * their consent steps ask for, per resource), naming the cause of a broken access token from the
 * errors Entra and Graph return, and the incident rules that make one outage of a tenant — however
 * many services it breaks — raise one notification and one email per admin.
 */
import {
  CONSENT_APPS,
  requiredConsentSteps,
  type ConsentAppId,
  type ConsentOptions,
  type ConsentResource,
} from './consent.js';
import { SERVICE_IDS, SERVICE_NAMES, type ServiceId } from './services.js';
import type { TenantProvisioning, TokenFailureCause, TokenIncident } from './model.js';

/** What a failed token acquisition or Graph call told us; every field is optional. */
export interface TokenFailureSignal {
  /** The AADSTS number from the token endpoint (`error_codes[0]`). */
  readonly aadstsCode?: number;
  /** HTTP status of the failed Graph call. */
  readonly httpStatus?: number;
  /** Graph's `error.code`, e.g. `Authorization_RequestDenied`. */
  readonly graphErrorCode?: string;
  /** False when a token was issued without a `roles` claim. */
  readonly rolesClaimPresent?: boolean;
}

// Token endpoint errors first: they say more than the Graph call that would have followed.
const AADSTS_CAUSES: ReadonlyMap<number, TokenFailureCause> = new Map([
  // Missing service principal: the enterprise application (our consent) is gone from the tenant.
  [7000229, 'consentRevoked'],
  [700016, 'servicePrincipalMissing'],
  [7000222, 'secretExpired'],
  // A certificate credential refused (expired, or not the one uploaded): ours to fix, as a secret.
  [700027, 'secretExpired'],
  [7000112, 'appDisabled'],
  [90002, 'unknownTenant'],
]);

/** R9: the cause of a token failure; `other` when the errors do not say. */
export function tokenFailureCause(signal: TokenFailureSignal): TokenFailureCause {
  const fromEntra = signal.aadstsCode === undefined ? undefined : AADSTS_CAUSES.get(signal.aadstsCode);
  if (fromEntra !== undefined) return fromEntra;
  // Entra still issues a token when the roles were removed but the service principal was kept.
  if (signal.rolesClaimPresent === false) return 'rolesRemoved';
  if (signal.httpStatus === 403 && signal.graphErrorCode === 'Authorization_RequestDenied')
    return 'rolesRemoved';
  return 'other';
}

/** R9: one sentence per cause, for Administration > Service Account, the card and the email. */
export const TOKEN_FAILURE_SENTENCES: Readonly<Record<TokenFailureCause, string>> = {
  consentRevoked:
    'The admin consent was revoked or the Cloud App Security enterprise application was deleted from your tenant.',
  servicePrincipalMissing: 'The Cloud App Security application is not known in your tenant.',
  rolesRemoved: 'The permissions granted to Cloud App Security were removed from its enterprise application.',
  secretExpired: 'The Cloud App Security application credential expired.',
  appDisabled: 'The Cloud App Security enterprise application is disabled in your tenant.',
  unknownTenant: 'Microsoft Entra ID no longer knows your tenant.',
  other: 'Microsoft Entra ID or Microsoft Graph refused the access token.',
};

/** R9: the sentence describing a cause. */
export function describeTokenFailure(cause: TokenFailureCause): string {
  return TOKEN_FAILURE_SENTENCES[cause];
}

/** Longest detail kept on an incident; the first line of an Entra error carries its meaning. */
export const MAX_FAILURE_DETAIL_LENGTH = 500;

/**
 * Makes an Entra or Graph error text safe to store and show: its first line only (Trace and
 * Correlation IDs follow), with anything shaped like a JWT removed, capped in length.
 */
export function sanitizeFailureDetail(text: string): string {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const withoutTokens = firstLine.replace(
    /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g,
    '[token removed]',
  );
  return withoutTokens.trim().slice(0, MAX_FAILURE_DETAIL_LENGTH);
}

/** One role a probe must find, and the services that cannot work without it. */
export interface RequiredRole {
  readonly role: string;
  readonly services: readonly ServiceId[];
}

/**
 * What one token probe must prove: the application roles the watched services need from one of
 * our app registrations (one app per consent step, so one probe per app).
 */
export interface TokenProbeRequirement {
  readonly app: ConsentAppId;
  readonly resource: ConsentResource;
  /** In consent-step order, each role once. */
  readonly roles: readonly RequiredRole[];
}

/**
 * R9: the probes a health check of these services runs — one per app their consent steps name
 * (`requiredConsentSteps`), in step order, each listing every role and who needs it.
 */
export function tokenProbeRequirements(
  services: readonly ServiceId[],
  options: ConsentOptions,
): TokenProbeRequirement[] {
  const byApp = new Map<ConsentAppId, { resource: ConsentResource; roles: Map<string, ServiceId[]> }>();
  for (const service of SERVICE_IDS.filter((candidate) => services.includes(candidate))) {
    for (const step of requiredConsentSteps(service, options)) {
      const entry = byApp.get(step.app) ?? { resource: step.resource, roles: new Map<string, ServiceId[]>() };
      byApp.set(step.app, entry);
      for (const role of step.roles) entry.roles.set(role, [...(entry.roles.get(role) ?? []), service]);
    }
  }
  return [...byApp].map(([app, { resource, roles }]) => ({
    app,
    resource,
    roles: [...roles].map(([role, needing]) => ({ role, services: needing })),
  }));
}

/** What a probe of one resource found: a token that works and its roles, or a refusal with its cause. */
export type TokenProbeFinding =
  | { readonly kind: 'granted'; readonly roles: readonly string[] }
  | { readonly kind: 'refused'; readonly cause: TokenFailureCause; readonly detail: string };

/** Why one service's token does not work. */
export interface ServiceTokenFailure {
  readonly service: ServiceId;
  readonly cause: TokenFailureCause;
  /** Roles this service needs that the token lacks (cause `rolesRemoved`). */
  readonly missingRoles: readonly string[];
}

/** What a health check found for a tenant: per service, and the one failure the incident records. */
export interface TokenHealthAssessment {
  /** Services whose token works with every role they need, in product order. */
  readonly healthy: readonly ServiceId[];
  /** Services whose token does not, in product order. */
  readonly failing: readonly ServiceTokenFailure[];
  /** The tenant's failure (undefined when every service works): what the incident records. */
  readonly failure:
    | {
        readonly services: readonly ServiceId[];
        /** The apps whose token is refused or lacks a role, in step order. */
        readonly apps: readonly ConsentAppId[];
        readonly cause: TokenFailureCause;
        readonly detail: string;
        readonly missingRoles: readonly string[];
      }
    | undefined;
}

/**
 * R9: judges a tenant's services from the probes' findings (keyed by app). A refused token breaks every service that needs its resource; a token without a role
 * breaks the services that need that role, and names it. A refusal is the cause that wins: it
 * is what the admin has to fix first. A requirement without a finding counts as refused.
 */
export function assessTokenHealth(
  requirements: readonly TokenProbeRequirement[],
  findings: ReadonlyMap<ConsentAppId, TokenProbeFinding>,
): TokenHealthAssessment {
  const refusals = new Map<ServiceId, TokenFailureCause>();
  const missing = new Map<ServiceId, string[]>();
  const watched = new Set<ServiceId>();
  const missingRoles: string[] = [];
  const details: string[] = [];
  const failingApps: ConsentAppId[] = [];
  let refusal: { readonly cause: TokenFailureCause; readonly detail: string } | undefined;
  for (const requirement of requirements) {
    const appName = CONSENT_APPS[requirement.app].displayName;
    const finding: TokenProbeFinding = findings.get(requirement.app) ?? {
      kind: 'refused',
      cause: 'other',
      detail: `No token was checked for ${appName}.`,
    };
    const lacking: string[] = [];
    for (const { role, services } of requirement.roles) {
      services.forEach((service) => watched.add(service));
      if (finding.kind === 'refused') {
        for (const service of services) if (!refusals.has(service)) refusals.set(service, finding.cause);
        continue;
      }
      if (finding.roles.includes(role)) continue;
      lacking.push(role);
      for (const service of services) missing.set(service, [...(missing.get(service) ?? []), role]);
    }
    if (finding.kind === 'refused') {
      failingApps.push(requirement.app);
      // The app's name leads, so the incident says which registration to look at.
      refusal ??= { cause: finding.cause, detail: `${appName}: ${finding.detail}` };
    }
    if (lacking.length > 0) {
      if (!failingApps.includes(requirement.app)) failingApps.push(requirement.app);
      missingRoles.push(...lacking.filter((role) => !missingRoles.includes(role)));
      details.push(`The ${appName} token (${requirement.resource.displayName}) lacks ${lacking.join(', ')}.`);
    }
  }
  const failing: ServiceTokenFailure[] = [];
  const healthy: ServiceId[] = [];
  for (const service of SERVICE_IDS.filter((candidate) => watched.has(candidate))) {
    const cause = refusals.get(service);
    const lacking = missing.get(service) ?? [];
    if (cause !== undefined) failing.push({ service, cause, missingRoles: lacking });
    else if (lacking.length > 0) failing.push({ service, cause: 'rolesRemoved', missingRoles: lacking });
    else healthy.push(service);
  }
  if (failing.length === 0) return { healthy, failing, failure: undefined };
  return {
    healthy,
    failing,
    failure: {
      services: failing.map((one) => one.service),
      apps: failingApps,
      cause: refusal?.cause ?? 'rolesRemoved',
      detail: sanitizeFailureDetail(refusal?.detail ?? details.join(' ')),
      missingRoles,
    },
  };
}

/** One observed token failure of a tenant: the services it breaks, its cause and missing roles. */
export interface TokenFailureReport {
  readonly tenantId: string;
  readonly services: readonly ServiceId[];
  /** The apps whose token failed in this check. */
  readonly apps: readonly ConsentAppId[];
  readonly cause: TokenFailureCause;
  /** Already sanitised error text (see `sanitizeFailureDetail`). */
  readonly detail: string;
  readonly missingRoles: readonly string[];
}

function inProductOrder(services: Iterable<ServiceId>): ServiceId[] {
  const wanted = new Set(services);
  return SERVICE_IDS.filter((service) => wanted.has(service));
}

/**
 * R9: opens the tenant's incident for the first failure, or updates its open one for later
 * failures, so one outage is one incident whatever the number of services it breaks: the
 * services it affected accumulate, the cause, detail and missing roles are the latest. A closed
 * incident is never reopened: the next failure opens a new one. `ids.incidentId` is used only
 * when a new incident opens.
 */
export function openOrUpdateIncident(
  open: TokenIncident | undefined,
  failure: TokenFailureReport,
  ids: { readonly incidentId: string },
  now: string,
): { readonly incident: TokenIncident; readonly opened: boolean } {
  if (open !== undefined && open.closedAt === null) {
    if (open.tenantId !== failure.tenantId) {
      // The caller looked up the wrong incident: mixing tenants must never pass silently.
      throw new RangeError(`Incident ${open.id} belongs to ${open.tenantId}, not ${failure.tenantId}.`);
    }
    return {
      incident: {
        ...open,
        services: inProductOrder([...open.services, ...failure.services]),
        apps: [...failure.apps],
        cause: failure.cause,
        detail: failure.detail,
        missingRoles: [...failure.missingRoles],
        lastFailureAt: now,
        failureCount: open.failureCount + 1,
      },
      opened: false,
    };
  }
  return {
    incident: {
      id: ids.incidentId,
      tenantId: failure.tenantId,
      services: inProductOrder(failure.services),
      apps: [...failure.apps],
      cause: failure.cause,
      detail: failure.detail,
      missingRoles: [...failure.missingRoles],
      openedAt: now,
      lastFailureAt: now,
      failureCount: 1,
      closedAt: null,
    },
    opened: true,
  };
}

/** R9/R10: closes an incident when a token works again; closing a closed incident changes nothing. */
export function closeIncident(incident: TokenIncident, now: string): TokenIncident {
  return incident.closedAt === null ? { ...incident, closedAt: now } : incident;
}

/** The services of a tenant whose token is invalid now, in product order. */
export function servicesWithInvalidToken(provisioning: TenantProvisioning): ServiceId[] {
  return SERVICE_IDS.filter((service) => provisioning.services[service].status === 'tokenInvalid');
}

/** "Exchange Online", "Exchange Online and OneDrive", "Exchange Online, SharePoint Online and OneDrive". */
export function serviceNameList(services: readonly ServiceId[]): string {
  const names = services.map((service) => SERVICE_NAMES[service]);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}` : (names[0] ?? '');
}

/**
 * The line the token-invalid notification, card and email lead with: every affected service, the
 * cause, and the missing roles by name.
 */
export function tokenInvalidSummary(
  services: readonly ServiceId[],
  cause: TokenFailureCause,
  missingRoles: readonly string[] = [],
): string {
  const subject = services.length === 0 ? 'your services' : serviceNameList(services);
  const roles = missingRoles.length === 0 ? '' : ` Missing permissions: ${missingRoles.join(', ')}.`;
  return `The access token for ${subject} is invalid. ${describeTokenFailure(cause)}${roles}`;
}

/**
 * Why Microsoft Graph would not give us change notifications for a tenant (ADR 0014). A refused
 * subscription is never a silent fallback to polling: the cause is shown in Administration >
 * Service Account, and the token-related ones start a token health check at once (R9).
 */
export type ChangeNotificationFailureCause =
  /** Entra refused the token, or Graph the token (401): the access token is the problem. */
  | 'tokenRefused'
  /** Graph answered 403: the consent lacks a read permission of users or groups. */
  | 'permissionMissing'
  /** Graph could not validate our notification URL (not reachable, wrong answer, too slow). */
  | 'notificationUrlNotValidated'
  /** The app holds too many subscriptions in the tenant. */
  | 'quotaExceeded'
  /** Graph was unavailable, throttled or did not answer. */
  | 'graphUnavailable'
  | 'other';

/** One sentence per cause, for Administration > Service Account. */
export const CHANGE_NOTIFICATION_FAILURE_SENTENCES: Readonly<Record<ChangeNotificationFailureCause, string>> =
  {
    tokenRefused: 'Microsoft Entra ID or Microsoft Graph refused the access token.',
    permissionMissing: 'The consent does not allow reading users and groups.',
    notificationUrlNotValidated:
      'Microsoft Graph could not validate the Cloud App Security notification URL (unreachable, wrong answer or too slow).',
    quotaExceeded: 'Cloud App Security holds too many change notification subscriptions in your tenant.',
    graphUnavailable: 'Microsoft Graph was unavailable; Cloud App Security tries again shortly.',
    other: 'Microsoft Graph refused the change notification subscription.',
  };

/** Names the cause of a failed subscription call from what Entra or Graph answered. */
export function changeNotificationFailureCause(signal: {
  readonly fromEntra?: boolean;
  readonly httpStatus?: number;
  readonly graphErrorCode?: string;
  readonly message?: string;
}): ChangeNotificationFailureCause {
  if (signal.fromEntra === true || signal.httpStatus === 401) return 'tokenRefused';
  const message = signal.message ?? '';
  if (signal.httpStatus === 403) return /limit|quota/i.test(message) ? 'quotaExceeded' : 'permissionMissing';
  if (/validation request/i.test(message)) return 'notificationUrlNotValidated';
  if (
    signal.httpStatus === undefined ||
    signal.httpStatus === 0 ||
    signal.httpStatus === 429 ||
    signal.httpStatus >= 500
  )
    return 'graphUnavailable';
  return 'other';
}
