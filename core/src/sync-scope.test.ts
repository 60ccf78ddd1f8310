import { describe, expect, it } from 'vitest';
import { emptyProvisioning, extendProtection, recordTokenFailure } from './provisioning.js';
import {
  checkScopeChoice,
  isSyncScope,
  MANUAL_SYNC_ALL_TARGETS_LABEL,
  manualSyncAvailability,
  nextDailySync,
  parseDailyTimeUtc,
  scheduledSyncApplies,
  scopeChoice,
  scopeLock,
  SYNC_SCOPE_LABELS,
  SYNC_SCOPES,
} from './sync-scope.js';
import {
  consentedTenant,
  errorOf,
  minutesAfterStart,
  protectedTenant,
  TENANT_ID,
  valueOf,
} from './test-support/fixtures.js';

describe('scope options', () => {
  it('R1: offers exactly the two options with the source guide labels, all users first', () => {
    expect(SYNC_SCOPES.map((scope) => SYNC_SCOPE_LABELS[scope])).toEqual([
      'Synchronize all users and groups',
      'Synchronize selected users',
    ]);
  });

  it.each([
    ['allUsersAndGroups', true],
    ['selectedUsers', true],
    ['Synchronize selected users', false],
    ['', false],
    [undefined, false],
  ])('R1: isSyncScope(%j) is %s', (value, expected) => {
    expect(isSyncScope(value)).toBe(expected);
  });
});

describe('cross-service scope lock', () => {
  it('R2: nothing is locked before any service saved a scope', () => {
    const tenant = consentedTenant('exchangeOnline');
    expect(scopeLock(tenant)).toBeUndefined();
    expect(scopeChoice(tenant, 'sharePointOnline')).toEqual({ locked: false, preselected: null });
  });

  it('R2: the first service saved with Done fixes the scope for the others, pre-selected with a reason', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers');
    expect(scopeLock(tenant)).toEqual({ scope: 'selectedUsers', fixedBy: 'exchangeOnline' });
    expect(scopeChoice(tenant, 'oneDrive')).toEqual({
      locked: true,
      scope: 'selectedUsers',
      fixedBy: 'exchangeOnline',
      reason: 'Exchange Online already synchronizes selected users; all three services use the same option.',
    });
  });

  it('R2: switching scope after another service fixed it is refused with the reason', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers');
    expect(errorOf(checkScopeChoice(tenant, 'sharePointOnline', 'allUsersAndGroups'))).toEqual({
      code: 'scope_locked',
      service: 'sharePointOnline',
      requested: 'allUsersAndGroups',
      lockedScope: 'selectedUsers',
      fixedBy: 'exchangeOnline',
      message: 'Exchange Online already synchronizes selected users; all three services use the same option.',
    });
  });

  it('R2: the reason names all users and groups when that is the fixed option', () => {
    const tenant = protectedTenant('oneDrive', 'allUsersAndGroups');
    expect(errorOf(checkScopeChoice(tenant, 'exchangeOnline', 'selectedUsers')).message).toBe(
      'OneDrive already synchronizes all targets; all three services use the same option.',
    );
  });

  it('R2: choosing the fixed scope on another service is accepted', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers');
    expect(valueOf(checkScopeChoice(tenant, 'oneDrive', 'selectedUsers'))).toBe('selectedUsers');
  });

  it('R2: the service that fixed the scope may re-choose while it is the only one saved', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers');
    expect(scopeChoice(tenant, 'exchangeOnline')).toEqual({ locked: false, preselected: 'selectedUsers' });
    expect(valueOf(checkScopeChoice(tenant, 'exchangeOnline', 'allUsersAndGroups'))).toBe(
      'allUsersAndGroups',
    );
  });

  it('R2: once a second service saved, the first one is locked by it too', () => {
    const first = protectedTenant('exchangeOnline', 'selectedUsers', { now: minutesAfterStart(0) });
    const both = protectedTenant('sharePointOnline', 'selectedUsers', {
      provisioning: first,
      now: minutesAfterStart(5),
    });
    expect(scopeLock(both)).toEqual({ scope: 'selectedUsers', fixedBy: 'exchangeOnline' });
    expect(errorOf(checkScopeChoice(both, 'exchangeOnline', 'allUsersAndGroups')).message).toBe(
      'SharePoint Online already synchronizes selected targets; all three services use the same option.',
    );
  });

  it('R2: the earliest Done is reported as fixing the scope, whatever the service order', () => {
    const oneDriveFirst = protectedTenant('oneDrive', 'allUsersAndGroups', { now: minutesAfterStart(0) });
    const thenExchange = protectedTenant('exchangeOnline', 'allUsersAndGroups', {
      provisioning: oneDriveFirst,
      now: minutesAfterStart(10),
    });
    expect(scopeLock(thenExchange)?.fixedBy).toBe('oneDrive');
  });

  it('R2: the lock survives a broken token', () => {
    const tenant = valueOf(
      recordTokenFailure(
        protectedTenant('exchangeOnline', 'selectedUsers'),
        'exchangeOnline',
        'rolesRemoved',
      ),
    ).provisioning;
    expect(checkScopeChoice(tenant, 'oneDrive', 'allUsersAndGroups').ok).toBe(false);
  });
});

