/**
 * `GET /roleManagement/directory/roleAssignments` over HTTPS (the Graph SDK sends tokens to https
 * hosts only): filters, permissions, paging, `$batch`, and the real Graph SDK client.
 */
import { randomUUID } from 'node:crypto';
import { Client, GraphError as SdkGraphError, type PageCollection } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from '../contracts.js';
import {
  CONTOSO_ADMIN_UPN,
  CONTOSO_SPEC,
  CONTOSO_USER_UPN,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_SPEC,
} from '../directory/development-tenants.js';
import { EXCHANGE_ADMINISTRATOR_ROLE_ID, SECURITY_READER_ROLE_ID } from '../directory/name-lists.js';
import { describeGraphRoute } from './graph-routes.js';
import { roleAssignmentId } from './role-assignments.js';
import { startGraphTestServer, type GraphTestServer } from './test-support/graph-test-server.js';
import type { EmulatedUser, GraphCaller } from '../contracts.js';
import type { InMemoryTenantDirectory } from '../directory/tenant-directory.js';
import type { UnifiedRoleAssignment } from '@microsoft/microsoft-graph-types';

const CONTOSO = CONTOSO_SPEC.id as string;
const FABRIKAM = FABRIKAM_SPEC.id as string;
const GA = GLOBAL_ADMINISTRATOR_ROLE_ID;
const PATH = '/v1.0/roleManagement/directory/roleAssignments';
/** What our multi-tenant app holds after admin consent. */
const SERVICE_ACCOUNT: Omit<GraphCaller, 'tid'> = {
  appId: 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a001',
  roles: ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory'],
  scopes: [],
};

/** The parts of Graph response bodies these tests read. */
interface GraphBody {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  value?: unknown[];
  error?: { code: string; message: string };
  responses?: { id: string; status: number; body?: { value?: unknown[] } }[];
}

let server: GraphTestServer;
let contoso: InMemoryTenantDirectory;
let admin: EmulatedUser;
let user: EmulatedUser;

beforeAll(async () => {
  server = await startGraphTestServer({ https: true });
  contoso = server.registry.get(CONTOSO) as InMemoryTenantDirectory;
  admin = contoso.getUser(CONTOSO_ADMIN_UPN) as EmulatedUser;
  user = contoso.getUser(CONTOSO_USER_UPN) as EmulatedUser;
});
afterAll(() => server.close());

async function call(
  pathAndQuery: string,
  caller: Partial<GraphCaller> = {},
  init: { method?: string; body?: unknown } = {},
) {
  const token = server.token({ tid: CONTOSO, ...SERVICE_ACCOUNT, ...caller });
  const response = await fetch(
    pathAndQuery.startsWith('https:') ? pathAndQuery : `${server.origin}${pathAndQuery}`,
    {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    },
  );
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as GraphBody };
}

const filtered = (filter: string): string => `${PATH}?$filter=${encodeURIComponent(filter)}`;
const assignment = (principalId: string, roleDefinitionId: string) => ({
  id: roleAssignmentId({ principalId, roleDefinitionId }),
  principalId,
  directoryScopeId: '/',
  roleDefinitionId,
});

describe('roleAssignmentId', () => {
  it('encodes role definition and principal as Entra does (Graph documentation example)', () => {
    expect(
      roleAssignmentId({ roleDefinitionId: GA, principalId: 'a98eb769-7bd4-4489-86f6-ad96e1d58b62' }),
    ).toBe('lAPpYvVpN0KRkAEhdxReEGm3jqnUe4lEhvatluHVi2I-1');
  });
});

describe('the Global Administrator check (principalId and roleDefinitionId)', () => {
  it.each([
    ['the Global Administrator', () => admin.id, () => [assignment(admin.id, GA)]],
    ['a user without roles', () => user.id, () => []],
    ['an unknown principal', () => randomUUID(), () => []],
    ['a UPN instead of an object id', () => admin.userPrincipalName, () => []],
    [
      'the admin of another tenant',
      () => server.registry.get(FABRIKAM)?.getUser(FABRIKAM_ADMIN_UPN)?.id ?? '',
      () => [],
    ],
  ])('%s', async (_name, principal, expected) => {
    const response = await call(filtered(`principalId eq '${principal()}' and roleDefinitionId eq '${GA}'`));
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      '@odata.context': `${server.origin}/v1.0/$metadata#roleManagement/directory/roleAssignments`,
      value: expected(),
    });
  });

  it('matches the principal id case-insensitively, with the fields in either order', async () => {
    const response = await call(
      filtered(`roleDefinitionId eq '${GA.toUpperCase()}' and principalId eq '${admin.id.toUpperCase()}'`),
    );
    expect(response.json.value).toEqual([assignment(admin.id, GA)]);
  });
});

