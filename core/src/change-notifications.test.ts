import { describe, expect, it } from 'vitest';
import {
  describeChangeNotificationStatus,
  renewalDue,
  wantsChangeNotifications,
} from './change-notifications.js';
import { emptyProvisioning } from './provisioning.js';
import { changeNotificationFailureCause } from './token-health.js';

describe('change notifications', () => {
  it('are wanted only while a service synchronizes all users and groups', () => {
    const empty = emptyProvisioning('t');
    expect(wantsChangeNotifications(undefined)).toBe(false);
    expect(wantsChangeNotifications(empty)).toBe(false);
    const all = {
      ...empty,
      services: {
        ...empty.services,
        exchangeOnline: {
          ...empty.services.exchangeOnline,
          status: 'protected' as const,
          scope: 'allUsersAndGroups' as const,
        },
      },
    };
    expect(wantsChangeNotifications(all)).toBe(true);
    const selected = {
      ...all,
      services: {
        ...all.services,
        exchangeOnline: { ...all.services.exchangeOnline, scope: 'selectedUsers' as const },
      },
    };
    expect(wantsChangeNotifications(selected)).toBe(false);
  });

  it('renew once less than the margin is left', () => {
    expect(renewalDue('2026-12-10T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 7 * 86_400_000)).toBe(false);
    expect(renewalDue('2026-12-08T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 7 * 86_400_000)).toBe(true);
  });

  it('name why Graph refused a subscription', () => {
    expect(changeNotificationFailureCause({ fromEntra: true })).toBe('tokenRefused');
    expect(changeNotificationFailureCause({ httpStatus: 401 })).toBe('tokenRefused');
    expect(changeNotificationFailureCause({ httpStatus: 403, message: 'Insufficient privileges' })).toBe(
      'permissionMissing',
    );
    expect(
      changeNotificationFailureCause({ httpStatus: 403, message: 'reached its limit of 100 subscriptions' }),
    ).toBe('quotaExceeded');
    expect(
      changeNotificationFailureCause({
        httpStatus: 400,
        message: 'Subscription validation request timed out.',
      }),
    ).toBe('notificationUrlNotValidated');
    expect(changeNotificationFailureCause({ httpStatus: 503 })).toBe('graphUnavailable');
    expect(changeNotificationFailureCause({ httpStatus: 400, message: 'Bad' })).toBe('other');
  });

  it('read as one line in Administration > Service Account', () => {
    const base = {
      tenantId: 't',
      cause: null,
      detail: null,
      expiresAt: null,
      updatedAt: '2026-12-01T12:40:00.000Z',
    };
    expect(describeChangeNotificationStatus(undefined)).toMatch(/not set up yet/);
    expect(
      describeChangeNotificationStatus({
        ...base,
        state: 'active',
        renewedAt: '2026-12-01T12:40:00.000Z',
        expiresAt: '2026-12-30T11:40:00.000Z',
      }),
    ).toBe('Change notifications: active, renewed 2026-12-01 12:40 UTC, expires 2026-12-30 11:40 UTC.');
    expect(
      describeChangeNotificationStatus({
        ...base,
        state: 'failing',
        cause: 'notificationUrlNotValidated',
        renewedAt: null,
      }),
    ).toMatch(
      /^Change notifications: failing since 2026-12-01 12:40 UTC: Microsoft Graph could not validate/,
    );
  });
});
