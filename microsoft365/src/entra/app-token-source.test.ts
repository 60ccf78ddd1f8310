// One token source, one registration per consent step: each app gets tokens with only what its
// tenant granted it, and the directory reads take whichever Graph app the tenant consented to.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONTOSO_TENANT_ID,
  createClientCertificate,
  DEVELOPMENT_CONSENT_APPS,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConsentAppCredentials } from './app-credentials.js';
import { ANY_GRAPH_APP, createAppTokenSource, type AppCredential } from './app-token-source.js';
import { EntraError } from './entra-error.js';
import type { ConsentAppId } from '@cas/core';

let emulator: RunningEmulator;

function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  return emulatorControl(emulator.origin, method, path, body);
}

/** Every development consent app, with its secret. */
function developmentApps(): Record<ConsentAppId, AppCredential> {
  const apps = {} as Record<ConsentAppId, AppCredential>;
  for (const [app, registration] of Object.entries(DEVELOPMENT_CONSENT_APPS)) {
    apps[app as ConsentAppId] = { clientId: registration.clientId, clientSecret: registration.clientSecret };
  }
  return apps;
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator?.close();
});
beforeEach(async () => {
  await control('POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
});

describe('a token source over the consent apps', () => {
  it('each app gets its own roles, and an app not consented to is refused', async () => {
    const { clientId } = DEVELOPMENT_CONSENT_APPS.sharePointOnlineGraph;
    await control('PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${clientId}`, {});
    const tokens = createAppTokenSource({ authorityHost: emulator.origin, apps: developmentApps() });

    const sharePoint = await tokens.acquire(CONTOSO_TENANT_ID, 'sharePointOnlineGraph', { fresh: true });
    expect(sharePoint).toMatchObject({ app: 'sharePointOnlineGraph', tenantId: CONTOSO_TENANT_ID });
    expect(sharePoint.roles).toContain('Sites.Read.All');
    expect(sharePoint.roles).not.toContain('Mail.ReadWrite');

    const refused = await tokens.acquire(CONTOSO_TENANT_ID, 'exchangeOnlineGraph', { fresh: true }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(EntraError);
    expect((refused as EntraError).aadstsCode).toBe(7000229);
    expect((refused as EntraError).message).toContain('Cloud App Security for Exchange Online');
  });

  it('anyGraphApp takes the Graph app the tenant granted', async () => {
    const { clientId } = DEVELOPMENT_CONSENT_APPS.oneDriveGraph;
    await control('PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${clientId}`, {});
    const tokens = createAppTokenSource({ authorityHost: emulator.origin, apps: developmentApps() });
    const token = await tokens.acquire(CONTOSO_TENANT_ID, ANY_GRAPH_APP, { fresh: true });
    expect(token.app).toBe('oneDriveGraph');
    expect(token.roles).toContain('RoleManagement.Read.Directory');
  });

  it('an app without credentials here is not asked for (the Graph-only configuration has no EWS app)', async () => {
    const { exchangeOnlineEws: _omitted, ...graphOnly } = developmentApps();
    const tokens = createAppTokenSource({ authorityHost: emulator.origin, apps: graphOnly });
    expect(tokens.configuredApps()).not.toContain('exchangeOnlineEws');
    await expect(tokens.acquire(CONTOSO_TENANT_ID, 'exchangeOnlineEws')).rejects.toMatchObject({
      code: 'app_not_configured',
    });
  });
});

describe('certificate credentials (msal-node clientCertificate)', () => {
  it('an app with a certificate from a file and its key from a variable gets tokens; a wrong one AADSTS700027', async () => {
    const { clientId } = DEVELOPMENT_CONSENT_APPS.oneDriveGraph;
    await control('PUT', `/tenants/${CONTOSO_TENANT_ID}/service-principals/${clientId}`, {});
    const registered = createClientCertificate({ commonName: 'Cloud App Security for OneDrive' });
    await control('POST', `/apps/${clientId}/certificates`, { certificatePem: registered.certificatePem });
    const dir = mkdtempSync(join(tmpdir(), 'cas-cert-'));
    try {
      writeFileSync(join(dir, 'onedrive.pem'), registered.certificatePem);
      const read = readConsentAppCredentials(
        {
          ONEDRIVE_APP_CLIENT_ID: clientId,
          ONEDRIVE_APP_CERTIFICATE_FILE: join(dir, 'onedrive.pem'),
          SECRET_ONEDRIVE_APP_PRIVATE_KEY: registered.privateKeyPem,
        },
        ['oneDriveGraph'],
      );
      expect(read.problems).toEqual([]);
      const tokens = createAppTokenSource({ authorityHost: emulator.origin, apps: read.apps });
      const token = await tokens.acquire(CONTOSO_TENANT_ID, 'oneDriveGraph', { fresh: true });
      expect(token.roles).toContain('Files.Read.All');
      expect(tokens.credentialExpiries()).toEqual([
        { app: 'oneDriveGraph', kind: 'certificate', expiresAt: expect.any(String) as string },
      ]);

      // The same PEM bundle holding both is read as well; a certificate Entra does not know is refused.
      const wrong = createClientCertificate({ commonName: 'not uploaded' });
      writeFileSync(join(dir, 'wrong.pem'), `${wrong.certificatePem}\n${wrong.privateKeyPem}`);
      const wrongApps = readConsentAppCredentials(
        { ONEDRIVE_APP_CLIENT_ID: clientId, ONEDRIVE_APP_CERTIFICATE_FILE: join(dir, 'wrong.pem') },
        ['oneDriveGraph'],
      );
      expect(wrongApps.problems).toEqual([]);
      const refused = await createAppTokenSource({ authorityHost: emulator.origin, apps: wrongApps.apps })
        .acquire(CONTOSO_TENANT_ID, 'oneDriveGraph', { fresh: true })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(EntraError);
      expect((refused as EntraError).aadstsCode).toBe(700027);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a certificate without its private key is a configuration problem', () => {
    const { certificatePem } = createClientCertificate({ commonName: 'no key' });
    const read = readConsentAppCredentials(
      { SHAREPOINT_APP_CLIENT_ID: 'spo', SHAREPOINT_APP_CERTIFICATE_PEM: certificatePem },
      ['sharePointOnlineGraph'],
    );
    expect(read.problems).toEqual([
      'SECRET_SHAREPOINT_APP_PRIVATE_KEY: required with a certificate (or SHAREPOINT_APP_PRIVATE_KEY_FILE)',
    ]);
  });
});

describe('reading the apps’ credentials from the environment', () => {
  it('names every missing variable, never a value', () => {
    const read = readConsentAppCredentials(
      { EXCHANGE_GRAPH_APP_CLIENT_ID: 'graph', SECRET_EXCHANGE_GRAPH_APP_CLIENT_SECRET: 's3cret' },
      ['exchangeOnlineGraph', 'sharePointOnlineGraph', 'oneDriveGraph'],
    );
    expect(read.apps.exchangeOnlineGraph).toEqual({ clientId: 'graph', clientSecret: 's3cret' });
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual([
      'SHAREPOINT_APP_CLIENT_ID',
      'ONEDRIVE_APP_CLIENT_ID',
    ]);
    expect(read.problems.join('\n')).not.toContain('s3cret');
  });

  it('a client id without a secret or certificate is a problem; a bad expiry date too', () => {
    const read = readConsentAppCredentials(
      {
        EXCHANGE_EWS_APP_CLIENT_ID: 'ews',
        ONEDRIVE_APP_CLIENT_ID: 'od',
        SECRET_ONEDRIVE_APP_CLIENT_SECRET: 'x',
        ONEDRIVE_APP_CLIENT_SECRET_EXPIRES_AT: 'soon',
      },
      [],
    );
    expect(read.problems).toEqual([
      expect.stringMatching(
        /^SECRET_EXCHANGE_EWS_APP_CLIENT_SECRET: required, or EXCHANGE_EWS_APP_CERTIFICATE_FILE/,
      ),
      'ONEDRIVE_APP_CLIENT_SECRET_EXPIRES_AT: must be an ISO 8601 date and time',
    ]);
  });
});
