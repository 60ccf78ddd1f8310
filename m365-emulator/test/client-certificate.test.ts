/**
 * Contract: certificate credentials with msal-node's `clientCertificate`. A certificate uploaded
 * to the registration lets a `client_assertion` signed with its key get tokens; a certificate that
 * is not registered, or registered but expired, is refused with AADSTS700027; an assertion outside
 * its time range with AADSTS700024; one issued for another client with AADSTS700021.
 */
import { X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CONTOSO_TENANT_ID,
  createClientCertificate,
  DEVELOPMENT_CONSENT_APPS,
  type ClientCertificate,
  type RunningEmulator,
} from '../src/index.js';
import { control, decodeJwt, launchEmulator } from './support/emulator-fixture.js';

const APP = DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph;
const GRAPH = 'https://graph.microsoft.com/.default';
let emulator: RunningEmulator;
let registered: ClientCertificate;

beforeAll(async () => {
  emulator = await launchEmulator();
  registered = createClientCertificate({ commonName: 'Cloud App Security for Exchange Online' });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await control(emulator, 'POST', '/apps/reset');
  await control(emulator, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${APP.clientId}`, {});
  await control(emulator, 'POST', `/apps/${APP.clientId}/certificates`, {
    certificatePem: registered.certificatePem,
  });
});

function withCertificate(certificate: ClientCertificate): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: APP.clientId,
      clientCertificate: {
        thumbprintSha256: new X509Certificate(certificate.certificatePem).fingerprint256.replace(/:/g, ''),
        privateKey: certificate.privateKeyPem,
      },
      authority: emulator.authority(CONTOSO_TENANT_ID),
      knownAuthorities: [emulator.host],
    },
  });
}

async function refusal(
  certificate: ClientCertificate,
): Promise<{ errorCode?: string; errorMessage?: string }> {
  return withCertificate(certificate)
    .acquireTokenByClientCredential({ scopes: [GRAPH], skipCache: true })
    .then(
      () => ({}),
      (error: { errorCode?: string; errorMessage?: string }) => error,
    );
}

/** Posts a hand-made assertion to the token endpoint. */
async function postAssertion(assertion: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.origin}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: APP.clientId,
      scope: GRAPH,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function assertion(claims: { iss?: string; exp?: number; nbf?: number }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const x5t = new X509Certificate(registered.certificatePem).fingerprint256.replace(/:/g, '');
  return new SignJWT({ jti: 'x', iss: claims.iss ?? APP.clientId, sub: claims.iss ?? APP.clientId })
    .setProtectedHeader({
      alg: 'PS256',
      typ: 'JWT',
      'x5t#S256': Buffer.from(x5t, 'hex').toString('base64url'),
    })
    .setAudience(`${emulator.origin}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`)
    .setNotBefore(claims.nbf ?? now - 60)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(await importPKCS8(registered.privateKeyPem, 'PS256'));
}

describe('certificate credentials', () => {
  it('msal-node with the registered certificate gets an app-only token', async () => {
    const result = await withCertificate(registered).acquireTokenByClientCredential({ scopes: [GRAPH] });
    expect(decodeJwt(result?.accessToken ?? '').payload).toMatchObject({
      appid: APP.clientId,
      tid: CONTOSO_TENANT_ID,
      roles: expect.arrayContaining(['Mail.ReadWrite']),
    });
  });

  it('a certificate that is not registered → AADSTS700027 (key not found), 401 invalid_client', async () => {
    const wrong = createClientCertificate({ commonName: 'someone else' });
    const error = await refusal(wrong);
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorMessage).toMatch(
      /AADSTS700027: Client assertion failed signature validation\. \[Reason - The key was not found\./,
    );
  });

  it('a registered certificate past its end date → AADSTS700027 (key expired)', async () => {
    const now = Date.now();
    const expired = createClientCertificate({
      commonName: 'expired',
      notBefore: now - 400 * 24 * 3600 * 1000,
      notAfter: now - 24 * 3600 * 1000,
    });
    await control(emulator, 'POST', `/apps/${APP.clientId}/certificates`, {
      certificatePem: expired.certificatePem,
    });
    const error = await refusal(expired);
    expect(error.errorMessage).toMatch(/AADSTS700027: .*\[Reason - The key used is expired\./);
  });

  it('an assertion past its expiry → AADSTS700024; one issued by another client → AADSTS700021', async () => {
    const now = Math.floor(Date.now() / 1000);
    const late = await postAssertion(await assertion({ nbf: now - 7200, exp: now - 3600 }));
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ error: 'invalid_client', error_codes: [700024] });
    const foreign = await postAssertion(
      await assertion({ iss: DEVELOPMENT_CONSENT_APPS.oneDriveGraph.clientId }),
    );
    expect(foreign.body).toMatchObject({ error: 'invalid_client', error_codes: [700021] });
    expect((await postAssertion(await assertion({}))).status).toBe(200);
  });

  it('the control API lists the uploaded certificate by thumbprint and can remove it', async () => {
    const app = await control<{ certificates: { id: string; thumbprintSha256: string }[] }>(
      emulator,
      'GET',
      `/apps/${APP.clientId}`,
    );
    const thumbprint = new X509Certificate(registered.certificatePem).fingerprint256.replace(/:/g, '');
    expect(app.certificates.map((one) => one.thumbprintSha256)).toEqual([thumbprint]);
    await control(emulator, 'DELETE', `/apps/${APP.clientId}/certificates/${app.certificates[0]?.id ?? ''}`);
    expect((await refusal(registered)).errorMessage).toMatch(/AADSTS700027:/);
  });
});
