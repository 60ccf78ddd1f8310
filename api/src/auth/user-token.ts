/**
 * Validates the bearer tokens the tab sends (Teams SSO token or an MSAL token in a browser):
 * signature against the issuer's published keys, audience = our API, issuer of the token's own
 * tenant, lifetime with a small clock skew, and the delegated scope. The tenant an admin acts on
 * is always the token's `tid`, never something the request says.
 */
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { accessFromRoles } from './roles.js';

/**
 * Where a principal's directory roles came from: the token's `wids`, Microsoft Graph's role
 * assignments (the token carried no `wids`), or nowhere (no `wids`, and Graph could not be asked).
 */
export type RoleSource = 'token' | 'graph' | 'unknown';

/** The signed-in person a request acts for. */
export interface Principal {
  readonly tenantId: string;
  readonly userId: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  /** Holds Global Administrator in the tenant: may change everything. */
  readonly isGlobalAdministrator: boolean;
  /** Holds Global Reader or Security Reader: may open the read views, change nothing. */
  readonly isReader: boolean;
  readonly rolesFrom: RoleSource;
  /** `bot` when the bot calls on this user's behalf with the bot credential; absent for the user's own token. */
  readonly caller?: 'bot';
}

/** Why a token was refused; each maps to 401 with its own message. */
export type TokenRejection =
  | 'token_missing'
  | 'token_malformed'
  | 'token_signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_wrong_audience'
  | 'token_wrong_issuer'
  | 'token_scope_missing'
  | 'token_claims_missing'
  /** A bot credential presented a second time. */
  | 'token_replayed';

/** Result of validating a bearer token. */
export type TokenCheck =
  { ok: true; principal: Principal } | { ok: false; reason: TokenRejection; message: string };

/** Options of the validator; keys and issuers point at Entra in production and the emulator locally. */
export interface UserTokenValidatorOptions {
  /** Key lookup, e.g. `createRemoteJWKSet(<authority>/common/discovery/v2.0/keys)`. */
  keys: JWTVerifyGetKey;
  /** Accepted `aud` values: the API's client id and its Application ID URI. */
  audiences: readonly string[];
  /** Accepted issuers for a tenant id (v2 `<authority>/<tid>/v2.0`, v1 `https://sts.windows.net/<tid>/`). */
  issuersFor: (tenantId: string) => readonly string[];
  /** Delegated scope the token must carry. */
  requiredScope: string;
  clockSkewSeconds: number;
}

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates a function that validates an `Authorization` header value. */
export function createUserTokenValidator(options: UserTokenValidatorOptions) {
  return async function validate(authorization: string | undefined): Promise<TokenCheck> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    if (!match?.[1]) {
      return reject('token_missing', 'Sign in first: the request has no bearer token.');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], options.keys, {
        algorithms: ['RS256'],
        audience: [...options.audiences],
        clockTolerance: options.clockSkewSeconds,
        requiredClaims: ['exp', 'iat', 'tid', 'oid'],
      }));
    } catch (error) {
      return rejectionFromJose(error);
    }
    const tenantId = stringClaim(payload, 'tid');
    const userId = stringClaim(payload, 'oid');
    if (!tenantId || !TENANT_ID.test(tenantId) || !userId) {
      return reject('token_claims_missing', 'The token does not name a tenant and a user.');
    }
    if (!payload.iss || !options.issuersFor(tenantId).includes(payload.iss)) {
      return reject(
        'token_wrong_issuer',
        'The token was not issued by the sign-in service of its own tenant.',
      );
    }
    const scopes = (stringClaim(payload, 'scp') ?? '').split(' ');
    if (!scopes.includes(options.requiredScope)) {
      return reject('token_scope_missing', `The token does not grant the ${options.requiredScope} scope.`);
    }
    // Entra puts `wids` in the token only when the app registration asks for directory roles
    // (groupMembershipClaims); without the claim the token says nothing about roles, which is
    // not the same as "no roles" — see withDirectoryRoleFallback.
    const wids = Array.isArray(payload.wids)
      ? payload.wids.filter((id): id is string => typeof id === 'string')
      : undefined;
    return {
      ok: true,
      principal: {
        tenantId: tenantId.toLowerCase(),
        userId,
        userPrincipalName: stringClaim(payload, 'preferred_username') ?? stringClaim(payload, 'upn') ?? '',
        displayName: stringClaim(payload, 'name') ?? '',
        ...accessFromRoles(wids ?? []),
        rolesFrom: wids === undefined ? 'unknown' : 'token',
      },
    };
  };
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function reject(reason: TokenRejection, message: string): TokenCheck {
  return { ok: false, reason, message };
}

/** Maps jose's error classes to our reasons without echoing token contents. */
function rejectionFromJose(error: unknown): TokenCheck {
  // The issuer's key endpoint being unreachable is our outage, not the caller's fault.
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    throw error;
  }
  if (error instanceof joseErrors.JWTExpired) {
    return reject('token_expired', 'The token has expired: sign in again.');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return reject('token_wrong_audience', 'The token was issued for another application.');
    if (error.claim === 'nbf') return reject('token_not_yet_valid', 'The token is not valid yet.');
    return reject('token_claims_missing', `The token's ${error.claim} claim is missing or invalid.`);
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JOSEAlgNotAllowed
  ) {
    return reject('token_signature_invalid', 'The token signature does not match the issuer’s keys.');
  }
  if (error instanceof joseErrors.JOSEError) {
    return reject('token_malformed', 'The bearer token is not a valid signed token.');
  }
  throw error;
}
