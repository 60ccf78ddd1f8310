// Graph and Entra failures on the target picker, named for what they are: the whole API over HTTP
// (startApi, real token validation, msal-node and the Graph SDK) against the emulator, whose
// token endpoint and Graph answer with Entra's and Graph's own error bodies.
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  FABRIKAM_TENANT_ID,
} from '@cas/m365-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test-support/api-harness.js';

let harness: ApiHarness;
let admin: string;

const TARGET_ROUTES = [
  '/api/targets/summary',
  '/api/targets/users?upn=user%40contoso.onmicrosoft.com',
  '/api/targets/groups?query=Fin',
  '/api/targets/groups/6f1c2a3b-4d5e-4f60-8a1b-2c3d4e5f6a7b/users',
];

const servicePrincipal = `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`;

beforeAll(async () => {
  harness = await startApiHarness();
  admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
});

afterAll(async () => {
  await harness?.close();
});

// Each test starts from a new API (an empty token cache), so what Entra answers now is what counts.
beforeEach(async () => {
  await harness.control('POST', '/apps/reset');
  await harness.freshApi();
});

describe('Graph errors on the target picker', () => {
  it('before the tenant has consented, every target route says to complete the consent steps', async () => {
    await harness.control('DELETE', servicePrincipal).catch(() => undefined);
    for (const path of TARGET_ROUTES) {
      const answer = await harness.call('GET', path, admin);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({
        path,
        status: 409,
        code: 'consent_required',
      });
      expect(answer.body.error?.message).toContain('complete the consent steps');
      expect(answer.body.error?.aadstsCode).toBe(7000229);
    }
  });

  it('an unknown group id answers 404 group_not_found', async () => {
    await harness.control('PUT', servicePrincipal, {});
    const answer = await harness.call(
      'GET',
      '/api/targets/groups/6f1c2a3b-4d5e-4f60-8a1b-2c3d4e5f6a7b/users',
      admin,
    );
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'group_not_found' } } });
    expect(answer.body.error?.message).toContain('search for the group again');
  });

  it("another tenant's group id answers 404 group_not_found, like an unknown one", async () => {
    await harness.control('PUT', servicePrincipal, {});
    const fabrikamGroup = String(
      (
        await harness.control('POST', `/tenants/${FABRIKAM_TENANT_ID}/groups`, {
          displayName: 'Fabrikam Finance',
          mailNickname: 'fabrikamfinance',
        })
      ).id,
    );
    const answer = await harness.call('GET', `/api/targets/groups/${fabrikamGroup}/users`, admin);
    expect(answer).toMatchObject({ status: 404, body: { error: { code: 'group_not_found' } } });
  });

  it('a disabled enterprise application answers 409 service_account_disabled', async () => {
    await harness.control('PUT', servicePrincipal, {});
    await harness.control('PATCH', servicePrincipal, { accountEnabled: false });
    const answer = await harness.call('GET', '/api/targets/summary', admin);
    expect(answer).toMatchObject({
      status: 409,
      body: { error: { code: 'service_account_disabled', aadstsCode: 7000112 } },
    });
    expect(answer.body.error?.message).toContain('Enterprise applications');
    await harness.control('PATCH', servicePrincipal, { accountEnabled: true });
  });

  it('our own expired credential answers 503 service_credential_rejected, not the admin’s fault', async () => {
    await harness.control('PUT', servicePrincipal, {});
    await harness.control('POST', `/apps/${CLOUD_APP_SECURITY_CLIENT_ID}/secrets/expire`, {});
    const answer = await harness.call('GET', '/api/targets/summary', admin);
    expect(answer).toMatchObject({
      status: 503,
      body: { error: { code: 'service_credential_rejected', aadstsCode: 7000222 } },
    });
    expect(answer.body.error?.message).toContain('on our side');
  });
});

describe('a Microsoft service that does not answer in time', () => {
  let slow: ApiHarness;
  let token: string;

  beforeAll(async () => {
    slow = await startApiHarness({
      environment: { ENTRA_TIMEOUT_SECONDS: '0.5', GRAPH_TIMEOUT_SECONDS: '0.5' },
    });
    token = await slow.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    await slow.control('PUT', servicePrincipal, {});
  });

  afterAll(async () => {
    await slow?.close();
  });

  beforeEach(async () => {
    await slow.control('DELETE', '/faults');
    await slow.freshApi();
  });

  it('a token endpoint without an answer is 504 entra_timeout, not a broken token', async () => {
    await slow.control('POST', '/faults', { pattern: '*/oauth2/v2.0/token', latencyMs: 3000 });
    const answer = await slow.call('GET', '/api/targets/summary', token);
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
      status: 504,
      code: 'entra_timeout',
    });
    expect(answer.body.error?.message).toContain('try again');
    expect(answer.body.error?.message).not.toContain('create a new access token');
  });

  it('Graph without an answer is 504 graph_timeout', async () => {
    await slow.control('POST', '/faults', { pattern: '/v1.0/users*', latencyMs: 3000 });
    const answer = await slow.call('GET', '/api/targets/users?upn=user%40contoso.onmicrosoft.com', token);
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
      status: 504,
      code: 'graph_timeout',
    });
  });
});
