/**
 * Checks the bearer token on Microsoft Graph requests the way Graph does: signature against the
 * emulator's published keys, audience, issuer and lifetime, answering with Graph's own
 * `InvalidAuthenticationToken` messages.
 */
import { compactVerify, decodeProtectedHeader } from 'jose';
import { MICROSOFT_GRAPH_APP_ID, MICROSOFT_GRAPH_RESOURCE } from './well-known-resources.js';
import type { GraphCaller, GraphTokenCheck, GraphTokenVerifier } from '../contracts.js';
import type { SigningKeyRing } from './signing-keys.js';

/** Graph tolerates five minutes of clock skew on `exp` and `nbf`. */
const CLOCK_SKEW_SECONDS = 300;

/** Graph's messages for each way a token can fail (those marked in the README as unverified are best guesses). */
export const GRAPH_TOKEN_MESSAGES = {
  empty: 'Access token is empty.',
  notJwt:
    "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.",
  malformed: 'Invalid JWT token. Token format not valid.',
  signature: 'Access token validation failure. Invalid signature.',
  audience: 'Access token validation failure. Invalid audience.',
  issuer: 'Access token validation failure. Invalid issuer.',
  expired: 'Lifetime validation failed, the token is expired.',
  notYetValid: 'Lifetime validation failed, the token is not yet valid.',
} as const;

/** Options for {@link createGraphTokenVerifier}. */
export interface GraphTokenVerifierOptions {
  keys: SigningKeyRing;
  /** Clock in ms since the epoch. */
  now: () => number;
}

/** Creates the verifier the Graph half receives. */
export function createGraphTokenVerifier(options: GraphTokenVerifierOptions): GraphTokenVerifier {
  const fail = (message: string): GraphTokenCheck => ({
    ok: false,
    code: 'InvalidAuthenticationToken',
    message,
  });
  return {
    async verify(authorizationHeader) {
      const match = /^\s*bearer\s*(.*)$/i.exec(authorizationHeader ?? '');
      const token = (match?.[1] ?? '').trim();
      if (!token) return fail(GRAPH_TOKEN_MESSAGES.empty);
      if (!token.includes('.')) return fail(GRAPH_TOKEN_MESSAGES.notJwt);

      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
      } catch {
        return fail(GRAPH_TOKEN_MESSAGES.malformed);
      }
      const key = kid ? options.keys.find(kid) : undefined;
      if (!key) return fail(GRAPH_TOKEN_MESSAGES.signature);
      let claims: Record<string, unknown>;
      try {
        const { payload } = await compactVerify(token, key.publicKey, { algorithms: ['RS256'] });
        claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
      } catch {
        return fail(GRAPH_TOKEN_MESSAGES.signature);
      }

      if (claims.aud !== MICROSOFT_GRAPH_RESOURCE && claims.aud !== MICROSOFT_GRAPH_APP_ID) {
        return fail(GRAPH_TOKEN_MESSAGES.audience);
      }
      const tid = typeof claims.tid === 'string' ? claims.tid : '';
      // Graph tokens are always v1.0, so only the sts.windows.net issuer of their own tenant is valid.
      if (claims.iss !== `https://sts.windows.net/${tid}/`) {
        return fail(GRAPH_TOKEN_MESSAGES.issuer);
      }
      const now = Math.floor(options.now() / 1000);
      if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_SECONDS <= now)
        return fail(GRAPH_TOKEN_MESSAGES.expired);
      if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_SECONDS > now)
        return fail(GRAPH_TOKEN_MESSAGES.notYetValid);

      return { ok: true, caller: toCaller(claims, tid) };
    },
  };
}

function toCaller(claims: Record<string, unknown>, tid: string): GraphCaller {
  const roles = Array.isArray(claims.roles)
    ? claims.roles.filter((role): role is string => typeof role === 'string')
    : [];
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
  const appId =
    typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : '';
  const caller: GraphCaller = { tid, appId, roles, scopes };
  if (claims.idtyp !== 'app' && scopes.length > 0 && typeof claims.oid === 'string')
    caller.userId = claims.oid;
  return caller;
}
