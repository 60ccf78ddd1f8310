// The target picker over real HTTP: API with real token validation, the Graph adapter with
// msal-node and the Graph SDK, against the emulator's Contoso tenant after consent.
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_ADMIN_UPN,
  CONTOSO_APOSTROPHE_UPN,
  CONTOSO_TENANT_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { createAppTokenSource, createGraphDirectory, createGraphTargets } from '@cas/microsoft365';
import { createRemoteJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserTokenValidator } from '../auth/user-token.js';
import { createLogger } from '../http/logger.js';
import { createApiServer } from '../http/server.js';
import { readAnswer } from '../test-support/contract-check.js';
import { targetRoutes } from './target-routes.js';
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';

let emulator: RunningEmulator;
let server: Server;
let api: string;
let token: string;

/** The shapes these routes answer with (an error, a user, groups or a page of users). */
interface TargetBody {
  error?: { code: string };
  user?: { userPrincipalName: string; displayName: string };
  groups?: { id: string; displayName: string }[];
  users?: { id: string; userPrincipalName: string }[];
}

/** The emulator's control API (loopback only). */
function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  return emulatorControl(emulator.origin, method, path, body);
}

async function get(path: string) {
  const response = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const { status, body } = await readAnswer<TargetBody>(response);
  return { status, body };
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, throttling: false });
  await control(
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
  token = String(
    (await control('POST', `/tenants/${CONTOSO_TENANT_ID}/sso-token`, { upn: CONTOSO_ADMIN_UPN })).token,
  );
  const tokens = createAppTokenSource({
    authorityHost: emulator.origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
  });
  const targets = createGraphTargets({ graphBaseUrl: emulator.origin, tokens });
  server = createApiServer({
    routes: targetRoutes({
      directory: createGraphDirectory({ graphBaseUrl: emulator.origin, tokens }),
      holdings: targets,
      sites: targets,
      // Consent per service is the provisioning record's; these tests are about the directory.
      sharePointConsented: () => Promise.resolve(true),
    }),
    validateToken: createUserTokenValidator({
      keys: createRemoteJWKSet(new URL(`${emulator.origin}/common/discovery/v2.0/keys`)),
      audiences: [CLOUD_APP_SECURITY_API_CLIENT_ID, CLOUD_APP_SECURITY_API_ID_URI],
      issuersFor: (tid) => [`${emulator.origin}/${tid}/v2.0`],
      requiredScope: 'access_as_user',
      clockSkewSeconds: 60,
    }),
    logger: createLogger('silent'),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await emulator?.close();
});

describe('By User', () => {
  it('R8: verifies an exact UPN with an apostrophe and shows the display name', async () => {
    const result = await get(`/api/targets/users?upn=${encodeURIComponent(`  ${CONTOSO_APOSTROPHE_UPN} `)}`);
    expect(result.status).toBe(200);
    expect(result.body.user).toMatchObject({ userPrincipalName: CONTOSO_APOSTROPHE_UPN });
    expect(result.body.user?.displayName).toMatch(/O'Neil/);
  });

  it('says a UPN does not exist with 404 user_not_found', async () => {
    expect(await get('/api/targets/users?upn=ghost%40contoso.onmicrosoft.com')).toMatchObject({
      status: 404,
      body: { error: { code: 'user_not_found' } },
    });
  });

  it.each([
    ['an empty UPN', '', 'upn_empty'],
    ['Unicode before the @', 'zoë@contoso.onmicrosoft.com', 'upn_unicode'],
    ['no @', 'megan', 'upn_missing_at'],
  ])('refuses %s with its own code, before any Graph call', async (_case, upn, code) => {
    expect(await get(`/api/targets/users?upn=${encodeURIComponent(upn)}`)).toMatchObject({
      status: 400,
      body: { error: { code } },
    });
  });
});

describe('By Group', () => {
  it('R7: refuses a two-character query', async () => {
    expect(await get('/api/targets/groups?query=Fi')).toMatchObject({
      status: 400,
      body: { error: { code: 'group_query_too_short' } },
    });
  });

  it('R7: finds groups from three characters and lists a group’s users to pick', async () => {
    const found = await get('/api/targets/groups?query=Fin');
    expect(found.status).toBe(200);
    const [group] = found.body.groups ?? [];
    expect(group).toBeDefined();
    const users = await get(`/api/targets/groups/${group?.id}/users`);
    expect(users.status).toBe(200);
    expect(users.body.users?.length).toBeGreaterThan(0);
    expect(users.body.users?.[0]).toMatchObject({
      id: expect.any(String),
      userPrincipalName: expect.stringContaining('@'),
    });
  });

  it('refuses a group id that is not one', async () => {
    expect(await get('/api/targets/groups/not-a-group/users')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request' } },
    });
  });
});

describe('scope preview', () => {
  it('counts the users "Synchronize all users and groups" covers, as Graph reports them', async () => {
    const { body: summary } = await readAnswer<{ users: number }>(
      await fetch(`${api}/api/targets/summary`, { headers: { authorization: `Bearer ${token}` } }),
    );
    const tenants = (await control('GET', '/tenants')) as { value: { id: string; userCount: number }[] };
    const contoso = tenants.value.find((candidate) => candidate.id === CONTOSO_TENANT_ID);
    expect(contoso?.userCount).toBeGreaterThan(50);
    expect(summary.users).toBe(contoso?.userCount);
  });
});
