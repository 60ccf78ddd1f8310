import { describe, expect, it } from 'vitest';
import { createGraphThrottling, type ThrottleCharge } from './graph-throttling.js';
import { resourceUnitCost, tenantQuota, type CostedRequest } from './resource-units.js';

describe('resource unit cost', () => {
  const base: CostedRequest = { endpoint: 'other', hasSelect: false, hasExpand: false, top: undefined };
  it.each<[string, Partial<CostedRequest>, number]>([
    ['GET users', { endpoint: 'users' }, 2],
    ['GET users with $select', { endpoint: 'users', hasSelect: true }, 1],
    ['GET users with $top=10', { endpoint: 'users', top: 10 }, 1],
    ['GET users with $top=20', { endpoint: 'users', top: 20 }, 2],
    ['GET users with $select and $top=5 (minimum 1)', { endpoint: 'users', hasSelect: true, top: 5 }, 1],
    ['GET users with $expand', { endpoint: 'users', hasExpand: true }, 3],
    ['members', { endpoint: 'members' }, 3],
    ['members with $select and $top=999', { endpoint: 'members', hasSelect: true, top: 999 }, 2],
    ['members with $select and $top=5', { endpoint: 'members', hasSelect: true, top: 5 }, 1],
    ['transitiveMembers', { endpoint: 'transitiveMembers' }, 5],
    ['transitiveMembers with $select', { endpoint: 'transitiveMembers', hasSelect: true }, 4],
    ['other', {}, 1],
    ['other with $select (minimum 1)', { hasSelect: true }, 1],
    ['other with $expand', { hasExpand: true }, 2],
  ])('%s (%o) costs %i', (_name, overrides, cost) => {
    expect(resourceUnitCost({ ...base, ...overrides })).toBe(cost);
  });

  it.each([
    [1, 3_500],
    [49, 3_500],
    [50, 5_000],
    [500, 5_000],
    [501, 8_000],
    [100_000, 8_000],
  ])('a tenant of %i users has a quota of %i per 10 s', (users, quota) => {
    expect(tenantQuota(users)).toBe(quota);
  });
});

describe('token bucket', () => {
  const charge = (overrides: Partial<ThrottleCharge> = {}): ThrottleCharge => ({
    tenantId: 'tenant-a',
    appId: 'app-1',
    tenantUserCount: 10,
    route: 'GET /v1.0/users',
    cost: 2,
    ...overrides,
  });

  it('refuses when the app+tenant bucket is empty and computes Retry-After from the refill rate', () => {
    let now = 0;
    const throttled: string[] = [];
    const throttling = createGraphThrottling({
      now: () => now,
      stats: { recordResourceUnits: () => {}, recordThrottled: (route) => void throttled.push(route) },
    });
    // 3,500 RU per 10 s for a small tenant: 1,750 requests of 2 RU fit.
    for (let i = 0; i < 1_750; i++) expect(throttling.charge(charge()).allowed).toBe(true);
    const refused = throttling.charge(charge());
    expect(refused.allowed).toBe(false);
    if (refused.allowed) return;
    // 2 RU missing at 350 RU/s → 0.0057 s, rounded up to a tenth.
    expect(refused.retryAfterSeconds).toBe(0.1);
    expect(refused.headers).toMatchObject({
      'Retry-After': '0.1',
      'x-ms-resource-unit': '2',
      'x-ms-throttle-scope': 'Tenant_Application/Read/app-1/tenant-a',
    });
    expect(throttled).toEqual(['GET /v1.0/users']);
    now += 100;
    expect(throttling.charge(charge()).allowed).toBe(true);
  });

  it('reports the used share of the limit above 80%', () => {
    const throttling = createGraphThrottling({ now: () => 0 });
    let last = throttling.charge(charge({ cost: 2_700 }));
    expect(last.headers['x-ms-throttle-limit-percentage']).toBeUndefined();
    last = throttling.charge(charge({ cost: 300 }));
    expect(last.headers['x-ms-throttle-limit-percentage']).toBe('0.8');
  });

  it('keeps tenants apart but limits an app across tenants', () => {
    const throttling = createGraphThrottling({ now: () => 0 });
    expect(throttling.charge(charge({ cost: 3_500 })).allowed).toBe(true);
    expect(throttling.charge(charge({ cost: 1 })).allowed).toBe(false);
    expect(throttling.charge(charge({ tenantId: 'tenant-b', cost: 1 })).allowed).toBe(true);
    expect(throttling.charge(charge({ appId: 'app-2', cost: 1 })).allowed).toBe(true);

    const perApp = createGraphThrottling({ now: () => 0, quotaMultiplier: 0.01 });
    // 1,500 RU per 20 s for the app across tenants; 80 RU per tenant (large tenants).
    for (let i = 0; i < 18; i++)
      expect(perApp.charge(charge({ tenantId: `t${i}`, tenantUserCount: 1_000, cost: 80 })).allowed).toBe(
        true,
      );
    const refused = perApp.charge(charge({ tenantId: 'another', tenantUserCount: 1_000, cost: 80 }));
    expect(refused.allowed).toBe(false);
    expect(refused.headers['x-ms-throttle-scope']).toBe('Application/Read/app-1');
  });

  it("applies Graph's global 130,000 requests per 10 s per app across tenants, whatever their cost", () => {
    let clock = 0;
    // 130 requests per 10 s and 150 RU per 20 s for the app; each request from another tenant.
    const global = createGraphThrottling({ now: () => clock, quotaMultiplier: 0.001 });
    for (let i = 0; i < 130; i++)
      expect(global.charge(charge({ tenantId: `t${i}`, cost: 1 })).allowed).toBe(true);
    const refused = global.charge(charge({ tenantId: 'one-more', cost: 1 }));
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 0.1 });
    expect(refused.headers).toMatchObject({
      'Retry-After': '0.1',
      'x-ms-throttle-scope': 'Application/All/app-1',
    });
    // Waiting Retry-After is enough.
    clock += 100;
    expect(global.charge(charge({ tenantId: 'one-more', cost: 1 })).allowed).toBe(true);
  });

  it('can be switched off and scaled at run time', () => {
    const throttling = createGraphThrottling({ now: () => 0 });
    throttling.configure({ enabled: false });
    for (let i = 0; i < 3; i++) expect(throttling.charge(charge({ cost: 3_000 })).allowed).toBe(true);
    throttling.configure({ enabled: true, quotaMultiplier: 0.001 });
    expect(throttling.settings()).toEqual({ enabled: true, quotaMultiplier: 0.001 });
    expect(throttling.charge(charge({ cost: 3 })).allowed).toBe(true);
    const refused = throttling.charge(charge({ cost: 3 }));
    expect(refused.allowed).toBe(false);
    // 3.5 RU per 10 s; 0.5 left, 2.5 missing at 0.35 RU/s → 7.14 s, rounded up to a tenth.
    if (!refused.allowed) expect(refused.retryAfterSeconds).toBe(7.2);
    expect(() => throttling.configure({ quotaMultiplier: 0 })).toThrow(RangeError);
  });
});
