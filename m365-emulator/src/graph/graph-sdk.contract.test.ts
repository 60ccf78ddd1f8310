/**
 * Contract tests with the real Graph SDK (`@microsoft/microsoft-graph-client`), typed with
 * `@microsoft/microsoft-graph-types`. The SDK only attaches the bearer token to `https://` custom
 * hosts, so the harness serves TLS with the emulator's certificate, whose CA the test run trusts
 * through NODE_EXTRA_CA_CERTS (set by the global setup) — certificate checks stay on.
 */
import {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  GraphError as SdkGraphError,
  PageIterator,
  ResponseType,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTOSO_SPEC, FABRIKAM_SPEC } from '../directory/development-tenants.js';
import { GRAPH_JSON_CONTENT_TYPE } from './graph-request.js';
import { startGraphTestServer, type GraphTestServer } from './test-support/graph-test-server.js';
import type { GraphCaller } from '../contracts.js';
import type { InMemoryTenantDirectory } from '../directory/tenant-directory.js';
import type { Group, Organization, User } from '@microsoft/microsoft-graph-types';

const CONTOSO = CONTOSO_SPEC.id as string;
const FABRIKAM = FABRIKAM_SPEC.id as string;
const APP = '11111111-2222-3333-4444-555555555555';
const READER: Omit<GraphCaller, 'tid'> = {
  appId: APP,
  roles: ['User.Read.All', 'GroupMember.Read.All', 'Mail.Send', 'Organization.Read.All'],
  scopes: [],
};

let server: GraphTestServer;
let contoso: InMemoryTenantDirectory;

beforeAll(async () => {
  server = await startGraphTestServer({ https: true });
  contoso = server.registry.get(CONTOSO) as InMemoryTenantDirectory;
});
afterAll(() => server.close());

function client(caller: Partial<GraphCaller> = {}): Client {
  const token = server.token({ tid: CONTOSO, ...READER, ...caller });
  return Client.init({
    baseUrl: `${server.origin}/`,
    customHosts: new Set(['127.0.0.1']),
    defaultVersion: 'v1.0',
    authProvider: (done) => done(null, token),
  });
}

async function graphError(promise: Promise<unknown>): Promise<SdkGraphError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SdkGraphError) return error;
    throw error;
  }
  throw new Error('expected a Graph error');
}

/** Required fields of a Graph user as the product reads them. */
function expectUser(user: User): void {
  expect(typeof user.id).toBe('string');
  expect(typeof user.displayName).toBe('string');
  expect(user.userPrincipalName).toMatch(/@/);
}

