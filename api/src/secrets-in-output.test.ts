// No response body and no log line may carry a client secret, a key or any token: runs the
// successful and the failing paths of the whole API at debug log level and searches everything
// it wrote and answered.
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
} from '@cas/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './test-support/api-harness.js';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;

let harness: ApiHarness;
const tokensUsed: string[] = [];

beforeAll(async () => {
  harness = await startApiHarness();
  const admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
  const user = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_USER_UPN);
  tokensUsed.push(admin, user);

  // The successful path: both consent steps (msal-node acquires app-only tokens), targets, Done.
  await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
  await harness.call('GET', `/api/targets/users?upn=${encodeURIComponent(CONTOSO_USER_UPN)}`, admin);
  await harness.call('GET', '/api/targets/groups?query=Fin', admin);
  const { version } = (await harness.call<{ version: string }>('GET', '/api/provisioning', admin)).body;
  await harness.call('PUT', '/api/services/exchangeOnline/provisioning', admin, {
    scope: 'allUsersAndGroups',
    expectedVersion: version,
  });

  // Failing paths: refused tokens, a non-admin, bad input, a declined consent, and Graph failing
  // because the enterprise app was deleted (msal-node's error carries the request it made).
  await harness.call('GET', '/api/provisioning', `${admin.slice(0, -4)}AAAA`);
  await harness.call('GET', '/api/provisioning', admin.replace(/\.[^.]*$/, ''));
  await harness.call('GET', '/api/targets/users?upn=someone', user);
  await harness.call('GET', '/api/targets/users?upn=not%20a%20upn', admin);
  await harness.call('PUT', '/api/services/exchangeOnline/provisioning', admin, { scope: 'everyone' });
  await harness.consentStep(
    admin,
    '/api/services/oneDrive/consent/microsoftGraph',
    CONTOSO_ADMIN_UPN,
    CONTOSO_ADMIN_PASSWORD,
    'Cancel',
  );
  await harness.control(
    'DELETE',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
  );
  await harness.call('GET', `/api/targets/users?upn=${encodeURIComponent(CONTOSO_USER_UPN)}`, admin);
  await harness.call('GET', '/api/targets/groups?query=Fin', admin);
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

describe('secrets and tokens never leave the API', () => {
  it('ran enough to mean something: requests were logged and answered', () => {
    expect(harness.logLines.length).toBeGreaterThan(15);
    expect(harness.responseBodies.length).toBeGreaterThan(15);
    expect(
      harness.logLines.some(
        (line) => line.includes('"status":500') || line.includes('"status":502') || line.includes('refused'),
      ),
    ).toBe(true);
  });

  it.each([
    ['the client secret', () => CLOUD_APP_SECURITY_CLIENT_SECRET],
    ['the bot key', () => harness.botKey],
  ])('no response and no log line contains %s', (_name, secret) => {
    const value = secret();
    expect(harness.responseBodies.filter((body) => body.includes(value))).toEqual([]);
    expect(harness.logLines.filter((line) => line.includes(value))).toEqual([]);
  });

  it('no response and no log line contains a token (ours, or one Entra issued to us)', () => {
    for (const token of tokensUsed) {
      const signature = token.split('.')[2] ?? token;
      expect(harness.responseBodies.filter((body) => body.includes(signature))).toEqual([]);
      expect(harness.logLines.filter((line) => line.includes(signature))).toEqual([]);
    }
    expect(harness.responseBodies.filter((body) => JWT.test(body))).toEqual([]);
    expect(harness.logLines.filter((line) => JWT.test(line))).toEqual([]);
  });

  it('no response carries a stack trace', () => {
    expect(harness.responseBodies.filter((body) => /\n\s+at .+:\d+:\d+/.test(body))).toEqual([]);
  });
});
