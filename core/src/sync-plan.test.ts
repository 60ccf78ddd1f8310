import { describe, expect, it } from 'vitest';
import {
  allUsersRoundMode,
  backoffDelayMs,
  DEFAULT_PACING_QUOTA,
  fullPacingBudget,
  groupsDeltaPageChanges,
  minimumPageRequests,
  retryAfterMs,
  snapshotKeyOf,
  spendPacingBudget,
  SYNC_JOB_BACKOFF,
  usersPageChanges,
} from './sync-plan.js';

describe('usersPageChanges', () => {
  it('upserts users with only the kept fields and removes @removed entries', () => {
    const changes = usersPageChanges([
      {
        id: 'u1',
        userPrincipalName: 'ann@contoso.com',
        displayName: 'Ann',
        mail: null,
        accountEnabled: false,
        userType: 'Guest',
        jobTitle: 'ignored',
      },
      { id: 'u2', userPrincipalName: 'bo@contoso.com' },
      { id: 'u3', '@removed': { reason: 'deleted' } },
    ]);
    expect(changes.upsertUsers).toEqual([
      {
        id: 'u1',
        userPrincipalName: 'ann@contoso.com',
        displayName: 'Ann',
        mail: null,
        accountEnabled: false,
        userType: 'Guest',
      },
      {
        id: 'u2',
        userPrincipalName: 'bo@contoso.com',
        displayName: 'bo@contoso.com',
        mail: null,
        accountEnabled: true,
        userType: 'Member',
      },
    ]);
    expect(changes.removeUserIds).toEqual(['u3']);
    expect(changes.addMemberships).toEqual([]);
  });
});

describe('usersPageChanges: licence plans', () => {
  it('derives each user’s mailbox and OneDrive from assignedPlans, and leaves them unknown without it', () => {
    const enabled = (service: string) => ({ service, capabilityStatus: 'Enabled' });
    const changes = usersPageChanges([
      { id: 'a', userPrincipalName: 'a@x', assignedPlans: [enabled('exchange'), enabled('SharePoint')] },
      {
        id: 'b',
        userPrincipalName: 'b@x',
        assignedPlans: [{ service: 'exchange', capabilityStatus: 'Deleted' }],
      },
      { id: 'c', userPrincipalName: 'c@x', assignedPlans: [] },
      // A delta entry reports at least the changed properties: no plans means "unchanged".
      { id: 'd', displayName: 'Renamed' },
    ]);
    expect(changes.upsertUsers.map((user) => [user.id, user.holdings])).toEqual([
      ['a', { mailbox: true, oneDrive: true }],
      ['b', { mailbox: false, oneDrive: false }],
      ['c', { mailbox: false, oneDrive: false }],
      ['d', undefined],
    ]);
    expect('holdings' in (changes.upsertUsers[3] ?? {})).toBe(false);
  });
});

describe('groupsDeltaPageChanges', () => {
  it('reads groups, members joining and leaving, removals and continuation entries', () => {
    const changes = groupsDeltaPageChanges([
      {
        id: 'g1',
        displayName: 'Finance',
        mail: 'finance@contoso.com',
        groupTypes: ['Unified'],
        mailEnabled: true,
        securityEnabled: false,
        'members@delta': [
          { '@odata.type': '#microsoft.graph.user', id: 'u1' },
          { '@odata.type': '#microsoft.graph.group', id: 'g2' },
          { '@odata.type': '#microsoft.graph.user', id: 'u9', '@removed': { reason: 'deleted' } },
          { '@odata.type': '#microsoft.graph.device', id: 'd1' },
        ],
      },
      // The rest of a large group on the next page: members only, no properties.
      { id: 'g3', 'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: 'u2' }] },
      { id: 'g4', '@removed': { reason: 'changed' } },
    ]);
    expect(changes.upsertGroups).toEqual([
      { id: 'g1', displayName: 'Finance', mail: 'finance@contoso.com', kind: 'microsoft365' },
    ]);
    expect(changes.addMemberships).toEqual([
      { groupId: 'g1', memberId: 'u1', memberType: 'user' },
      { groupId: 'g1', memberId: 'g2', memberType: 'group' },
      { groupId: 'g3', memberId: 'u2', memberType: 'user' },
    ]);
    expect(changes.removeMemberships).toEqual([{ groupId: 'g1', memberId: 'u9', memberType: 'user' }]);
    expect(changes.removeGroupIds).toEqual(['g4']);
  });
});

describe('backoffDelayMs', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [4, 240_000],
    [5, undefined],
  ])('after attempt %i waits %s', (attempt, delay) => {
    expect(backoffDelayMs(attempt, SYNC_JOB_BACKOFF)).toBe(delay);
  });

  it('caps the delay', () => {
    expect(backoffDelayMs(9, { baseMs: 1_000, maxMs: 5_000, maxAttempts: 10 })).toBe(5_000);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each<[string | null, number, number]>([
    ['2', 1, 2_000],
    ['0.1', 1, 100],
    ['0', 3, 0],
    ['Wed, 01 Jan 2025 00:00:05 GMT', 1, 5_000],
    [null, 1, 1_000],
    [null, 3, 4_000],
    ['nonsense', 2, 2_000],
    [null, 20, 60_000],
  ])('Retry-After %s on attempt %i waits %i ms', (header, attempt, expected) => {
    expect(retryAfterMs(header, attempt, now)).toBe(expected);
  });
});

