/**
 * Failures of Microsoft Entra ID or Microsoft Graph reached through a route: answered as 502 with a
 * sentence the admin can act on, instead of an anonymous 500. The cause itself goes to the log.
 */
import { EntraError, GraphError } from '@cas/microsoft365';
import { ApiError } from './api-error.js';

/** The API error for an upstream failure, or undefined for anything else. */
export function upstreamApiError(error: unknown): ApiError | undefined {
  if (error instanceof EntraError) {
    const code = error.aadstsCode === undefined ? '' : ` (AADSTS${error.aadstsCode})`;
    return new ApiError(
      502,
      'entra_token_failed',
      `Microsoft Entra ID issued no access token for your organization${code}. Go to Administration > Service Account and create a new access token.`,
      { aadstsCode: error.aadstsCode ?? null },
    );
  }
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
