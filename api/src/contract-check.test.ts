// The contract check every API test relies on must itself refuse what the contract does not say.
import { describe, expect, it } from 'vitest';
import { expectInContract } from './test-support/contract-check.js';

const me = {
  tenantId: 't',
  userId: 'u',
  userPrincipalName: 'a@t',
  displayName: 'A',
  isGlobalAdministrator: true,
  access: 'administrator',
  rolesKnown: true,
};
const check = (method: string, url: string, status: number, body: unknown) => () =>
  expectInContract({ method, url, status, body });

describe('the contract check of API answers', () => {
  it('accepts an answer its route’s contract describes', () => {
    expect(check('GET', 'http://api/api/me', 200, me)).not.toThrow();
    expect(
      check('POST', 'http://api/api/notifications/n-1/read', 404, {
        error: { code: 'notification_not_found', message: 'There is no such notification.' },
      }),
    ).not.toThrow();
  });

  it('refuses a field the contract does not name (a leaked secret, a renamed field)', () => {
    expect(check('GET', 'http://api/api/me', 200, { ...me, accessToken: 'eyJ…' })).toThrow(/accessToken/);
  });

  it('refuses a missing field, a status the route never answers, and an error code it does not list', () => {
    const { rolesKnown: _omitted, ...partial } = me;
    expect(check('GET', 'http://api/api/me', 200, partial)).toThrow(/rolesKnown/);
    expect(check('GET', 'http://api/api/me', 404, { error: { code: 'x', message: 'y' } })).toThrow(/status/);
    expect(
      check('GET', 'http://api/api/targets/users?upn=a', 404, {
        error: { code: 'group_not_found', message: 'm' },
      }),
    ).toThrow(/group_not_found|user_not_found/);
  });

  it('refuses an answer from a route no contract names, except restify’s own 404', () => {
    expect(check('GET', 'http://api/api/secret', 200, {})).toThrow(/no contract/);
    expect(
      check('GET', 'http://api/api/secret', 404, {
        error: { code: 'route_not_found', message: 'There is no such API route.' },
      }),
    ).not.toThrow();
  });
});
