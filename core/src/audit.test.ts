import { describe, expect, it } from 'vitest';
import { auditEventsForTransition, changedServiceAccounts, consentFailedAuditEvent } from './audit.js';
import {
  completeProvisioning,
  emptyProvisioning,
  extendProtection,
  grantConsent,
  recordTokenFailure,
} from './provisioning.js';
import {
  ADMIN,
  consentedTenant,
  grantFor,
  minutesAfterStart,
  protectedTenant,
  TENANT_ID,
  valueOf,
  WITH_EWS,
} from './test-support/fixtures.js';

function idSequence(): () => string {
  let next = 0;
  return () => `audit-${++next}`;
}

describe('audit entries from transitions', () => {
  it('R5: a granted consent is recorded with before/after of that service account only', () => {
    const before = emptyProvisioning(TENANT_ID);
    const transition = valueOf(
      grantConsent(before, 'exchangeOnline', grantFor('exchangeOnline', 'exchangeWebServices'), WITH_EWS),
    );
    const entries = auditEventsForTransition(before, transition, {
      actor: ADMIN,
      at: minutesAfterStart(1),
      newId: idSequence(),
    });
    expect(entries).toEqual([
      {
        id: 'audit-1',
        tenantId: TENANT_ID,
        actor: ADMIN,
        action: 'consent.granted',
        service: 'exchangeOnline',
        at: minutesAfterStart(1),
        before: { exchangeOnline: before.services.exchangeOnline },
        after: { exchangeOnline: transition.provisioning.services.exchangeOnline },
      },
    ]);
  });

  it('R1: Done records the scope change and the sync request, not the protected message twice', () => {
    const before = consentedTenant('oneDrive');
    const transition = valueOf(
      completeProvisioning(before, 'oneDrive', { scope: 'allUsersAndGroups', now: minutesAfterStart(5) }),
    );
    expect(transition.events.map((event) => event.kind)).toContain('serviceProtected');
    const entries = auditEventsForTransition(before, transition, {
      actor: ADMIN,
      at: minutesAfterStart(5),
      newId: idSequence(),
    });
    expect(entries.map((entry) => [entry.id, entry.action, entry.service])).toEqual([
      ['audit-1', 'scope.saved', 'oneDrive'],
      ['audit-2', 'sync.requested', 'oneDrive'],
    ]);
    expect(entries[1]).toMatchObject({
      before: null,
      after: { trigger: 'initial', scope: 'allUsersAndGroups' },
    });
  });

  it('R11: extend is one tenant entry with the changed services only, plus one entry per sync', () => {
    const exchange = protectedTenant('exchangeOnline', 'selectedUsers');
    const before = consentedTenant('sharePointOnline', exchange);
    const transition = valueOf(extendProtection(before, minutesAfterStart(60)));
    const entries = auditEventsForTransition(before, transition, {
      actor: ADMIN,
      at: minutesAfterStart(60),
      newId: idSequence(),
    });
    expect(entries.map((entry) => entry.action)).toEqual(['scope.extended', 'sync.requested']);
    expect(entries[0]?.service).toBeNull();
    expect(Object.keys(entries[0]?.before as object)).toEqual(['exchangeOnline']);
    expect(entries[0]?.after).toEqual({ exchangeOnline: transition.provisioning.services.exchangeOnline });
  });

  it('R9: a token incident is recorded as token.invalidated by the system', () => {
    const before = protectedTenant('exchangeOnline', 'allUsersAndGroups');
    const transition = valueOf(recordTokenFailure(before, 'exchangeOnline', 'secretExpired'));
    const monitor = { kind: 'system', component: 'token-health-monitor' } as const;
    const [entry] = auditEventsForTransition(before, transition, {
      actor: monitor,
      at: minutesAfterStart(15),
      newId: idSequence(),
    });
    expect(entry).toMatchObject({ action: 'token.invalidated', actor: monitor, service: 'exchangeOnline' });
    expect(entry?.after).toMatchObject({
      exchangeOnline: { status: 'tokenInvalid', tokenFailure: 'secretExpired' },
    });
  });

  it('records nothing for a transition without events', () => {
    const tenant = consentedTenant('exchangeOnline');
    expect(
      auditEventsForTransition(
        tenant,
        { provisioning: tenant, events: [] },
        { actor: ADMIN, at: minutesAfterStart(1), newId: idSequence() },
      ),
    ).toEqual([]);
  });

  it('compares service accounts by value, so an identical copy is not a change', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers');
    const copy = structuredClone(tenant);
    expect(changedServiceAccounts(tenant, copy)).toEqual({ before: {}, after: {} });
    const changed = {
      ...copy,
      services: { ...copy.services, oneDrive: { ...copy.services.oneDrive, status: 'consented' as const } },
    };
    expect(Object.keys(changedServiceAccounts(tenant, changed).after)).toEqual(['oneDrive']);
  });

  it('R6: a failed consent is recorded with its code and message', () => {
    const entry = consentFailedAuditEvent(
      { id: 'audit-9', tenantId: TENANT_ID, actor: ADMIN, at: minutesAfterStart(2) },
      {
        service: 'exchangeOnline',
        step: 'microsoftGraph',
        code: 'consent_roles_missing',
        message: 'lacks Mail.ReadWrite',
      },
    );
    expect(entry).toEqual({
      id: 'audit-9',
      tenantId: TENANT_ID,
      actor: ADMIN,
      action: 'consent.failed',
      service: 'exchangeOnline',
      at: minutesAfterStart(2),
      before: null,
      after: { step: 'microsoftGraph', code: 'consent_roles_missing', message: 'lacks Mail.ReadWrite' },
    });
  });
});
