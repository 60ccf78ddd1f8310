/**
 * The whole emulator as the product meets it: msal-node gets an app-only token after consent,
 * and the real Graph SDK (trusting the emulator's CA through NODE_EXTRA_CA_CERTS, no test-only
 * TLS switches) pages users, searches groups, runs a batch, follows a delta round trip after
 * directory changes, and recovers from throttling with its RetryHandler.
 */
import {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  PageIterator,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUD_APP_SECURITY_CLIENT_ID, CONTOSO_TENANT_ID, type RunningEmulator } from '../src/index.js';
import { confidentialClient, control, launchEmulator } from './support/emulator-fixture.js';
import type { Group, User } from '@microsoft/microsoft-graph-types';

let emulator: RunningEmulator;
let graph: Client;

beforeAll(async () => {
  emulator = await launchEmulator({ throttling: { enabled: true } });
  await control(
    emulator,
    'PUT',
    `/tenants/${CONTOSO_TENANT_ID}/service-principals/${CLOUD_APP_SECURITY_CLIENT_ID}`,
    {},
  );
  const msal = confidentialClient(emulator, CONTOSO_TENANT_ID);
  graph = Client.init({
    baseUrl: `${emulator.origin}/`,
    customHosts: new Set([new URL(emulator.origin).hostname]),
    authProvider: (done) => {
      msal
        .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })
        .then((result) => done(null, result?.accessToken ?? null))
        .catch((error: Error) => done(error, null));
    },
  });
});

afterAll(async () => {
  await emulator?.close();
});

/** Every user id of the tenant, read page by page with PageIterator. */
async function allUserIds(pageSize: number): Promise<string[]> {
  const ids: string[] = [];
  const first = (await graph
    .api('/users')
    .select('id,userPrincipalName')
    .top(pageSize)
    .get()) as PageCollection;
  const iterator = new PageIterator(graph, first, (user: User) => {
    if (!user.id || !user.userPrincipalName?.includes('@'))
      throw new Error(`incomplete user ${JSON.stringify(user)}`);
    ids.push(user.id);
    return true;
  });
  await iterator.iterate();
  return ids;
}

/** Follows a delta chain to its deltaLink, collecting every item. */
async function deltaRound(
  start: string,
): Promise<{ items: Array<User & { '@removed'?: unknown }>; deltaLink: string }> {
  const items: Array<User & { '@removed'?: unknown }> = [];
  let link: string | undefined = start;
  for (;;) {
    const page = (await graph.api(link).get()) as PageCollection & { '@odata.deltaLink'?: string };
    items.push(...(page.value as User[]));
    if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'] };
    link = page['@odata.nextLink'];
    if (!link) throw new Error('delta page without nextLink or deltaLink');
  }
}

describe('Graph SDK against the emulator', () => {
  it('pages every user with PageIterator, each exactly once', async () => {
    const tenant = await control<{ userCount?: number; tenant?: { userCount?: number } }>(
      emulator,
      'GET',
      `/tenants/${CONTOSO_TENANT_ID}`,
    );
    const expected = tenant.tenant?.userCount ?? tenant.userCount;
    const ids = await allUserIds(7);
    expect(ids).toHaveLength(expected ?? -1);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('searches groups by a name prefix with ConsistencyLevel: eventual', async () => {
    const page = (await graph
      .api('/groups')
      .header('ConsistencyLevel', 'eventual')
      .search('"displayName:Fin"')
      .select('id,displayName,groupTypes,mailEnabled,securityEnabled')
      .get()) as PageCollection;
    const groups = page.value as Group[];
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      expect(typeof group.id).toBe('string');
      expect(group.displayName?.toLowerCase()).toMatch(/(^|[\s-])fin/);
    }
  });

  it('runs a BatchRequestContent and reads each response by id', async () => {
    const ids = (await allUserIds(999)).slice(0, 3);
    // SDK 3.0.7 strips only scheme and host from a step's URL, so steps are written without the
    // version segment, as Microsoft advises for this SDK version.
    const batch = new BatchRequestContent(
      ids.map((id, index) => ({
        id: String(index + 1),
        request: new Request(`${emulator.origin}/users/${id}?$select=id,displayName`, { method: 'GET' }),
      })),
    );
    const response = new BatchResponseContent(await graph.api('/$batch').post(await batch.getContent()));
    for (const [index, id] of ids.entries()) {
      const inner = response.getResponseById(String(index + 1));
      expect(inner.status).toBe(200);
      expect(((await inner.json()) as User).id).toBe(id);
    }
  });

  it('answers a step that kept the version segment as Graph does: 400 for segment v1.0', async () => {
    const batch = new BatchRequestContent([
      { id: '1', request: new Request(`${emulator.origin}/v1.0/organization`, { method: 'GET' }) },
    ]);
    const response = new BatchResponseContent(await graph.api('/$batch').post(await batch.getContent()));
    const inner = response.getResponseById('1');
    expect(inner.status).toBe(400);
    expect(JSON.stringify(await inner.json())).toContain("segment 'v1.0'");
  });

  it('follows a delta round trip: after changes, only the changes come back', async () => {
    const initial = await deltaRound('/users/delta?$select=id,displayName,userPrincipalName,accountEnabled');
    expect(initial.items.length).toBeGreaterThan(10);

    const quiet = await deltaRound(initial.deltaLink);
    expect(quiet.items).toEqual([]);

    const created = await control<{ id: string }>(emulator, 'POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
      userPrincipalName: 'new.starter@contoso.onmicrosoft.com',
      displayName: 'New Starter',
    });
    const [victim, renamed] = initial.items.filter((user) => !user.userPrincipalName?.startsWith('admin@'));
    await control(emulator, 'DELETE', `/tenants/${CONTOSO_TENANT_ID}/users/${victim?.id}`);
    await control(emulator, 'PATCH', `/tenants/${CONTOSO_TENANT_ID}/users/${renamed?.id}`, {
      displayName: 'Renamed Person',
    });

    const changes = await deltaRound(quiet.deltaLink);
    const byId = new Map(changes.items.map((item) => [item.id, item]));
    expect(byId.get(created.id)).toMatchObject({ displayName: 'New Starter' });
    expect(byId.get(victim?.id)).toMatchObject({ '@removed': { reason: expect.any(String) } });
    expect(byId.get(renamed?.id)).toMatchObject({ displayName: 'Renamed Person' });
    expect(changes.items).toHaveLength(3);
  });

  it('lets the SDK RetryHandler recover from throttling by waiting Retry-After', async () => {
    // Shrink Contoso's bucket (60 users → 5,000 RU per 10 s) to 5 RU so the sixth read is throttled.
    await control(emulator, 'PATCH', '/throttling', { enabled: true, quotaMultiplier: 0.001 });
    await control(emulator, 'POST', '/throttling/reset');
    await control(emulator, 'DELETE', '/stats');
    try {
      const reads = [];
      for (let index = 0; index < 7; index += 1) {
        reads.push((await graph.api('/users').select('id').top(1).get()) as PageCollection);
      }
      expect(reads.every((page) => Array.isArray(page.value))).toBe(true);
      const stats = await control<{ throttled: number; resourceUnits: { total: number } }>(
        emulator,
        'GET',
        '/stats',
      );
      expect(stats.throttled).toBeGreaterThan(0);
      expect(stats.resourceUnits.total).toBeGreaterThanOrEqual(7);
    } finally {
      await control(emulator, 'PATCH', '/throttling', { quotaMultiplier: 1 });
    }
  });
});
