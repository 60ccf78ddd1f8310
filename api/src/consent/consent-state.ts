/**
 * The OAuth `state` of an admin-consent round trip. Entra echoes it back on the callback, which
 * anyone can forge or replay, so the state is HMAC-signed, short-lived, bound to the admin, tenant,
 * service and step that started it, and single-use (its nonce is consumed on the first callback).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsentStep, ServiceId } from '@cas/core';

/** Who started a consent round trip and for what. */
export interface ConsentStateClaims {
  readonly tenantId: string;
  readonly userId: string;
  /** For the audit log's actor; the admin's own UPN, shown only to their browser and to Entra. */
  readonly userPrincipalName: string;
  readonly service: ServiceId;
  readonly step: ConsentStep;
  /** True when started from Service Account's **Create new access token** (re-authorisation). */
  readonly reauthorise: boolean;
}

/** A verified state: its claims plus the nonce and expiry to consume. */
export interface VerifiedConsentState extends ConsentStateClaims {
  readonly nonce: string;
  readonly expiresAt: number;
}

/** Why a state was refused. */
export type ConsentStateRejection = 'state_malformed' | 'state_signature_invalid' | 'state_expired';

/** Options of the codec. */
export interface ConsentStateCodecOptions {
  /** Signing key (at least 32 bytes). */
  key: Buffer;
  /** Lifetime of a state; a consent page left open longer must be restarted. */
  ttlSeconds?: number;
  /** Seconds clock, injectable for tests. */
  now?: () => number;
}

const DEFAULT_TTL_SECONDS = 10 * 60;

/** Creates the signer/verifier of consent states. */
export function createConsentStateCodec(options: ConsentStateCodecOptions) {
  if (options.key.length < 32) throw new Error('The consent state key must be at least 32 bytes.');
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const sign = (payload: string) => createHmac('sha256', options.key).update(payload).digest();

  return {
    /** Issues a new state for the given claims. */
    issue(claims: ConsentStateClaims): string {
      const state: VerifiedConsentState = {
        ...claims,
        nonce: randomBytes(16).toString('base64url'),
        expiresAt: now() + ttl,
      };
      const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
      return `${payload}.${sign(payload).toString('base64url')}`;
    },

    /** Checks signature and expiry; single use is the ledger's job. */
    verify(
      state: string | undefined,
    ): { ok: true; value: VerifiedConsentState } | { ok: false; reason: ConsentStateRejection } {
      const [payload, signature, extra] = (state ?? '').split('.');
      if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'state_malformed' };
      const expected = sign(payload);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return { ok: false, reason: 'state_signature_invalid' };
      }
      let parsed: VerifiedConsentState;
      try {
        parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as VerifiedConsentState;
      } catch {
        return { ok: false, reason: 'state_malformed' };
      }
      if (typeof parsed.expiresAt !== 'number' || parsed.expiresAt <= now()) {
        return { ok: false, reason: 'state_expired' };
      }
      return { ok: true, value: parsed };
    },
  };
}