describe('users', () => {
  it('pages every user with PageIterator and absolute nextLinks', async () => {
    const graph = client();
    const first = (await graph
      .api('/users')
      .select(['id', 'displayName', 'userPrincipalName'])
      .top(7)
      .get()) as PageCollection;
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${server.origin}/v1\\.0/users\\?`));
    const users: User[] = [];
    const iterator = new PageIterator(graph, first, (user: User) => {
      users.push(user);
      return true;
    });
    await iterator.iterate();
    expect(users).toHaveLength(60);
    users.forEach(expectUser);
    expect(new Set(users.map((user) => user.id)).size).toBe(60);
  });

  it('returns the default properties without $select', async () => {
    const response = (await client().api('/users').top(1).get()) as PageCollection;
    expect(Object.keys(response.value[0] as object).sort()).toEqual(
      [
        'businessPhones',
        'displayName',
        'givenName',
        'id',
        'jobTitle',
        'mail',
        'mobilePhone',
        'officeLocation',
        'preferredLanguage',
        'surname',
        'userPrincipalName',
      ].sort(),
    );
  });

  it('filters on a UPN with a doubled apostrophe and reads it by UPN', async () => {
    const graph = client();
    const found = (await graph
      .api('/users')
      .filter("userPrincipalName eq 'conor.o''neil@contoso.onmicrosoft.com'")
      .get()) as PageCollection;
    expect(found.value).toHaveLength(1);
    const byUpn = (await graph.api("/users/conor.o'neil@contoso.onmicrosoft.com").get()) as User;
    expect(byUpn.displayName).toBe("Conor O'Neil");
    const encoded = (await graph
      .api(`/users/${encodeURIComponent("conor.o'neil@contoso.onmicrosoft.com")}`)
      .get()) as User;
    expect(encoded.id).toBe(byUpn.id);
    const none = (await graph
      .api('/users')
      .filter("startswith(displayName,'Nobody')")
      .get()) as PageCollection;
    expect(none.value).toEqual([]);
  });

  it('answers 404 Request_ResourceNotFound with the exact message', async () => {
    const error = await graphError(client().api('/users/ghost@contoso.onmicrosoft.com').get());
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('Request_ResourceNotFound');
    expect(error.message).toBe(
      "Resource 'ghost@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.",
    );
  });

  it('rejects $top over 999 and $skip', async () => {
    expect((await graphError(client().api('/users').top(1000).get())).statusCode).toBe(400);
    expect((await graphError(client().api('/users').skip(5).get())).statusCode).toBe(400);
  });

  it('sends Graph headers: content type, request-id and the echoed client-request-id', async () => {
    const response = (await client()
      .api('/users')
      .top(1)
      .header('client-request-id', 'my-correlation')
      .responseType(ResponseType.RAW)
      .get()) as Response;
    expect(response.headers.get('content-type')).toBe(GRAPH_JSON_CONTENT_TYPE);
    expect(response.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('client-request-id')).toBe('my-correlation');
    expect(response.headers.get('x-ms-resource-unit')).toBe('1');
  });
});

describe('groups', () => {
  it('searches only with ConsistencyLevel: eventual', async () => {
    const error = await graphError(client().api('/groups').search('"displayName:fin"').get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_UnsupportedQuery');
    expect(error.message).toBe(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
    const found = (await client()
      .api('/groups')
      .header('ConsistencyLevel', 'eventual')
      .search('"displayName:fin"')
      .count(true)
      .select('displayName')
      .get()) as PageCollection;
    expect(found['@odata.count']).toBe(3);
    expect((found.value as Group[]).map((group) => group.displayName)).toEqual([
      'Finance',
      'Finance EMEA',
      'Fin-Ops',
    ]);
  });

  it('filters with startswith without any header', async () => {
    const found = (await client()
      .api('/groups')
      .filter("startswith(displayName,'Sales')")
      .get()) as PageCollection;
    const groups = found.value as Group[];
    expect(groups.map((group) => group.displayName)).toEqual(['Sales', 'Sales Europe']);
    for (const group of groups) {
      expect(typeof group.id).toBe('string');
      expect(typeof group.securityEnabled).toBe('boolean');
      expect(Array.isArray(group.groupTypes)).toBe(true);
    }
  });

  it('lists members with @odata.type, the user cast, and transitive members', async () => {
    const finance = contoso.groupSlots.find((record) => record?.group.displayName === 'Finance')
      ?.group as Group;
    const members = (await client().api(`/groups/${finance.id}/members`).get()) as PageCollection;
    const types = new Set(
      (members.value as { '@odata.type': string }[]).map((member) => member['@odata.type']),
    );
    expect(types).toEqual(new Set(['#microsoft.graph.user', '#microsoft.graph.group']));
    const users = (await client()
      .api(`/groups/${finance.id}/members/microsoft.graph.user`)
      .get()) as PageCollection;
    expect(
      (users.value as { '@odata.type': string }[]).every(
        (member) => member['@odata.type'] === '#microsoft.graph.user',
      ),
    ).toBe(true);
    const transitive = (await client()
      .api(`/groups/${finance.id}/transitiveMembers/microsoft.graph.user`)
      .top(999)
      .get()) as PageCollection;
    expect(transitive.value.length).toBeGreaterThan(users.value.length);
  });

  it('pages a large group', async () => {
    const big = contoso.createGroup({ displayName: 'Everyone big' });
    const registry = server.registry.create({ seed: 'sdk-big', users: 400, groups: 0 });
    // Members come from Contoso; the extra tenant only proves isolation of ids.
    expect(registry.getUser(contoso.userSlots[0]?.id ?? '')).toBeUndefined();
    const ids = contoso.userSlots.filter((user) => user !== undefined).map((user) => user.id);
    for (const id of ids) contoso.addMember(big.id, id);
    const first = (await client()
      .api(`/groups/${big.id}/members`)
      .select('id')
      .top(25)
      .get()) as PageCollection;
    const seen: string[] = [];
    await new PageIterator(client(), first, (member: { id: string }) => {
      seen.push(member.id);
      return true;
    }).iterate();
    expect(seen).toEqual(ids);
  });
});

describe('$batch', () => {
  it('runs dependsOn in order and answers 424 when a dependency failed', async () => {
    const batch = new BatchRequestContent([
      {
        id: '1',
        request: new Request(`${server.origin}/users/ghost@contoso.onmicrosoft.com`, { method: 'GET' }),
      },
      {
        id: '2',
        request: new Request(`${server.origin}/users/admin@contoso.onmicrosoft.com`, { method: 'GET' }),
        dependsOn: ['1'],
      },
    ]);
    const raw = (await client()
      .api('/$batch')
      .post(await batch.getContent())) as { responses: unknown[] };
    const responses = new BatchResponseContent(raw as never);
    expect(responses.getResponseById('1').status).toBe(404);
    expect(responses.getResponseById('2').status).toBe(424);
  });

  it('answers every inner request through the normal routes', async () => {
    const batch = new BatchRequestContent([
      { id: 'a', request: new Request(`${server.origin}/users?$top=2&$select=id`, { method: 'GET' }) },
      {
        id: 'b',
        request: new Request(`${server.origin}/groups?$top=1`, { method: 'GET' }),
        dependsOn: ['a'],
      },
      { id: 'c', request: new Request(`${server.origin}/organization`, { method: 'GET' }), dependsOn: ['b'] },
    ]);
    const raw = (await client()
      .api('/$batch')
      .post(await batch.getContent())) as never;
    const responses = new BatchResponseContent(raw);
    const users = (await responses.getResponseById('a').json()) as PageCollection;
    expect(users.value).toHaveLength(2);
    expect(responses.getResponseById('b').status).toBe(200);
    expect(responses.getResponseById('c').status).toBe(200);
  });

  it('refuses more than 20 requests', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({
      id: String(i),
      method: 'GET',
      url: '/users?$top=1',
    }));
    const error = await graphError(client().api('/$batch').post({ requests }));
    expect(error.statusCode).toBe(400);
  });
});

describe('permissions and tenants', () => {
  it('answers 403 Authorization_RequestDenied without roles', async () => {
    const error = await graphError(client({ roles: [] }).api('/users').get());
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
    expect(error.message).toBe('Insufficient privileges to complete the operation.');
  });

  it('never lets a token for one tenant read another', async () => {
    const contosoAdmin = contoso.findUserByUpn('admin@contoso.onmicrosoft.com');
    const fabrikam = client({ tid: FABRIKAM });
    expect((await graphError(fabrikam.api(`/users/${contosoAdmin?.id ?? ''}`).get())).statusCode).toBe(404);
    const listed = (await fabrikam
      .api('/users')
      .select('userPrincipalName')
      .top(999)
      .get()) as PageCollection;
    expect(
      (listed.value as User[]).every((user) => user.userPrincipalName?.endsWith('@fabrikam.onmicrosoft.com')),
    ).toBe(true);
    const organization = (await fabrikam.api('/organization').get()) as PageCollection;
    const org = organization.value[0] as Organization;
    expect(org.displayName).toBe('Fabrikam');
    expect(org.verifiedDomains).toEqual([
      expect.objectContaining({ name: 'fabrikam.onmicrosoft.com', isDefault: true, isInitial: true }),
    ]);
  });

  it('serves /me to delegated tokens only', async () => {
    const error = await graphError(client().api('/me').get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('BadRequest');
    expect(error.message).toBe('/me request is only valid with delegated authentication flow.');
    const user = contoso.findUserByUpn('user@contoso.onmicrosoft.com');
    const me = (await client({ roles: [], scopes: ['User.Read'], userId: user?.id ?? '' })
      .api('/me')
      .get()) as User;
    expect(me.userPrincipalName).toBe('user@contoso.onmicrosoft.com');
  });
});

describe('sendMail', () => {
  it('captures the message and answers 202', async () => {
    const response = (await client()
      .api('/users/admin@contoso.onmicrosoft.com/sendMail')
      .responseType(ResponseType.RAW)
      .post({
        message: {
          subject: 'Scope changed',
          body: { contentType: 'Text', content: 'Hello' },
          toRecipients: [{ emailAddress: { address: "conor.o'neil@contoso.onmicrosoft.com" } }],
        },
        saveToSentItems: false,
      })) as Response;
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    expect(server.outbox.list(CONTOSO)).toEqual([
      expect.objectContaining({
        from: 'admin@contoso.onmicrosoft.com',
        to: ["conor.o'neil@contoso.onmicrosoft.com"],
        subject: 'Scope changed',
        appId: APP,
      }),
    ]);
  });

  it('needs Mail.Send', async () => {
    const error = await graphError(
      client({ roles: ['User.Read.All'] })
        .api('/users/admin@contoso.onmicrosoft.com/sendMail')
        .post({ message: { toRecipients: [{ emailAddress: { address: 'a@b.c' } }] } }),
    );
    expect(error.statusCode).toBe(403);
  });
});

describe('throttling', () => {
  it('lets the SDK RetryHandler recover from a 429', async () => {
    server.throttling.configure({ enabled: true, quotaMultiplier: 0.01 });
    try {
      // Drain the app+tenant bucket: 5,000 RU per 10 s for a 60-user tenant, times 0.01.
      expect(
        server.throttling.charge({
          tenantId: CONTOSO,
          appId: APP,
          tenantUserCount: 60,
          route: 'drain',
          cost: 50,
        }).allowed,
      ).toBe(true);
      const throttledBefore = server.stats.throttled.length;
      const started = Date.now();
      const page = (await client().api('/users').select('id').get()) as PageCollection;
      expect(page.value.length).toBeGreaterThan(0);
      expect(server.stats.throttled.length).toBe(throttledBefore + 1);
      // 1 RU missing at 5 RU/s: the SDK waited the 0.2 s Retry-After.
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      server.throttling.configure({ enabled: false, quotaMultiplier: 1 });
    }
  });
});