describe('spendPacingBudget', () => {
  const quota = { units: 100, windowMs: 10_000 };
  it('spends without waiting while the bucket holds enough', () => {
    const first = spendPacingBudget(fullPacingBudget(quota, 0), 60, 0, quota);
    expect(first.waitMs).toBe(0);
    expect(first.budget.units).toBe(40);
  });

  it('waits for the refill when the bucket is short, then is empty', () => {
    const spent = spendPacingBudget({ units: 10, at: 0 }, 30, 0, quota);
    // 20 units missing at 0.01 unit/ms.
    expect(spent.waitMs).toBe(2_000);
    expect(spent.budget.units).toBeCloseTo(0);
    expect(spent.budget.at).toBe(2_000);
  });

  it('refills over time but never beyond the quota', () => {
    const later = spendPacingBudget({ units: 0, at: 0 }, 1, 1_000_000, quota);
    expect(later.waitMs).toBe(0);
    expect(later.budget.units).toBe(99);
  });

  it('keeps a run of requests under the quota per window', () => {
    let budget = fullPacingBudget(DEFAULT_PACING_QUOTA, 0);
    let now = 0;
    for (let i = 0; i < 10_000; i++) {
      const spent = spendPacingBudget(budget, 1, now, DEFAULT_PACING_QUOTA);
      now += spent.waitMs;
      budget = spent.budget;
    }
    // 10,000 units at 3,150 per 10 s: the first 3,150 immediately, the rest at the refill rate.
    expect(now).toBeGreaterThanOrEqual(((10_000 - 3_150) / 3_150) * 10_000 - 10);
  });
});

describe('minimumPageRequests', () => {
  it.each([
    [0, 999, 1],
    [999, 999, 1],
    [1000, 999, 2],
    [100_000, 999, 101],
  ])('%i objects in pages of %i need %i requests', (count, size, expected) => {
    expect(minimumPageRequests(count, size)).toBe(expected);
  });
});

describe('snapshotKeyOf', () => {
  it('shares one snapshot per tenant in all-users mode and keeps selected mode per service', () => {
    expect(snapshotKeyOf({ tenantId: 't', service: 'oneDrive', scope: 'allUsersAndGroups' })).toEqual({
      tenantId: 't',
      snapshot: 'tenant',
    });
    expect(snapshotKeyOf({ tenantId: 't', service: 'oneDrive', scope: 'selectedUsers' })).toEqual({
      tenantId: 't',
      snapshot: 'oneDrive',
    });
  });
});

describe('allUsersRoundMode (R4: delta as the daily sync)', () => {
  const week = 7 * 24 * 3600_000;
  const base = {
    trigger: 'scheduled' as const,
    hasDeltaLinks: true,
    lastFullRoundStartedAt: '2026-03-01T02:00:00.000Z',
    now: '2026-03-05T02:00:00.000Z',
    fullRoundIntervalMs: week,
  };
  it('is a delta round when links exist and the weekly full round is not due', () => {
    expect(allUsersRoundMode(base)).toBe('delta');
    expect(allUsersRoundMode({ ...base, trigger: 'delta' })).toBe('delta');
    expect(allUsersRoundMode({ ...base, trigger: 'initial' })).toBe('delta');
  });
  it('is a full round on the first sync, a manual sync, and once the interval passed', () => {
    expect(allUsersRoundMode({ ...base, hasDeltaLinks: false })).toBe('full');
    expect(allUsersRoundMode({ ...base, lastFullRoundStartedAt: null })).toBe('full');
    expect(allUsersRoundMode({ ...base, trigger: 'manual' })).toBe('full');
    expect(allUsersRoundMode({ ...base, now: '2026-03-08T02:00:00.000Z' })).toBe('full');
    expect(allUsersRoundMode({ ...base, now: '2026-03-08T01:59:59.999Z' })).toBe('delta');
  });
});

describe('spendPacingBudget with concurrent callers', () => {
  it('queues a caller behind a budget already spent into the future', () => {
    const quota = { units: 10, windowMs: 10_000 };
    const empty = { units: 0, at: 0 };
    const first = spendPacingBudget(empty, 5, 0, quota);
    expect(first.waitMs).toBe(5_000);
    // Asked at the same moment, before the first one's wait is over: it waits for both.
    const second = spendPacingBudget(first.budget, 5, 0, quota);
    expect(second.waitMs).toBe(10_000);
  });
});
