import { describe, expect, it } from 'vitest';
import { FaultInjector, toMatcher } from './fault-injector.js';

describe('toMatcher', () => {
  it.each([
    ['/v1.0/users*', '/v1.0/users', true],
    ['/v1.0/users*', '/v1.0/users/abc/memberOf', true],
    ['/v1.0/users', '/v1.0/users/abc', false],
    ['*/oauth2/v2.0/token', '/contoso.onmicrosoft.com/oauth2/v2.0/token', true],
    ['re:^/v1\\.0/groups/[^/]+/members$', '/v1.0/groups/g1/members', true],
    ['re:^/v1\\.0/groups/[^/]+/members$', '/v1.0/groups/g1/transitiveMembers', false],
  ])('%s matches %s → %s', (pattern, path, expected) => {
    expect(toMatcher(pattern).test(path)).toBe(expected);
  });
});

describe('FaultInjector.decide', () => {
  it.each([
    [0.05, 'status429'],
    [0.15, 'status503'],
    [0.25, 'drop'],
    [0.35, 'none'],
  ])('with a draw of %s → %s', (draw, action) => {
    const injector = new FaultInjector(() => draw);
    injector.add({ pattern: '/v1.0/*', rate429: 0.1, rate503: 0.1, rateDrop: 0.1, latencyMs: 20 });
    expect(injector.decide('GET', '/v1.0/users')).toMatchObject({ action, latencyMs: 20 });
  });

  it('skips rules for other methods and adds latencies of every matching rule', () => {
    const injector = new FaultInjector(() => 0);
    injector.add({ pattern: '*', latencyMs: 5 });
    injector.add({ pattern: '/v1.0/*', methods: ['post'], rate429: 1, latencyMs: 7 });
    expect(injector.decide('GET', '/v1.0/users')).toEqual({
      latencyMs: 5,
      action: 'none',
      retryAfterSeconds: 0,
    });
    expect(injector.decide('POST', '/v1.0/$batch')).toEqual({
      latencyMs: 12,
      action: 'status429',
      retryAfterSeconds: 1,
    });
  });
});
