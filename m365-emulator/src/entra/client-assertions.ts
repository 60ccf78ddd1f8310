/**
 * Certificate credentials: the public part of a certificate uploaded to an app registration, and
 * the check of a `client_assertion` (RFC 7523 JWT) signed with its private key — what msal-node
 * sends for `clientCertificate`. Outcomes carry Entra's AADSTS codes: 700027 for a key that is not
 * registered, expired, or does not verify the signature; 700024 for an assertion outside its time
 * range; 700021 for an assertion issued for another client.
 */
import { createHash, createPublicKey, randomUUID, X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { aadsts, type AadstsError } from './aadsts-errors.js';
import type { AppRegistration, CertificateCredential } from './app-registrations.js';

/** The `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Reads an uploaded certificate (PEM); throws on anything that is not one. */
export function certificateCredential(pem: string): CertificateCredential {
  const certificate = new X509Certificate(pem);
  return {
    id: randomUUID(),
    x5t: createHash('sha1').update(certificate.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(certificate.raw).digest('base64url'),
    publicKeyPem: certificate.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    startDateTime: Date.parse(certificate.validFrom),
    endDateTime: Date.parse(certificate.validTo),
  };
}

/** Upper-case hex of a base64url thumbprint, as Entra quotes it. */
function hexThumbprint(base64url: string): string {
  return Buffer.from(base64url, 'base64url').toString('hex').toUpperCase();
}

/** Checks a client assertion for `app`; undefined when it authenticates the client. */
export async function checkClientAssertion(
  app: AppRegistration,
  assertion: string,
  now: number,
): Promise<AadstsError | undefined> {
  let header: { x5t?: unknown; 'x5t#S256'?: unknown };
  try {
    header = decodeProtectedHeader(assertion) as typeof header;
  } catch {
    return aadsts(700027, { appId: app.appId, reason: 'The assertion is not a JWT.' });
  }
  const sha256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const sha1 = typeof header.x5t === 'string' ? header.x5t : undefined;
  const thumbprint = hexThumbprint(sha256 ?? sha1 ?? '');
  const key = app.certificates.find((candidate) =>
    sha256 !== undefined ? candidate.x5tS256 === sha256 : candidate.x5t === sha1,
  );
  if (!key) {
    return aadsts(700027, {
      appId: app.appId,
      reason: `The key was not found., Thumbprint of key used by client: '${thumbprint}'`,
    });
  }
  if (key.endDateTime <= now || key.startDateTime > now) {
    return aadsts(700027, {
      appId: app.appId,
      reason: `The key used is expired., Thumbprint of key used by client: '${thumbprint}', Found key 'Start=${new Date(key.startDateTime).toISOString()}, End=${new Date(key.endDateTime).toISOString()}'`,
    });
  }
  let claims;
  try {
    // Time is checked below with Entra's own code, so jose is told to ignore it here.
    ({ payload: claims } = await jwtVerify(assertion, createPublicKey(key.publicKeyPem), {
      algorithms: ['RS256', 'PS256'],
      currentDate: new Date(0),
      clockTolerance: Number.MAX_SAFE_INTEGER,
    }));
  } catch {
    return aadsts(700027, {
      appId: app.appId,
      reason: `Client assertion contains an invalid signature., Thumbprint of key used by client: '${thumbprint}'`,
    });
  }
  if (claims.iss !== app.appId || claims.sub !== app.appId) return aadsts(700021, { appId: app.appId });
  const seconds = Math.floor(now / 1000);
  // Entra allows five minutes of clock skew either side.
  if (
    typeof claims.exp !== 'number' ||
    claims.exp + 300 < seconds ||
    (typeof claims.nbf === 'number' && claims.nbf - 300 > seconds)
  ) {
    return aadsts(700024, {
      reason: `Current time: ${new Date(now).toISOString()}, assertion valid from ${typeof claims.nbf === 'number' ? new Date(claims.nbf * 1000).toISOString() : 'unknown'}, expiry time of assertion ${typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : 'unknown'}.`,
    });
  }
  return undefined;
}
