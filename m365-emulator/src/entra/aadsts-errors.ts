/**
 * Entra ID error catalogue and the exact body shape of token-endpoint errors. Clients (msal-node
 * included) surface `error` as the error code and `error_description` as the message, so both must
 * read as Entra's do: `AADSTSn: message\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …`.
 */
import { randomUUID } from 'node:crypto';

/** Values some messages quote. */
export interface AadstsParams {
  appId?: string;
  appName?: string;
  tenant?: string;
  tenantName?: string;
  upn?: string;
  redirectUri?: string;
  resource?: string;
  parameter?: string;
  grantType?: string;
  scope?: string;
  /** The bracketed detail some messages carry (`[Reason - …]`). */
  reason?: string;
}

interface CatalogEntry {
  /** OAuth 2.0 `error` value. */
  readonly error: string;
  /** HTTP status on the token endpoint. */
  readonly status: number;
  readonly message: (p: AadstsParams) => string;
}

const CATALOG = {
  50011: {
    error: 'invalid_request',
    status: 400,
    message: (p) =>
      `The redirect URI '${p.redirectUri}' specified in the request does not match the redirect URIs configured for the application '${p.appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
  },
  50020: {
    error: 'access_denied',
    status: 400,
    message: (p) =>
      `User account '${p.upn}' from identity provider 'https://sts.windows.net/${p.tenant}/' does not exist in tenant '${p.tenantName}' and cannot access the application '${p.appId}'(${p.appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
  },
  50034: {
    error: 'invalid_grant',
    status: 400,
    message: (p) =>
      `The user account ${p.upn} does not exist in the ${p.tenant} directory. To sign into this application, the account must be added to the directory.`,
  },
  50057: { error: 'invalid_grant', status: 400, message: () => 'The user account is disabled.' },
  50058: {
    error: 'login_required',
    status: 400,
    message: () =>
      "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD.",
  },
  50059: {
    error: 'invalid_request',
    status: 400,
    message: () =>
      'No tenant-identifying information found in either the request or implied by any provided credentials.',
  },
  50089: {
    error: 'invalid_grant',
    status: 400,
    message: () =>
      'Authentication failed due to flow token expired. Start the sign-in again from the application.',
  },
  50126: {
    error: 'invalid_grant',
    status: 400,
    message: () => 'Error validating credentials due to invalid username or password.',
  },
  54005: {
    error: 'invalid_grant',
    status: 400,
    message: () =>
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  },
  65004: {
    error: 'access_denied',
    status: 400,
    message: () => 'User declined to consent to access the app.',
  },
  70003: {
    error: 'unsupported_grant_type',
    status: 400,
    message: (p) => `The app requested an unsupported grant type '${p.grantType}'.`,
  },
  70008: {
    error: 'invalid_grant',
    status: 400,
    message: () =>
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  },
  70011: {
    error: 'invalid_scope',
    status: 400,
    message: (p) =>
      `The provided value for the input parameter 'scope' is not valid. The scope ${p.scope} is not valid.`,
  },
  90002: {
    error: 'invalid_request',
    status: 400,
    message: (p) =>
      `Tenant '${p.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  },
  90094: {
    error: 'access_denied',
    status: 400,
    message: () => 'The grant requires admin permission.',
  },
  9002325: {
    error: 'invalid_request',
    status: 400,
    message: () => 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
  },
  700021: {
    error: 'invalid_client',
    status: 401,
    message: () => "Client assertion application identifier doesn't match 'client_id' parameter.",
  },
  700024: {
    error: 'invalid_client',
    status: 401,
    message: (p) =>
      `Client assertion is not within its valid time range. ${p.reason ?? ''} Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
  },
  700027: {
    error: 'invalid_client',
    status: 401,
    message: (p) =>
      `Client assertion failed signature validation. [Reason - ${p.reason ?? 'The key was not found.'}, Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${p.appId}'. Review the documentation at https://go.microsoft.com/fwlink/?linkid=2086483 to configure application with certificate.]`,
  },
  700054: {
    error: 'unsupported_response_type',
    status: 400,
    message: (p) => `response_type '${p.parameter}' is not enabled for the application.`,
  },
  500011: {
    error: 'invalid_resource',
    status: 400,
    message: (p) =>
      `The resource principal named ${p.resource} was not found in the tenant named ${p.tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  },
  500112: {
    error: 'invalid_grant',
    status: 400,
    message: (p) =>
      `The reply address '${p.redirectUri}' does not match the reply address provided when requesting Authorization code.`,
  },
  501481: {
    error: 'invalid_grant',
    status: 400,
    message: () =>
      'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  },
  700016: {
    error: 'unauthorized_client',
    status: 400,
    message: (p) =>
      `Application with identifier '${p.appId}' was not found in the directory '${p.tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  },
  700082: {
    error: 'invalid_grant',
    status: 400,
    message: () =>
      'The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90.00:00:00.',
  },
  900144: {
    error: 'invalid_request',
    status: 400,
    message: (p) => `The request body must contain the following parameter: '${p.parameter}'.`,
  },
  1002012: {
    error: 'invalid_scope',
    status: 400,
    message: (p) =>
      `The provided value for scope ${p.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  },
  7000112: {
    error: 'unauthorized_client',
    status: 400,
    message: (p) => `Application '${p.appId}'(${p.appName}) is disabled.`,
  },
  7000215: {
    error: 'invalid_client',
    status: 401,
    message: (p) =>
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${p.appId}'.`,
  },
  7000218: {
    error: 'invalid_client',
    status: 401,
    message: () =>
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  },
  7000222: {
    error: 'invalid_client',
    status: 401,
    message: (p) =>
      `The provided client secret keys for app '${p.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
  },
  7000229: {
    error: 'invalid_client',
    status: 401,
    message: (p) =>
      `The client application ${p.appId} is missing service principal in the tenant ${p.tenant}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
  },
  9002313: {
    error: 'invalid_grant',
    status: 400,
    message: () => 'Invalid request. Request is malformed or invalid.',
  },
} satisfies Record<number, CatalogEntry>;

/** Every AADSTS code the emulator can answer with. */
export type AadstsCode = keyof typeof CATALOG;

/** An Entra error before it is dressed with trace ids and a timestamp. */
export interface AadstsError {
  readonly code: AadstsCode;
  readonly error: string;
  readonly status: number;
  /** `AADSTSn: message` (no trace lines). */
  readonly message: string;
}

/** Looks up an AADSTS code and fills in its message. */
export function aadsts(code: AadstsCode, params: AadstsParams = {}): AadstsError {
  const entry: CatalogEntry = CATALOG[code];
  return {
    code,
    error: entry.error,
    status: entry.status,
    message: `AADSTS${code}: ${entry.message(params)}`,
  };
}

/** Ids and time that make each error report unique, as Entra stamps them. */
export interface ErrorStamp {
  readonly traceId: string;
  readonly correlationId: string;
  readonly timestamp: string;
}

/** Formats a time as Entra does in error bodies: `2024-05-01 12:34:56Z`. */
export function entraTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Creates the stamp; the correlation id echoes the client's `client-request-id` when it sent one. */
export function stampError(now: number, clientRequestId?: string): ErrorStamp {
  const correlationId =
    clientRequestId && /^[0-9a-f-]{36}$/i.test(clientRequestId) ? clientRequestId : randomUUID();
  return { traceId: randomUUID(), correlationId, timestamp: entraTimestamp(now) };
}

/** `AADSTSn: message` followed by the trace lines, exactly as `error_description` carries it. */
export function describeError(error: AadstsError, stamp: ErrorStamp): string {
  return `${error.message}\r\nTrace ID: ${stamp.traceId}\r\nCorrelation ID: ${stamp.correlationId}\r\nTimestamp: ${stamp.timestamp}`;
}

/** The JSON body of a token-endpoint error. */
export interface TokenErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

/** Builds the token-endpoint error body; `errorOrigin` hosts the `error_uri` page. */
export function tokenErrorBody(error: AadstsError, stamp: ErrorStamp, errorOrigin: string): TokenErrorBody {
  return {
    error: error.error,
    error_description: describeError(error, stamp),
    error_codes: [error.code],
    timestamp: stamp.timestamp,
    trace_id: stamp.traceId,
    correlation_id: stamp.correlationId,
    error_uri: errorUri(error.code, errorOrigin),
  };
}

/** The `error_uri` Entra adds: a help page for the code. */
export function errorUri(code: number, errorOrigin: string): string {
  return `${errorOrigin}/error?code=${code}`;
}
