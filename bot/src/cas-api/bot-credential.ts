/**
 * The bot credential (docs/api.md, docs/adr/0006-bot-credential.md): a short-lived, single-use
 * HS256 JWT, one per request, that tells the API which Teams user of which tenant the bot acts
 * for. The API still checks through Graph that the user is an admin.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/** The Teams user on whose behalf the bot calls the API. */
export interface ActingUser {
  /** Entra tenant of the conversation. */
  readonly tenantId: string;
  /** Entra object id of the user (`activity.from.aadObjectId`). */
  readonly userId: string;
  /** Display name, for messages only. */
  readonly name?: string | undefined;
}

/** Issuer and audience the API expects. */
export const BOT_CREDENTIAL_ISSUER = 'cas-bot';
/** Audience of the bot credential. */
export const BOT_CREDENTIAL_AUDIENCE = 'cas-api';
/**
 * Lifetime of one credential. The API accepts each once, at most a minute after it was issued
 * (plus clock skew) and never one that claims more than two minutes.
 */
export const BOT_CREDENTIAL_LIFETIME_SECONDS = 60;

/** Signs a bot credential for `user` with the shared key (base64, 32 bytes). */
export async function signBotCredential(
  key: string,
  user: ActingUser,
  now: Date = new Date(),
): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ tid: user.tenantId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(BOT_CREDENTIAL_ISSUER)
    .setAudience(BOT_CREDENTIAL_AUDIENCE)
    .setSubject(user.userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + BOT_CREDENTIAL_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(Buffer.from(key, 'base64'));
}