describe('which synchronizations a scope allows', () => {
  it('R3: manual synchronization is refused in selected mode with the reason', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers');
    expect(errorOf(manualSyncAvailability(tenant, 'exchangeOnline'))).toEqual({
      code: 'sync_selected_users',
      service: 'exchangeOnline',
      message:
        'Manual synchronization is not available while Exchange Online synchronizes selected users; extend protection to all your Office 365 service targets to use it.',
    });
  });

  it('R3: scheduled synchronization does not apply in selected mode', () => {
    const tenant = protectedTenant('oneDrive', 'selectedUsers');
    expect(errorOf(scheduledSyncApplies(tenant, 'oneDrive')).code).toBe('sync_selected_users');
  });

  it('R4: manual and scheduled synchronization are allowed for a protected service in all mode', () => {
    const tenant = protectedTenant('exchangeOnline', 'allUsersAndGroups');
    const allowed = { service: 'exchangeOnline', scope: 'allUsersAndGroups' };
    expect(valueOf(manualSyncAvailability(tenant, 'exchangeOnline'))).toEqual(allowed);
    expect(valueOf(scheduledSyncApplies(tenant, 'exchangeOnline'))).toEqual(allowed);
  });

  it.each([
    ['never provisioned', emptyProvisioning(TENANT_ID)],
    ['consented but not saved with Done', consentedTenant('exchangeOnline')],
  ])('R4: no synchronization before the service is protected (%s)', (_, tenant) => {
    expect(errorOf(manualSyncAvailability(tenant, 'exchangeOnline')).code).toBe('sync_not_protected');
    expect(errorOf(scheduledSyncApplies(tenant, 'exchangeOnline')).code).toBe('sync_not_protected');
  });

  it('R4: a service whose token is invalid is told to create a new access token first', () => {
    const broken = valueOf(
      recordTokenFailure(
        protectedTenant('exchangeOnline', 'allUsersAndGroups'),
        'exchangeOnline',
        'consentRevoked',
      ),
    ).provisioning;
    const refusal = errorOf(manualSyncAvailability(broken, 'exchangeOnline'));
    expect(refusal.code).toBe('sync_token_invalid');
    expect(refusal.message).toContain('Administration > Service Account');
  });

  it('R12: before extend, the General tab link is refused with the reason; after Submit it is available', () => {
    expect(MANUAL_SYNC_ALL_TARGETS_LABEL).toBe('Click here to manually synchronize all your targets');
    const selected = protectedTenant('exchangeOnline', 'selectedUsers');
    expect(errorOf(manualSyncAvailability(selected, 'exchangeOnline')).message).toMatch(/selected users/);
    const extended = valueOf(extendProtection(selected, minutesAfterStart(60))).provisioning;
    expect(valueOf(manualSyncAvailability(extended, 'exchangeOnline'))).toEqual({
      service: 'exchangeOnline',
      scope: 'allUsersAndGroups',
    });
    expect(scheduledSyncApplies(extended, 'exchangeOnline').ok).toBe(true);
  });
});

