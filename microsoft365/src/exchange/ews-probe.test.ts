// The EWS probe against the emulator's Exchange Web Services, with the real msal-node token.
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_TENANT_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenSource } from '../entra/app-token-source.js';
import { createEwsProbe } from './ews-probe.js';

let emulator: RunningEmulator;
let ews: ReturnType<typeof createEwsProbe>;

function tokenSource() {
  return createAppTokenSource({
    authorityHost: emulator.origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  await emulatorControl(
    emulator.origin,
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
  // Fabrikam granted Graph only: its Exchange token carries no full_access_as_app.
  await emulatorControl(
    emulator.origin,
    'PUT',
    `/tenants/${FABRIKAM_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {
      grants: { 'https://graph.microsoft.com': ['User.Read.All'] },
    },
  );
  ews = createEwsProbe({ ewsBaseUrl: emulator.origin, tokens: tokenSource() });
});

afterAll(async () => {
  await emulator?.close();
});

describe('EWS probe', () => {
  it('works with full_access_as_app; a blocked organization is "blocked", unblocked it works again', async () => {
    expect(await ews.probe(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN)).toEqual({ state: 'works' });
    await emulatorControl(emulator.origin, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: true });
    expect(await ews.probe(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN)).toEqual({ state: 'blocked', status: 403 });
    await emulatorControl(emulator.origin, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: false });
    expect(await ews.probe(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN)).toEqual({ state: 'works' });
  });

  it('a token without full_access_as_app is refused with Exchange’s diagnostics; no consent gives no token', async () => {
    const refused = await ews.probe(FABRIKAM_TENANT_ID, FABRIKAM_ADMIN_UPN);
    expect(refused).toMatchObject({ state: 'tokenRefused', status: 401 });
    expect(refused.state === 'tokenRefused' && refused.detail).toMatch(/^2000008;/);
    await emulatorControl(
      emulator.origin,
      'DELETE',
      `/tenants/${FABRIKAM_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    );
    // A new process (no cached token) asks Entra, which refuses: AADSTS7000229.
    const none = await createEwsProbe({ ewsBaseUrl: emulator.origin, tokens: tokenSource() }).probe(
      FABRIKAM_TENANT_ID,
      FABRIKAM_ADMIN_UPN,
    );
    expect(none.state).toBe('noToken');
  });

  it('an unreachable EWS says nothing about the token', async () => {
    const tokens = { acquire: async () => ({ accessToken: 'x' }) } as never;
    const offline = createEwsProbe({ ewsBaseUrl: 'https://127.0.0.1:1', tokens, timeoutMs: 2_000 });
    expect((await offline.probe(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN)).state).toBe('unknown');
  });
});
