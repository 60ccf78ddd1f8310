// The Global Administrator check against the Microsoft 365 emulator, with the real msal-node and
// Graph SDK and the consent an admin gives our app: only the hosts differ from production.
import { randomUUID } from 'node:crypto';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_UPN,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_TENANT_ID,
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenSource } from '../entra/app-token-source.js';
import { createDirectoryRoleChecker, type DirectoryRoleChecker } from './directory-roles.js';
import { GraphError } from './graph-error.js';

let emulator: RunningEmulator;
let roles: DirectoryRoleChecker;

const servicePrincipal = (tenantId: string): string =>
  `/tenants/${tenantId}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`;

function userId(tenantId: string, upn: string): string {
  const id = emulator.directories.get(tenantId)?.getUser(upn)?.id;
  if (id === undefined) throw new Error(`${upn} is not in the emulator`);
  return id;
}

function checker(): DirectoryRoleChecker {
  const tokens = createAppTokenSource({
    authorityHost: emulator.origin,
    clientId: CLOUD_APP_SECURITY_CLIENT_ID,
    clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
  });
  return createDirectoryRoleChecker({ graphBaseUrl: emulator.origin, tokens });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  // Admin consent to every permission of the registration, RoleManagement.Read.Directory included.
  await emulatorControl(emulator.origin, 'PUT', servicePrincipal(CONTOSO_TENANT_ID), {});
  roles = checker();
});

afterAll(async () => {
  await emulator?.close();
});

describe('directoryRolesOf', () => {
  it('lists the role template ids a user holds, as wids would', async () => {
    const directory = emulator.directories.get(CONTOSO_TENANT_ID);
    const reader = directory?.createUser({
      userPrincipalName: `reader.${randomUUID().slice(0, 8)}@contoso.onmicrosoft.com`,
      displayName: 'Global and Security Reader',
      directoryRoleTemplateIds: [
        'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
        '5d6b6bb7-de71-4623-b4af-96380a352509',
      ],
    });
    expect((await roles.directoryRolesOf(CONTOSO_TENANT_ID, reader?.id ?? '')).sort()).toEqual([
      '5d6b6bb7-de71-4623-b4af-96380a352509',
      'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
    ]);
    expect(
      await roles.directoryRolesOf(CONTOSO_TENANT_ID, userId(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN)),
    ).toEqual([GLOBAL_ADMINISTRATOR_ROLE_ID]);
    expect(
      await roles.directoryRolesOf(CONTOSO_TENANT_ID, userId(CONTOSO_TENANT_ID, CONTOSO_USER_UPN)),
    ).toEqual([]);
    expect(await roles.directoryRolesOf(CONTOSO_TENANT_ID, "x' or principalId eq '1")).toEqual([]);
  });
});

describe('isGlobalAdministrator', () => {
  it.each([
    ['the Global Administrator', () => userId(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN), true],
    ['a user without roles', () => userId(CONTOSO_TENANT_ID, CONTOSO_USER_UPN), false],
    ['an object id the tenant does not have', () => randomUUID(), false],
    [
      'the Global Administrator of another tenant',
      () => userId(FABRIKAM_TENANT_ID, FABRIKAM_ADMIN_UPN),
      false,
    ],
    ['something that is not an object id', () => "x' or principalId eq '1", false],
  ])('answers for %s', async (_name, user, expected) => {
    expect(await roles.isGlobalAdministrator(CONTOSO_TENANT_ID, user())).toBe(expected);
  });

  it('follows role changes in the directory', async () => {
    const directory = emulator.directories.get(CONTOSO_TENANT_ID);
    const promoted = directory?.createUser({
      userPrincipalName: `promoted.${randomUUID().slice(0, 8)}@contoso.onmicrosoft.com`,
      displayName: 'Promoted Admin',
      directoryRoleTemplateIds: [GLOBAL_ADMINISTRATOR_ROLE_ID],
    });
    expect(await roles.isGlobalAdministrator(CONTOSO_TENANT_ID, promoted?.id ?? '')).toBe(true);
    directory?.updateUser(promoted?.id ?? '', { directoryRoleTemplateIds: [] });
    expect(await roles.isGlobalAdministrator(CONTOSO_TENANT_ID, promoted?.id ?? '')).toBe(false);
  });

  it('raises a GraphError naming the call when the consent lacks RoleManagement.Read.Directory (403)', async () => {
    await emulatorControl(emulator.origin, 'PUT', servicePrincipal(FABRIKAM_TENANT_ID), {
      grants: { 'https://graph.microsoft.com': ['User.Read.All', 'GroupMember.Read.All', 'Mail.ReadWrite'] },
    });
    const failure: unknown = await checker()
      .isGlobalAdministrator(FABRIKAM_TENANT_ID, userId(FABRIKAM_TENANT_ID, FABRIKAM_ADMIN_UPN))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GraphError);
    expect(failure).toMatchObject({ statusCode: 403, code: 'Authorization_RequestDenied' });
    expect((failure as GraphError).message).toContain('Check Global Administrator role');
  });
});
