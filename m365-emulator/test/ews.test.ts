/**
 * Exchange Web Services as far as the product needs it: does the app-only EWS token still work?
 * msal-node gets the token from the emulated token endpoint, exactly as in production.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUD_APP_SECURITY_CLIENT_ID, CONTOSO_TENANT_ID, type RunningEmulator } from '../src/index.js';
import { confidentialClient, control, launchEmulator } from './support/emulator-fixture.js';

const GET_FOLDER = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"><soap:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>`;
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await launchEmulator();
  await control(
    emulator,
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
  );
});
afterAll(async () => {
  await control(emulator, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: false });
  await emulator.close();
});

async function token(resource: string): Promise<string> {
  const result = await confidentialClient(emulator, CONTOSO_TENANT_ID).acquireTokenByClientCredential({
    scopes: [`${resource}/.default`],
  });
  return result?.accessToken ?? '';
}

function ews(bearer: string | undefined): Promise<Response> {
  return fetch(`${emulator.origin}/EWS/Exchange.asmx`, {
    method: 'POST',
    headers: {
      'Content-Type': 'text/xml; charset=utf-8',
      ...(bearer === undefined ? {} : { Authorization: `Bearer ${bearer}` }),
    },
    body: GET_FOLDER,
  });
}

describe('EWS', () => {
  it('answers a GetFolder with an Exchange token carrying full_access_as_app', async () => {
    const response = await ews(await token('https://outlook.office365.com'));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('ResponseClass="Success"');
  });

  it('refuses a missing token and a Graph token with 401 and x-ms-diagnostics', async () => {
    for (const bearer of [undefined, await token('https://graph.microsoft.com')]) {
      const response = await ews(bearer);
      expect(response.status).toBe(401);
      expect(response.headers.get('x-ms-diagnostics')).toMatch(/^2000003;reason="/);
    }
  });

  it('a tenant with EWS blocked gets a bare 403; unblocking restores it; the switch validates its input', async () => {
    const exchange = await token('https://outlook.office365.com');
    expect(await control(emulator, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: true })).toEqual({
      tenantId: CONTOSO_TENANT_ID,
      blocked: true,
    });
    const blocked = await ews(exchange);
    expect(blocked.status).toBe(403);
    expect(await blocked.text()).toBe('');
    await expect(
      control(emulator, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: 'yes' }),
    ).rejects.toThrow(/400/);
    await control(emulator, 'PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: false });
    expect((await ews(exchange)).status).toBe(200);
  });
});
