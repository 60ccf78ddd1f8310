import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTOSO_SPEC, FABRIKAM_SPEC } from '../directory/development-tenants.js';
import { startGraphTestServer, type GraphTestServer } from './test-support/graph-test-server.js';
import type { InMemoryTenantDirectory } from '../directory/tenant-directory.js';

interface DeltaPage {
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: Record<string, unknown>[];
}

let server: GraphTestServer;
let clock: number;
let contoso: InMemoryTenantDirectory;
const DAY = 86_400_000;

beforeEach(async () => {
  clock = Date.UTC(2025, 0, 1);
  server = await startGraphTestServer({
    now: () => clock,
    delta: { pageSize: 10, memberChunkSize: 4, tokenLifetimeMs: 7 * DAY },
  });
  contoso = server.registry.get(CONTOSO_SPEC.id as string) as InMemoryTenantDirectory;
});
afterEach(() => server.close());

const tokenFor = (tid: string) =>
  server.token({ tid, appId: 'app-1', roles: ['User.Read.All', 'GroupMember.Read.All'], scopes: [] });

async function get(
  url: string,
  tid = CONTOSO_SPEC.id as string,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url.startsWith('http') ? url : `${server.origin}${url}`, {
    headers: { authorization: `Bearer ${tokenFor(tid)}` },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** Follows nextLinks to the end of a round; returns every item and the deltaLink. */
async function round(
  url: string,
): Promise<{ items: Record<string, unknown>[]; deltaLink: string; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = url;
  let pages = 0;
  for (;;) {
    const { status, body } = await get(next);
    expect(status).toBe(200);
    const page = body as unknown as DeltaPage;
    pages++;
    items.push(...page.value);
    if (page['@odata.nextLink']) {
      expect(page['@odata.deltaLink']).toBeUndefined();
      next = page['@odata.nextLink'];
      continue;
    }
    expect(page['@odata.deltaLink']).toMatch(/\/v1\.0\/(users|groups)\/delta\?\$deltatoken=/);
    return { items, deltaLink: page['@odata.deltaLink'] as string, pages };
  }
}

describe('users/delta', () => {
  it('returns every user in a paged first round, then only changes', async () => {
    const first = await round('/v1.0/users/delta?$select=displayName,userPrincipalName');
    expect(first.items).toHaveLength(60);
    expect(first.pages).toBe(6);
    expect(first.items[0]).toEqual({
      displayName: 'Megan Bowen',
      userPrincipalName: 'admin@contoso.onmicrosoft.com',
      id: expect.any(String),
    });

    const empty = await round(first.deltaLink);
    expect(empty.items).toEqual([]);

    const created = contoso.createUser({
      userPrincipalName: "eve.o'hara@contoso.onmicrosoft.com",
      displayName: "Eve O'Hara",
    });
    const renamed = contoso.findUserByUpn('user@contoso.onmicrosoft.com');
    contoso.updateUser(renamed?.id ?? '', { displayName: 'Alex Wilber-Smith' });
    const removed = contoso.findUserByUpn("conor.o'neil@contoso.onmicrosoft.com");
    contoso.deleteUser(removed?.id ?? '');

    const second = await round(empty.deltaLink);
    expect(second.items).toEqual([
      { displayName: "Eve O'Hara", userPrincipalName: "eve.o'hara@contoso.onmicrosoft.com", id: created.id },
      {
        displayName: 'Alex Wilber-Smith',
        userPrincipalName: 'user@contoso.onmicrosoft.com',
        id: renamed?.id,
      },
      // Users are soft-deleted, so Graph reports reason "changed".
      { id: removed?.id, '@removed': { reason: 'changed' } },
    ]);
    expect((await round(second.deltaLink)).items).toEqual([]);
  });

  it('answers 410 with a Location to restart when the token expired', async () => {
    const first = await round('/v1.0/users/delta?$select=displayName');
    clock += 8 * DAY;
    const expired = await get(first.deltaLink);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ error: { code: 'syncStateNotFound' } });
    expect(expired.headers.get('location')).toBe(`${server.origin}/v1.0/users/delta?$select=displayName`);
    const restarted = await round(expired.headers.get('location') as string);
    expect(restarted.items).toHaveLength(60);
  });

  it('answers 410 after the tenant forced its tokens to expire or was reset', async () => {
    const first = await round('/v1.0/users/delta');
    contoso.expireDeltaTokens();
    expect((await get(first.deltaLink)).status).toBe(410);
    const second = await round('/v1.0/users/delta');
    server.registry.reset(contoso.tenant.id);
    expect((await get(second.deltaLink)).status).toBe(410);
  });

  it('rejects a token from another tenant and tampered tokens', async () => {
    const first = await round('/v1.0/users/delta');
    const foreign = await get(first.deltaLink, FABRIKAM_SPEC.id as string);
    expect(foreign.status).toBe(400);
    const token = new URL(first.deltaLink).searchParams.get('$deltatoken') ?? '';
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()),
        a: 999,
      }),
    ).toString('base64url');
    const tampered = await get(`/v1.0/users/delta?$deltatoken=${forged}.${token.split('.')[1] ?? ''}`);
    expect(tampered.status).toBe(400);
  });

  it.each(['$top=5', '$orderby=displayName', '$expand=manager'])('rejects %s', async (option) => {
    const { status, body } = await get(`/v1.0/users/delta?${option}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'Request_UnsupportedQuery' } });
  });
});

describe('groups/delta', () => {
  it('spreads a large group over several pages in the first round', async () => {
    const big = contoso.createGroup({ displayName: 'Big Group' });
    const userIds = contoso.userSlots.slice(0, 10).map((user) => user?.id as string);
    for (const id of userIds) contoso.addMember(big.id, id);
    const first = await round('/v1.0/groups/delta?$select=displayName,members');
    const bigEntries = first.items.filter((item) => item['id'] === big.id);
    // 10 members in chunks of 4 → 3 entries, the first one with the properties.
    expect(bigEntries).toHaveLength(3);
    expect(bigEntries[0]).toMatchObject({ displayName: 'Big Group' });
    expect(bigEntries[1]).toEqual({ id: big.id, 'members@delta': expect.any(Array) });
    const members = bigEntries
      .flatMap((entry) => entry['members@delta'] as { id: string }[])
      .map((member) => member.id);
    expect(members).toEqual(userIds);
  });

  it('reports membership changes as members@delta with @removed', async () => {
    const finance = contoso.groupSlots.find((record) => record?.group.displayName === 'Finance');
    const first = await round('/v1.0/groups/delta?$select=displayName,members');
    const newcomer = contoso.findUserByUpn('user@contoso.onmicrosoft.com');
    const leaverRef = finance?.members.find((ref) => ref >= 0) as number;
    const leaver = contoso.userSlots[leaverRef];
    contoso.addMember(finance?.group.id ?? '', newcomer?.id ?? '');
    contoso.removeMember(finance?.group.id ?? '', leaver?.id ?? '');
    const securityGroup = contoso.createGroup({ displayName: 'Temporary', securityEnabled: true });
    contoso.deleteGroup(securityGroup.id);

    const second = await round(first.deltaLink);
    expect(second.items).toEqual([
      {
        displayName: 'Finance',
        id: finance?.group.id,
        'members@delta': [
          { '@odata.type': '#microsoft.graph.user', id: newcomer?.id },
          { '@odata.type': '#microsoft.graph.user', id: leaver?.id, '@removed': { reason: 'deleted' } },
        ],
      },
      // Security groups are deleted for good: reason "deleted".
      { id: securityGroup.id, '@removed': { reason: 'deleted' } },
    ]);
  });
});