describe('listing', () => {
  it('lists every role of one principal', async () => {
    const twoRoles = contoso.createUser({
      userPrincipalName: `two.roles.${randomUUID().slice(0, 8)}@contoso.onmicrosoft.com`,
      displayName: 'Two Roles',
      directoryRoleTemplateIds: [EXCHANGE_ADMINISTRATOR_ROLE_ID, SECURITY_READER_ROLE_ID],
    });
    const response = await call(filtered(`principalId eq '${twoRoles.id}'`));
    expect(response.json.value).toEqual([
      assignment(twoRoles.id, EXCHANGE_ADMINISTRATOR_ROLE_ID),
      assignment(twoRoles.id, SECURITY_READER_ROLE_ID),
    ]);
    contoso.deleteUser(twoRoles.id);
    expect((await call(filtered(`principalId eq '${twoRoles.id}'`))).json.value).toEqual([]);
  });

  it('pages every holder of a role with $top and absolute nextLinks', async () => {
    const extra = contoso.createUser({
      userPrincipalName: `second.admin.${randomUUID().slice(0, 8)}@contoso.onmicrosoft.com`,
      displayName: 'Second Admin',
      directoryRoleTemplateIds: [GA],
    });
    const expected = contoso.userSlots
      .filter((candidate) => candidate?.directoryRoleTemplateIds.includes(GA))
      .map((holder) => assignment(holder?.id ?? '', GA));
    expect(expected.length).toBeGreaterThanOrEqual(2);

    const seen: unknown[] = [];
    let next: string | undefined = `${filtered(`roleDefinitionId eq '${GA}'`)}&$top=1`;
    while (next) {
      const page = await call(next);
      expect(page.status).toBe(200);
      expect(page.json.value).toHaveLength(1);
      seen.push(...(page.json.value ?? []));
      next = page.json['@odata.nextLink'];
      if (next)
        expect(next).toMatch(
          new RegExp(`^${server.origin}/v1\\.0/roleManagement/directory/roleAssignments\\?`),
        );
    }
    expect(seen).toEqual(expected);
    contoso.deleteUser(extra.id);
  });

  it('lists the whole tenant without a filter', async () => {
    const expected = contoso.userSlots.flatMap((holder) =>
      (holder?.directoryRoleTemplateIds ?? []).map((role) => assignment(holder?.id ?? '', role)),
    );
    const response = await call(`${PATH}?$top=999`);
    expect(response.json.value).toEqual(expected);
    expect(response.json['@odata.nextLink']).toBeUndefined();
  });

  it('projects $select and names it in the context', async () => {
    const response = await call(
      `${filtered(`principalId eq '${admin.id}'`)}&$select=principalId,roleDefinitionId`,
    );
    expect(response.json).toEqual({
      '@odata.context': `${server.origin}/v1.0/$metadata#roleManagement/directory/roleAssignments(principalId,roleDefinitionId)`,
      value: [{ principalId: admin.id, roleDefinitionId: GA }],
    });
  });

  it('rejects an unknown $select property', async () => {
    const response = await call(`${PATH}?$select=displayName`);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { code: 'Request_BadRequest' } });
  });
});

describe('$filter', () => {
  it.each([
    ['or', `principalId eq '${GA}' or roleDefinitionId eq '${GA}'`],
    ['ne', `principalId ne '${GA}'`],
    ['in', `principalId in ('${GA}')`],
    ['not', `not(principalId eq '${GA}')`],
    ['startswith', `startswith(principalId,'62')`],
    ['another property', `directoryScopeId eq '/'`],
  ])('answers 400 Request_UnsupportedQuery for %s', async (_name, filter) => {
    const response = await call(filtered(filter));
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      error: {
        code: 'Request_UnsupportedQuery',
        message: expect.stringContaining('Unsupported or invalid query filter clause specified'),
      },
    });
  });

  it('answers 400 BadRequest for a syntax error', async () => {
    const response = await call(filtered(`principalId eq '${GA}`));
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { code: 'BadRequest' } });
  });
});

