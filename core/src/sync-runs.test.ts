import { describe, expect, it } from 'vitest';
import { extendProtection, recordTokenFailure } from './provisioning.js';
import {
  isSyncRunFinished,
  newSyncRun,
  opensSyncFailingAlert,
  syncCancelText,
  syncRunApplies,
} from './sync-runs.js';
import {
  ADMIN,
  errorOf,
  minutesAfterStart,
  protectedTenant,
  START,
  target,
  TENANT_ID,
  valueOf,
} from './test-support/fixtures.js';
import type { SyncRun } from './model.js';

function run(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    ...newSyncRun({
      id: 'run-1',
      tenantId: TENANT_ID,
      service: 'exchangeOnline',
      trigger: 'initial',
      scope: 'selectedUsers',
      requestedAt: START,
      requestedBy: ADMIN,
    }),
    ...overrides,
  };
}

describe('a new sync run', () => {
  it('is pending with no figures, no cancellation and no missing targets', () => {
    expect(run()).toEqual({
      id: 'run-1',
      tenantId: TENANT_ID,
      service: 'exchangeOnline',
      trigger: 'initial',
      scope: 'selectedUsers',
      status: 'pending',
      requestedAt: START,
      requestedBy: ADMIN,
      startedAt: null,
      finishedAt: null,
      added: 0,
      updated: 0,
      removed: 0,
      graphRequests: 0,
      error: null,
      cancelReason: null,
      missingTargets: [],
      protectedTargets: null,
    });
  });

  it.each([
    ['pending', false],
    ['running', false],
    ['succeeded', true],
    ['failed', true],
    ['dead', true],
    ['cancelled', true],
  ] as const)('a %s run is finished: %s', (status, finished) => {
    expect(isSyncRunFinished(run({ status }))).toBe(finished);
  });
});

describe('R14: a run applies to the scope that holds when it runs', () => {
  it('applies while its service is protected with the scope it was requested for', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers', { targets: [target(1)] });
    expect(syncRunApplies(tenant, run()).ok).toBe(true);
  });

  it('a selected-users run after Extend no longer applies: the scope changed', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers', { targets: [target(1)] });
    const extended = valueOf(extendProtection(tenant, minutesAfterStart(5))).provisioning;
    expect(errorOf(syncRunApplies(extended, run()))).toEqual({
      reason: 'scopeChanged',
      message:
        'The scope of Exchange Online changed after this synchronization was requested; a synchronization of the current scope replaces it.',
    });
  });

  it('an all-users run after a switch to selected users no longer applies', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers', { targets: [target(1)] });
    expect(errorOf(syncRunApplies(tenant, run({ scope: 'allUsersAndGroups' }))).reason).toBe('scopeChanged');
  });

  it('never applies to an empty selection, so nothing is swept', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers', { targets: [target(1)] });
    const emptied = {
      ...tenant,
      services: {
        ...tenant.services,
        exchangeOnline: { ...tenant.services.exchangeOnline, targets: [] },
      },
    };
    expect(errorOf(syncRunApplies(emptied, run())).reason).toBe('noTargets');
  });

  it('does not apply to a service that is not protected, or whose token is invalid', () => {
    const tenant = protectedTenant('exchangeOnline', 'allUsersAndGroups');
    const all = run({ scope: 'allUsersAndGroups' });
    expect(errorOf(syncRunApplies(undefined, all)).reason).toBe('serviceNotProtected');
    expect(errorOf(syncRunApplies(tenant, { ...all, service: 'oneDrive' })).reason).toBe(
      'serviceNotProtected',
    );
    const broken = valueOf(recordTokenFailure(tenant, 'exchangeOnline', 'consentRevoked')).provisioning;
    expect(errorOf(syncRunApplies(broken, all))).toEqual({
      reason: 'tokenInvalid',
      message: syncCancelText('tokenInvalid', 'exchangeOnline'),
    });
  });
});

describe('one open "sync failing" alert per tenant and service', () => {
  const dead = (id: string, minutes: number) =>
    run({ id, status: 'dead', requestedAt: minutesAfterStart(minutes) });
  const succeeded = (minutes: number) =>
    run({ id: `ok-${minutes}`, status: 'succeeded', requestedAt: minutesAfterStart(minutes) });

  it('the first dead run after a success (or ever) opens the alert', () => {
    expect(opensSyncFailingAlert({ lastSucceeded: undefined, previousDead: undefined })).toBe(true);
    expect(opensSyncFailingAlert({ lastSucceeded: succeeded(5), previousDead: dead('d-1', 1) })).toBe(true);
  });

  it('a later dead run of the same streak raises nothing', () => {
    expect(opensSyncFailingAlert({ lastSucceeded: undefined, previousDead: dead('d-1', 1) })).toBe(false);
    expect(opensSyncFailingAlert({ lastSucceeded: succeeded(1), previousDead: dead('d-2', 5) })).toBe(false);
  });
});
