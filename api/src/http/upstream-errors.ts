/**
 * Failures of Microsoft Entra ID or Microsoft Graph reached through a route, named for what they
 * are, with a sentence the admin can act on instead of an anonymous 500 or a bare "Graph failed".
 * The cause itself goes to the log. A token Entra refuses says why in its AADSTS code:
 * - no service principal of our app in the tenant (AADSTS7000229, 700016): nobody consented yet,
 *   or the enterprise application was deleted — 409 `consent_required`;
 * - the enterprise application is disabled (AADSTS7000112) — 409 `service_account_disabled`;
 * - our own client secret or certificate is wrong or expired (AADSTS7000215, 7000222, 700027, 700024) — 503
 *   `service_credential_rejected`: our fault, nothing the admin can do;
 * - anything else — 502 `entra_token_failed`.
 */
import { EntraError, GraphError } from '@cas/microsoft365';
import { ApiError } from './api-error.js';

const NOT_CONSENTED = new Set([7000229, 700016]);
const OUR_CREDENTIAL_REFUSED = new Set([7000215, 7000222, 700027, 700024]);
const APP_DISABLED = 7000112;

/** The API error for an upstream failure, or undefined for anything else. */
export function upstreamApiError(error: unknown): ApiError | undefined {
  if (error instanceof EntraError) return entraApiError(error);
  if (error instanceof GraphError) {
    if (error.statusCode === 401 || error.statusCode === 403) {
      return new ApiError(
        502,
        'graph_access_denied',
        'Microsoft Graph refused our access token for your organization; its permissions may have been removed. Go to Administration > Service Account and create a new access token.',
        { graphStatus: error.statusCode },
      );
    }
    return new ApiError(
      502,
      'graph_failed',
      'Microsoft Graph did not answer as expected. Try again in a moment.',
      { graphStatus: error.statusCode },
    );
  }
  return undefined;
}

/** True when Graph answered that the object asked for does not exist (404 Request_ResourceNotFound). */
export function isGraphNotFound(error: unknown): boolean {
  return error instanceof GraphError && error.statusCode === 404;
}

function entraApiError(error: EntraError): ApiError {
  const aadstsCode = error.aadstsCode ?? null;
  const details = { aadstsCode };
  if (aadstsCode !== null && NOT_CONSENTED.has(aadstsCode)) {
    return new ApiError(
      409,
      'consent_required',
      `Cloud App Security is not consented in your organization yet (AADSTS${aadstsCode}: Microsoft Entra ID has no Cloud App Security enterprise application there). Provision a service and complete the consent steps; if you had consented before, the enterprise application was deleted: go to Administration > Service Account and create a new access token.`,
      details,
    );
  }
  if (aadstsCode === APP_DISABLED) {
    return new ApiError(
      409,
      'service_account_disabled',
      `The Cloud App Security enterprise application is disabled in your organization (AADSTS${APP_DISABLED}). In the Microsoft Entra admin center, open Enterprise applications > Cloud App Security > Properties and set "Enabled for users to sign in" to Yes.`,
      details,
    );
  }
  if (aadstsCode !== null && OUR_CREDENTIAL_REFUSED.has(aadstsCode)) {
    return new ApiError(
      503,
      'service_credential_rejected',
      `Microsoft Entra ID refused Cloud App Security's own credential (AADSTS${aadstsCode}). This is on our side, not a setting of your organization; we are fixing it. Try again later.`,
      details,
    );
  }
  const code = aadstsCode === null ? '' : ` (AADSTS${aadstsCode})`;
  return new ApiError(
    502,
    'entra_token_failed',
    `Microsoft Entra ID issued no access token for your organization${code}. Go to Administration > Service Account and create a new access token.`,
    details,
  );
}
