/**
 * Token health (R9): naming the cause of a broken access token from the errors Entra and Graph
 * return, and the incident rules that make one outage raise one notification and one email.
 */
import { SERVICE_NAMES, type ServiceId } from './services.js';
import type { TokenFailureCause, TokenIncident } from './model.js';

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

/** One observed token failure of a tenant's service. */
export interface TokenFailureReport {
  readonly tenantId: string;
  readonly service: ServiceId;
  readonly cause: TokenFailureCause;
  /** Already sanitised error text (see `sanitizeFailureDetail`). */
  readonly detail: string;
}

/**
 * R9: opens an incident for the first failure, or bumps the open one for later failures, so one
 * outage is one incident. A closed incident is never reopened: the next failure opens a new one.
 * `ids.incidentId` is used only when a new incident opens.
 */
export function openOrUpdateIncident(
  open: TokenIncident | undefined,
  failure: TokenFailureReport,
  ids: { readonly incidentId: string },
  now: string,
): { readonly incident: TokenIncident; readonly opened: boolean } {
  if (open !== undefined && open.closedAt === null) {
    if (open.tenantId !== failure.tenantId || open.service !== failure.service) {
      // The caller looked up the wrong incident: mixing tenants must never pass silently.
      throw new RangeError(
        `Incident ${open.id} belongs to ${open.tenantId}/${open.service}, not ${failure.tenantId}/${failure.service}.`,
      );
    }
    // The latest cause wins: it is what the admin has to fix now.
    return {
      incident: {
        ...open,
        cause: failure.cause,
        detail: failure.detail,
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
      service: failure.service,
      cause: failure.cause,
      detail: failure.detail,
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

/** The line the token-invalid notification, card and email lead with. */
export function tokenInvalidSummary(service: ServiceId, cause: TokenFailureCause): string {
  return `The access token for ${SERVICE_NAMES[service]} is invalid. ${describeTokenFailure(cause)}`;
}
