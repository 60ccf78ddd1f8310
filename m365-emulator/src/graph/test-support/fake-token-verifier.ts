/**
 * Test-only stand-in for the Entra half's token verifier: a "token" is `test.<base64url JSON>` of
 * the caller's claims, so tests can mint any caller without keys. Never used by the server.
 */
import type { GraphCaller, GraphTokenCheck, GraphTokenVerifier } from '../../contracts.js';

/** Claims a test token carries (plus an optional expiry in epoch ms). */
export interface TestTokenClaims extends GraphCaller {
  expiresAt?: number;
}

/** Mints a test token for the given caller. */
export function mintTestToken(claims: TestTokenClaims): string {
  return `test.${Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')}`;
}

/** Verifier that accepts tokens from {@link mintTestToken}, with Graph's messages for the failures. */
export function createFakeTokenVerifier(now: () => number = Date.now): GraphTokenVerifier {
  return {
    verify: async (header): Promise<GraphTokenCheck> => {
      const token = header?.replace(/^Bearer\s+/i, '').trim();
      if (!token) return { ok: false, code: 'InvalidAuthenticationToken', message: 'Access token is empty.' };
      if (!token.startsWith('test.'))
        return {
          ok: false,
          code: 'InvalidAuthenticationToken',
          message: 'IDX14100: JWT is not well formed, there are no dots (.).',
        };
      let claims: TestTokenClaims;
      try {
        claims = JSON.parse(Buffer.from(token.slice(5), 'base64url').toString('utf8')) as TestTokenClaims;
      } catch {
        return {
          ok: false,
          code: 'InvalidAuthenticationToken',
          message: 'Access token validation failure. Invalid audience.',
        };
      }
      if (claims.expiresAt !== undefined && claims.expiresAt < now()) {
        return {
          ok: false,
          code: 'InvalidAuthenticationToken',
          message: 'Lifetime validation failed, the token is expired.',
        };
      }
      const { expiresAt: _ignored, ...caller } = claims;
      return { ok: true, caller };
    },
  };
}