describe('after Submit on the Extend offer', () => {
  it('R12: manual synchronization becomes available on every extended service', () => {
    const exchange = protectedTenant('exchangeOnline', 'selectedUsers', { now: minutesAfterStart(0) });
    const all = protectedTenant('sharePointOnline', 'selectedUsers', {
      provisioning: exchange,
      now: minutesAfterStart(1),
    });
    const extended = valueOf(extendProtection(all, minutesAfterStart(60))).provisioning;
    expect(manualSyncAvailability(extended, 'exchangeOnline').ok).toBe(true);
    expect(manualSyncAvailability(extended, 'sharePointOnline').ok).toBe(true);
    expect(errorOf(manualSyncAvailability(extended, 'oneDrive')).code).toBe('sync_not_protected');
  });

  it('R12: a service whose token broke stays refused after extend, with the Service Account reason', () => {
    const broken = valueOf(
      recordTokenFailure(protectedTenant('oneDrive', 'selectedUsers'), 'oneDrive', 'rolesRemoved'),
    ).provisioning;
    const extended = valueOf(extendProtection(broken, minutesAfterStart(60))).provisioning;
    expect(errorOf(manualSyncAvailability(extended, 'oneDrive')).code).toBe('sync_token_invalid');
  });

  it('R12: without a manual sync, the daily synchronization picks the extended service up the next day', () => {
    const extended = valueOf(
      extendProtection(protectedTenant('exchangeOnline', 'selectedUsers'), '2025-03-03T10:00:00.000Z'),
    ).provisioning;
    expect(scheduledSyncApplies(extended, 'exchangeOnline').ok).toBe(true);
    expect(nextDailySync('2025-03-03T10:00:00.000Z', '02:00')).toBe('2025-03-04T02:00:00.000Z');
  });
});

describe('daily synchronization time', () => {
  it.each([
    ['later the same day', '2025-03-03T01:15:00.000Z', '02:00', '2025-03-03T02:00:00.000Z'],
    ['already past today', '2025-03-03T02:30:00.000Z', '02:00', '2025-03-04T02:00:00.000Z'],
    [
      'exactly at the time: the next one is tomorrow',
      '2025-03-03T02:00:00.000Z',
      '02:00',
      '2025-03-04T02:00:00.000Z',
    ],
    ['across a month end', '2025-02-28T23:59:00.000Z', '00:00', '2025-03-01T00:00:00.000Z'],
    ['across a year end', '2025-12-31T23:30:00.000Z', '23:15', '2026-01-01T23:15:00.000Z'],
    [
      'from a time with an offset (05:00+02:00 is 03:00 UTC)',
      '2025-03-03T05:00:00+02:00',
      '02:00',
      '2025-03-04T02:00:00.000Z',
    ],
  ])('R4: next daily sync %s', (_, now, time, expected) => {
    expect(nextDailySync(now, time)).toBe(expected);
  });

  it.each(['24:00', '2:00', '02:60', '0200', '', ' 02:00'])('R4: refuses the daily time %j', (value) => {
    expect(errorOf(parseDailyTimeUtc(value)).code).toBe('invalid_daily_time');
    expect(() => nextDailySync('2025-03-03T00:00:00.000Z', value)).toThrow(RangeError);
  });

  it('R4: refuses a clock reading that is not an ISO time', () => {
    expect(() => nextDailySync('yesterday', '02:00')).toThrow(RangeError);
  });
});
