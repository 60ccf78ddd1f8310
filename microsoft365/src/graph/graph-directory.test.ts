// The Graph adapter against the Microsoft 365 emulator, with the real msal-node and Graph SDK:
// the same code that runs against Microsoft, only the hosts differ.
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_APOSTROPHE_UPN,
  CONTOSO_TENANT_ID,
  FABRIKAM_TENANT_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenSource } from '../entra/app-token-source.js';
import { EntraError } from '../entra/entra-error.js';
import { createGraphDirectory } from './graph-directory.js';
import { GraphError } from './graph-error.js';
import type { DirectoryReader } from '@cas/core';

let emulator: RunningEmulator;
let directory: DirectoryReader;
let tokens: ReturnType<typeof createAppTokenSource>;

/** The emulator's control API (loopback only). */
function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  return emulatorControl(emulator.origin, method, path, body);
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  await control(
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
  tokens = createAppTokenSource({
    authorityHost: emulator.origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
  });
  directory = createGraphDirectory({ graphBaseUrl: emulator.origin, tokens });
});

afterAll(async () => {
  await emulator?.close();
});

describe('app-only tokens (msal-node)', () => {
  it('proves a consent: the token names the tenant and carries the granted roles', async () => {
    const token = await tokens.acquire(CONTOSO_TENANT_ID, 'exchangeOnlineGraph', { fresh: true });
    expect(token.tenantId).toBe(CONTOSO_TENANT_ID);
    expect(token.roles).toEqual(
      expect.arrayContaining(['User.Read.All', 'GroupMember.Read.All', 'Mail.ReadWrite']),
    );
  });

  it('names the cause when the tenant never consented (AADSTS7000229)', async () => {
    const failure = await tokens
      .acquire(FABRIKAM_TENANT_ID, 'exchangeOnlineGraph', { fresh: true })
      .catch((error) => error);
    expect(failure).toBeInstanceOf(EntraError);
    expect((failure as EntraError).aadstsCode).toBe(7000229);
    expect((failure as EntraError).message).not.toContain(CLOUD_APP_SECURITY_CLIENT_SECRET);
  });
});

describe('Graph directory reader', () => {
  it('verifies a user by exact UPN, apostrophe included', async () => {
    const user = await directory.findUserByPrincipalName(CONTOSO_TENANT_ID, CONTOSO_APOSTROPHE_UPN);
    expect(user).toMatchObject({ userPrincipalName: CONTOSO_APOSTROPHE_UPN, userType: 'Member' });
    expect(user?.displayName).toMatch(/O'Neil/);
  });

  it('answers undefined for a UPN the tenant does not have', async () => {
    expect(
      await directory.findUserByPrincipalName(CONTOSO_TENANT_ID, 'nobody@contoso.onmicrosoft.com'),
    ).toBeUndefined();
  });

  it('finds groups by the first characters of a word of their name', async () => {
    const groups = await directory.searchGroups(CONTOSO_TENANT_ID, 'Fin', { limit: 25 });
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      expect(group.displayName.split(/[\s-]+/).some((word) => word.toLowerCase().startsWith('fin'))).toBe(
        true,
      );
    }
  });

  it('lists a group’s users including nested members, bounded by the limit', async () => {
    const [group] = await directory.searchGroups(CONTOSO_TENANT_ID, 'Fin', { limit: 1 });
    expect(group).toBeDefined();
    const all = await directory.listGroupUsers(CONTOSO_TENANT_ID, group?.id ?? '', { limit: 999 });
    expect(all.users.length).toBeGreaterThan(0);
    expect(all.more).toBe(false);
    expect(new Set(all.users.map((user) => user.id)).size).toBe(all.users.length);
    if (all.users.length > 1) {
      const one = await directory.listGroupUsers(CONTOSO_TENANT_ID, group?.id ?? '', { limit: 1 });
      expect(one).toMatchObject({ users: [expect.objectContaining({ id: expect.any(String) })], more: true });
    }
  });

  it('counts the tenant’s users for the scope preview', async () => {
    const tenant = (await control('GET', `/tenants/${CONTOSO_TENANT_ID}`)) as {
      tenant?: { userCount?: number };
      userCount?: number;
    };
    const expected = tenant.tenant?.userCount ?? tenant.userCount;
    expect(await directory.countUsers(CONTOSO_TENANT_ID)).toBe(expected);
  });

  it('finds users by object id in $batch requests of 20; an id the tenant does not have is undefined', async () => {
    const known: { id: string; userPrincipalName: string; displayName: string }[] = [];
    for (let index = 0; index < 43; index += 1) {
      known.push(
        (await control('POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
          userPrincipalName: `batch.user${index}@contoso.onmicrosoft.com`,
          displayName: `Batch User ${index}`,
        })) as { id: string; userPrincipalName: string; displayName: string },
      );
    }
    const ids = [...known.map((user) => user.id), '00000000-0000-4000-8000-00000000dead', 'not-an-object-id'];
    await control('DELETE', '/stats');
    const found = await directory.findUsersByIds(CONTOSO_TENANT_ID, ids);
    expect(found.slice(0, 43).map((user) => [user?.id, user?.userPrincipalName, user?.displayName])).toEqual(
      known.map((user) => [user.id, user.userPrincipalName, user.displayName]),
    );
    expect(found.slice(43)).toEqual([undefined, undefined]);
    const stats = (await control('GET', '/stats')) as { routes: Record<string, { requests: number }> };
    expect(stats.routes['POST /v1.0/$batch']?.requests).toBe(3);
    expect(await directory.findUsersByIds(CONTOSO_TENANT_ID, [])).toEqual([]);
  });

  it('raises a GraphError naming the call when the roles were removed (403)', async () => {
    await control(
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}/revoke-consent`,
    );
    const revokedTokens = createAppTokenSource({
      authorityHost: emulator.origin,
      clientId: CLOUD_APP_SECURITY_CLIENT_ID,
      clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
    });
    const revoked = createGraphDirectory({ graphBaseUrl: emulator.origin, tokens: revokedTokens });
    const failure = await revoked
      .findUserByPrincipalName(CONTOSO_TENANT_ID, CONTOSO_APOSTROPHE_UPN)
      .catch((error) => error);
    expect(failure).toBeInstanceOf(GraphError);
    expect(failure).toMatchObject({ statusCode: 403, code: 'Authorization_RequestDenied' });
    expect((failure as GraphError).message).toContain('Verify user by UPN');
  });
});