describe('permissions', () => {
  it.each([
    ['application RoleManagement.Read.Directory', { roles: ['RoleManagement.Read.Directory'] }],
    ['application RoleManagement.Read.All', { roles: ['RoleManagement.Read.All'] }],
    ['application RoleManagement.ReadWrite.Directory', { roles: ['RoleManagement.ReadWrite.Directory'] }],
    ['application Directory.Read.All', { roles: ['Directory.Read.All'] }],
    ['application Directory.ReadWrite.All', { roles: ['Directory.ReadWrite.All'] }],
    ['delegated RoleManagement.Read.Directory', { roles: [], scopes: ['RoleManagement.Read.Directory'] }],
    ['delegated Directory.Read.All', { roles: [], scopes: ['Directory.Read.All'] }],
  ])('answers 200 with %s', async (_name, permissions) => {
    const caller = 'scopes' in permissions ? { ...permissions, userId: admin.id } : permissions;
    const response = await call(filtered(`principalId eq '${admin.id}'`), caller);
    expect(response.status).toBe(200);
    expect(response.json.value).toEqual([assignment(admin.id, GA)]);
  });

  it.each([
    [
      'the consent before RoleManagement.Read.Directory',
      { roles: ['User.Read.All', 'GroupMember.Read.All'] },
    ],
    ['no roles at all', { roles: [] }],
    ['a delegated token with User.Read', { roles: [], scopes: ['User.Read'], userId: randomUUID() }],
  ])('answers 403 Authorization_RequestDenied with %s', async (_name, caller) => {
    const response = await call(filtered(`principalId eq '${admin.id}'`), caller);
    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({
      error: {
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
      },
    });
  });
});

describe('routing', () => {
  it('labels the route for statistics, whatever the case of the path', () => {
    expect(describeGraphRoute('GET', '/v1.0/rolemanagement/Directory/ROLEASSIGNMENTS')).toBe(
      'GET /v1.0/roleManagement/directory/roleAssignments',
    );
  });

  it.each([
    [
      '/v1.0/roleManagement/directory/roleDefinitions',
      "Resource not found for the segment 'roleDefinitions'.",
    ],
    [
      '/v1.0/roleManagement/entitlementManagement/roleAssignments',
      "Resource not found for the segment 'entitlementManagement'.",
    ],
    ['/v1.0/roleManagement', "Resource not found for the segment 'roleManagement'."],
  ])('answers 400 for %s', async (path, message) => {
    const response = await call(path);
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { code: 'BadRequest', message } });
  });

  it('answers 405 for a method other than GET', async () => {
    const response = await call(PATH, {}, { method: 'POST', body: {} });
    expect(response.status).toBe(405);
  });

  it('runs inside $batch with the batch token’s permissions', async () => {
    const body = {
      requests: [
        {
          id: '1',
          method: 'GET',
          url: `/roleManagement/directory/roleAssignments?$filter=principalId eq '${admin.id}'`,
        },
        {
          id: '2',
          method: 'GET',
          url: `/roleManagement/directory/roleAssignments?$filter=principalId eq '${user.id}'`,
        },
      ],
    };
    const allowed = await call('/v1.0/$batch', {}, { method: 'POST', body });
    const responses = allowed.json.responses ?? [];
    expect(
      Object.fromEntries(responses.map((inner) => [inner.id, [inner.status, inner.body?.value]])),
    ).toEqual({
      '1': [200, [assignment(admin.id, GA)]],
      '2': [200, []],
    });

    const denied = await call('/v1.0/$batch', { roles: ['User.Read.All'] }, { method: 'POST', body });
    expect(denied.json.responses?.map((inner) => inner.status)).toEqual([403, 403]);
  });
});

describe('with the Graph SDK', () => {
  function client(caller: Partial<GraphCaller> = {}): Client {
    const token = server.token({ tid: CONTOSO, ...SERVICE_ACCOUNT, ...caller });
    return Client.init({
      baseUrl: `${server.origin}/`,
      customHosts: new Set(['127.0.0.1']),
      defaultVersion: 'v1.0',
      authProvider: (done) => done(null, token),
    });
  }

  it('finds the Global Administrator assignment with .filter()', async () => {
    const page = (await client()
      .api('/roleManagement/directory/roleAssignments')
      .filter(`principalId eq '${admin.id}' and roleDefinitionId eq '${GA}'`)
      .get()) as PageCollection;
    const assignments = page.value as UnifiedRoleAssignment[];
    expect(assignments).toEqual([assignment(admin.id, GA)]);
  });

  it('surfaces the 403 as the SDK’s GraphError', async () => {
    const failure: unknown = await client({ roles: ['User.Read.All'] })
      .api('/roleManagement/directory/roleAssignments')
      .filter(`principalId eq '${user.id}' and roleDefinitionId eq '${GA}'`)
      .get()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SdkGraphError);
    expect(failure).toMatchObject({ statusCode: 403, code: 'Authorization_RequestDenied' });
  });
});
