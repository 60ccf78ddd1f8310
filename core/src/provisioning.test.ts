import { describe, expect, it } from 'vitest';
import {
  checkConsentStep,
  completeProvisioning,
  emptyProvisioning,
  extendProtection,
  grantConsent,
  reauthorise,
  recordTokenFailure,
  requestManualSync,
  recordTokenVerified,
  type TransitionResult,
} from './provisioning.js';
import { scopeLock } from './sync-scope.js';
import {
  consentedTenant,
  errorOf,
  GRAPH_ONLY,
  grantFor,
  minutesAfterStart,
  protectedTenant,
  target,
  targetRange,
  TENANT_ID,
  valueOf,
  WITH_EWS,
} from './test-support/fixtures.js';
import type { TenantProvisioning } from './model.js';

const START_PLUS_5 = minutesAfterStart(5);

// Frozen inputs make any mutation by a transition throw in strict mode, not just go unnoticed.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    Object.values(value).forEach(deepFreeze);
  }
  return value;
}

function after(result: TransitionResult): TenantProvisioning {
  return valueOf(result).provisioning;
}

describe('a new tenant', () => {
  it('starts with every service notProvisioned at version 0', () => {
    const tenant = emptyProvisioning(TENANT_ID);
    expect(tenant.version).toBe(0);
    expect(
      Object.values(tenant.services).map((account) => [account.service, account.status, account.scope]),
    ).toEqual([
      ['exchangeOnline', 'notProvisioned', null],
      ['sharePointOnline', 'notProvisioned', null],
      ['oneDrive', 'notProvisioned', null],
    ]);
  });
});

describe('consent', () => {
  it('R5: Step 1 moves Exchange Online to consentStep1Done, Step 2 to consented', () => {
    const start = deepFreeze(emptyProvisioning(TENANT_ID));
    const step1 = valueOf(
      grantConsent(start, 'exchangeOnline', grantFor('exchangeOnline', 'exchangeWebServices'), WITH_EWS),
    );
    expect(step1.provisioning.services.exchangeOnline.status).toBe('consentStep1Done');
    expect(step1.events).toEqual([
      {
        kind: 'consentGranted',
        service: 'exchangeOnline',
        step: 'exchangeWebServices',
        roles: ['full_access_as_app'],
      },
    ]);
    const step2 = valueOf(
      grantConsent(
        step1.provisioning,
        'exchangeOnline',
        grantFor('exchangeOnline', 'microsoftGraph', WITH_EWS, { grantedAt: minutesAfterStart(2) }),
        WITH_EWS,
      ),
    );
    const account = step2.provisioning.services.exchangeOnline;
    expect(account.status).toBe('consented');
    expect(account.consents.map((grant) => grant.step)).toEqual(['exchangeWebServices', 'microsoftGraph']);
    expect(account.lastVerifiedAt).toBe(minutesAfterStart(2));
    expect(step2.events.map((event) => event.kind)).toEqual(['consentGranted', 'serviceConsented']);
    expect(start.services.exchangeOnline.status).toBe('notProvisioned');
  });

  it('R5: refuses Step 2 before Step 1 and changes nothing', () => {
    const start = deepFreeze(emptyProvisioning(TENANT_ID));
    expect(
      errorOf(grantConsent(start, 'exchangeOnline', grantFor('exchangeOnline', 'microsoftGraph'), WITH_EWS)),
    ).toEqual({
      code: 'consent_step_out_of_order',
      service: 'exchangeOnline',
      step: 'microsoftGraph',
      requiredFirst: 'exchangeWebServices',
      message: 'Complete Step 1 before Step 2.',
    });
  });

  it.each([
    ['Step 1 on a new tenant', [], 'exchangeWebServices', WITH_EWS, { ok: true, stepNumber: 1 }],
    [
      'Step 2 before Step 1',
      [],
      'microsoftGraph',
      WITH_EWS,
      { ok: false, code: 'consent_step_out_of_order' },
    ],
    ['Step 2 after Step 1', ['exchangeWebServices'], 'microsoftGraph', WITH_EWS, { ok: true, stepNumber: 2 }],
    ['the Graph step with EWS off', [], 'microsoftGraph', GRAPH_ONLY, { ok: true, stepNumber: 1 }],
    [
      'the EWS step with EWS off',
      [],
      'exchangeWebServices',
      GRAPH_ONLY,
      { ok: false, code: 'consent_step_not_required' },
    ],
  ] as const)('R5: may start %s?', (_case, done, step, options, expected) => {
    let provisioning = emptyProvisioning(TENANT_ID);
    for (const granted of done) {
      const result = grantConsent(
        provisioning,
        'exchangeOnline',
        grantFor('exchangeOnline', granted),
        options,
      );
      if (!result.ok) throw new Error(result.error.message);
      provisioning = result.value.provisioning;
    }
    const checked = checkConsentStep(deepFreeze(provisioning), 'exchangeOnline', step, options);
    if (expected.ok) {
      expect(checked.ok && checked.value.stepNumber).toBe(expected.stepNumber);
    } else {
      expect(checked.ok ? 'allowed' : checked.error.code).toBe(expected.code);
    }
  });

  it('R5: with EWS off, the Graph step alone makes Exchange Online consented', () => {
    const result = valueOf(
      grantConsent(
        emptyProvisioning(TENANT_ID),
        'exchangeOnline',
        grantFor('exchangeOnline', 'microsoftGraph', GRAPH_ONLY),
        GRAPH_ONLY,
      ),
    );
    expect(result.provisioning.services.exchangeOnline.status).toBe('consented');
    expect(result.events.map((event) => event.kind)).toEqual(['consentGranted', 'serviceConsented']);
  });

  it('R5: with EWS off, an EWS consent is not part of the flow', () => {
    const grant = grantFor('exchangeOnline', 'exchangeWebServices', WITH_EWS);
    expect(
      errorOf(grantConsent(emptyProvisioning(TENANT_ID), 'exchangeOnline', grant, GRAPH_ONLY)).code,
    ).toBe('consent_step_not_required');
  });

  it('R5: SharePoint Online is consented by its single Graph step', () => {
    const tenant = consentedTenant('sharePointOnline');
    expect(tenant.services.sharePointOnline.status).toBe('consented');
    expect(tenant.services.exchangeOnline.status).toBe('notProvisioned');
  });

  it('R5: re-granting a step already done is idempotent', () => {
    const consented = deepFreeze(consentedTenant('exchangeOnline'));
    const again = valueOf(
      grantConsent(consented, 'exchangeOnline', grantFor('exchangeOnline', 'exchangeWebServices'), WITH_EWS),
    );
    expect(again.provisioning).toBe(consented);
    expect(again.events).toEqual([]);
  });

  it('R6: a consent whose token lacks roles is refused with the missing roles, and nothing changes', () => {
    const step1 = after(
      grantConsent(
        emptyProvisioning(TENANT_ID),
        'exchangeOnline',
        grantFor('exchangeOnline', 'exchangeWebServices'),
        WITH_EWS,
      ),
    );
    deepFreeze(step1);
    const partial = grantFor('exchangeOnline', 'microsoftGraph', WITH_EWS, { roles: ['User.Read.All'] });
    expect(errorOf(grantConsent(step1, 'exchangeOnline', partial, WITH_EWS))).toEqual({
      code: 'consent_roles_missing',
      service: 'exchangeOnline',
      step: 'microsoftGraph',
      missing: ['GroupMember.Read.All', 'RoleManagement.Read.Directory', 'Mail.ReadWrite'],
      message:
        'The consent for Microsoft Graph was accepted, but the token lacks GroupMember.Read.All, RoleManagement.Read.Directory, Mail.ReadWrite; grant the permissions again.',
    });
    expect(step1.services.exchangeOnline.status).toBe('consentStep1Done');
  });

  it('R6: role names are compared exactly as Entra emits them', () => {
    const lowerCase = grantFor('oneDrive', 'microsoftGraph', WITH_EWS, {
      roles: ['user.read.all', 'group.read.all', 'files.read.all'],
    });
    expect(
      errorOf(grantConsent(emptyProvisioning(TENANT_ID), 'oneDrive', lowerCase, WITH_EWS)),
    ).toMatchObject({
      code: 'consent_roles_missing',
      missing: ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory', 'Files.Read.All'],
    });
  });

  it('R6: an EWS consent without full_access_as_app is refused', () => {
    const noRoles = grantFor('exchangeOnline', 'exchangeWebServices', WITH_EWS, { roles: [] });
    expect(
      errorOf(grantConsent(emptyProvisioning(TENANT_ID), 'exchangeOnline', noRoles, WITH_EWS)),
    ).toMatchObject({
      code: 'consent_roles_missing',
      missing: ['full_access_as_app'],
    });
  });
});

describe('Done', () => {
  it('R1: all users and groups protects the service, clears targets and asks for the first sync', () => {
    const consented = deepFreeze(consentedTenant('exchangeOnline'));
    const done = valueOf(
      completeProvisioning(consented, 'exchangeOnline', {
        scope: 'allUsersAndGroups',
        targets: [target(1)],
        now: minutesAfterStart(5),
      }),
    );
    const account = done.provisioning.services.exchangeOnline;
    expect(account).toMatchObject({
      status: 'protected',
      scope: 'allUsersAndGroups',
      targets: [],
      protectedAt: minutesAfterStart(5),
    });
    expect(done.events).toEqual([
      {
        kind: 'scopeSaved',
        service: 'exchangeOnline',
        scope: 'allUsersAndGroups',
        previousScope: null,
        targetCount: 0,
      },
      {
        kind: 'serviceProtected',
        service: 'exchangeOnline',
        protectedAt: minutesAfterStart(5),
        message: 'Exchange Online protected.',
      },
      { kind: 'syncRequested', service: 'exchangeOnline', trigger: 'initial', scope: 'allUsersAndGroups' },
    ]);
    expect(done.provisioning.version).toBe(consented.version);
  });

  it('R1: selected users saves the de-duplicated targets and offers Extend', () => {
    const consented = consentedTenant('exchangeOnline');
    const picked = [target(1, 'sales'), target(2), target(1, 'finance')];
    const done = valueOf(
      completeProvisioning(consented, 'exchangeOnline', {
        scope: 'selectedUsers',
        targets: picked,
        now: START_PLUS_5,
      }),
    );
    expect(done.provisioning.services.exchangeOnline.targets).toEqual([target(1, 'sales'), target(2)]);
    expect(done.events).toContainEqual({ kind: 'extendOffered', since: START_PLUS_5 });
    expect(done.events).toContainEqual({
      kind: 'syncRequested',
      service: 'exchangeOnline',
      trigger: 'initial',
      scope: 'selectedUsers',
    });
  });

  it.each(['exchangeOnline', 'sharePointOnline', 'oneDrive'] as const)(
    'R1: the protected message names %s',
    (service) => {
      const done = valueOf(
        completeProvisioning(consentedTenant(service), service, {
          scope: 'allUsersAndGroups',
          now: START_PLUS_5,
        }),
      );
      const names = {
        exchangeOnline: 'Exchange Online',
        sharePointOnline: 'SharePoint Online',
        oneDrive: 'OneDrive',
      };
      expect(done.events).toContainEqual(
        expect.objectContaining({ kind: 'serviceProtected', message: `${names[service]} protected.` }),
      );
    },
  );

  it.each([
    ['never consented', emptyProvisioning(TENANT_ID), 'notProvisioned'],
    [
      'only Step 1 done',
      after(
        grantConsent(
          emptyProvisioning(TENANT_ID),
          'exchangeOnline',
          grantFor('exchangeOnline', 'exchangeWebServices'),
          WITH_EWS,
        ),
      ),
      'consentStep1Done',
    ],
  ] as const)('R5: Done is refused when %s', (_, tenant, status) => {
    expect(
      errorOf(
        completeProvisioning(tenant, 'exchangeOnline', { scope: 'allUsersAndGroups', now: START_PLUS_5 }),
      ),
    ).toMatchObject({
      code: 'consent_required',
      status,
    });
  });

  it('R8: selected users needs at least one target', () => {
    const result = completeProvisioning(consentedTenant('oneDrive'), 'oneDrive', {
      scope: 'selectedUsers',
      targets: [],
      now: START_PLUS_5,
    });
    expect(errorOf(result)).toEqual({
      code: 'targets_required',
      service: 'oneDrive',
      message: 'Add at least one user to Selected Targets.',
    });
  });

  it('R8: Done with 100 targets succeeds; with 101 it is refused and nothing changes', () => {
    const consented = deepFreeze(consentedTenant('exchangeOnline'));
    const hundred = completeProvisioning(consented, 'exchangeOnline', {
      scope: 'selectedUsers',
      targets: targetRange(100),
      now: START_PLUS_5,
    });
    expect(after(hundred).services.exchangeOnline.targets).toHaveLength(100);
    const tooMany = completeProvisioning(consented, 'exchangeOnline', {
      scope: 'selectedUsers',
      targets: targetRange(101),
      now: START_PLUS_5,
    });
    expect(errorOf(tooMany)).toMatchObject({
      code: 'target_limit_exceeded',
      limit: 100,
      current: 0,
      attempted: 101,
      remaining: 100,
    });
    expect(consented.services.exchangeOnline.status).toBe('consented');
  });

  it('R2: Done with a scope other than the one another service fixed is refused with the reason', () => {
    const tenant = deepFreeze(
      protectedTenant('exchangeOnline', 'selectedUsers', {
        provisioning: consentedTenant('sharePointOnline'),
      }),
    );
    const error = errorOf(
      completeProvisioning(tenant, 'sharePointOnline', { scope: 'allUsersAndGroups', now: START_PLUS_5 }),
    );
    expect(error).toMatchObject({
      code: 'scope_locked',
      message: 'Exchange Online already synchronizes selected users; all three services use the same option.',
    });
  });

  it('R2: a second service saved with the fixed scope is protected without a second Extend offer', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers', {
      provisioning: consentedTenant('oneDrive'),
    });
    const done = valueOf(
      completeProvisioning(tenant, 'oneDrive', {
        scope: 'selectedUsers',
        targets: [target(3)],
        now: START_PLUS_5,
      }),
    );
    expect(done.provisioning.services.oneDrive.status).toBe('protected');
    expect(done.events.some((event) => event.kind === 'extendOffered')).toBe(false);
  });

  it('R8: Manage on a protected service updates the targets without a second "protected" message', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers', {
      targets: [target(1)],
      now: START_PLUS_5,
    });
    const managed = valueOf(
      completeProvisioning(tenant, 'exchangeOnline', {
        scope: 'selectedUsers',
        targets: [target(1), target(2)],
        now: minutesAfterStart(30),
      }),
    );
    expect(managed.provisioning.services.exchangeOnline).toMatchObject({
      protectedAt: START_PLUS_5,
      targets: [target(1), target(2)],
    });
    expect(managed.events.map((event) => event.kind)).toEqual(['scopeSaved', 'syncRequested']);
  });

  it('R8: Manage with nothing changed is a no-op', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers', { targets: [target(1)] });
    const same = valueOf(
      completeProvisioning(tenant, 'exchangeOnline', {
        scope: 'selectedUsers',
        targets: [target(1)],
        now: START_PLUS_5,
      }),
    );
    expect(same).toEqual({ provisioning: tenant, events: [] });
  });

  it('R3: Done with the same targets in another order is not a new sync', () => {
    const tenant = protectedTenant('exchangeOnline', 'selectedUsers', { targets: targetRange(3) });
    const reordered = valueOf(
      completeProvisioning(tenant, 'exchangeOnline', {
        scope: 'selectedUsers',
        targets: [target(3), target(1), target(2)],
        now: START_PLUS_5,
      }),
    );
    expect(reordered).toEqual({ provisioning: tenant, events: [] });
    // A changed set (same size, one user swapped) still is a new selection.
    const changed = valueOf(
      completeProvisioning(tenant, 'exchangeOnline', {
        scope: 'selectedUsers',
        targets: [target(3), target(1), target(4)],
        now: START_PLUS_5,
      }),
    );
    expect(changed.events.map((event) => event.kind)).toEqual(['scopeSaved', 'syncRequested']);
  });

  it('R2: the only saved service may switch its own scope with Manage', () => {
    const tenant = protectedTenant('exchangeOnline', 'allUsersAndGroups');
    const switched = valueOf(
      completeProvisioning(tenant, 'exchangeOnline', {
        scope: 'selectedUsers',
        targets: [target(1)],
        now: START_PLUS_5,
      }),
    );
    expect(switched.provisioning.services.exchangeOnline.scope).toBe('selectedUsers');
    expect(switched.events).toContainEqual({ kind: 'extendOffered', since: START_PLUS_5 });
  });

  it('R10: Done is refused while the token is invalid', () => {
    const broken = after(
      recordTokenFailure(
        protectedTenant('exchangeOnline', 'allUsersAndGroups'),
        'exchangeOnline',
        'rolesRemoved',
      ),
    );
    expect(
      errorOf(
        completeProvisioning(broken, 'exchangeOnline', { scope: 'allUsersAndGroups', now: START_PLUS_5 }),
      ).code,
    ).toBe('service_token_invalid');
  });
});

describe('token health', () => {
  it('R9: a failure moves a protected service to tokenInvalid with its cause', () => {
    const tenant = deepFreeze(protectedTenant('exchangeOnline', 'allUsersAndGroups'));
    const failed = valueOf(recordTokenFailure(tenant, 'exchangeOnline', 'consentRevoked'));
    expect(failed.provisioning.services.exchangeOnline).toMatchObject({
      status: 'tokenInvalid',
      tokenFailure: 'consentRevoked',
    });
    expect(failed.events).toEqual([
      { kind: 'tokenInvalidated', service: 'exchangeOnline', cause: 'consentRevoked' },
    ]);
  });

  it('R9: a second failure raises no new event', () => {
    const once = after(
      recordTokenFailure(
        protectedTenant('exchangeOnline', 'allUsersAndGroups'),
        'exchangeOnline',
        'consentRevoked',
      ),
    );
    expect(valueOf(recordTokenFailure(once, 'exchangeOnline', 'consentRevoked'))).toEqual({
      provisioning: once,
      events: [],
    });
    const recaused = valueOf(recordTokenFailure(once, 'exchangeOnline', 'servicePrincipalMissing'));
    expect(recaused.events).toEqual([]);
    expect(recaused.provisioning.services.exchangeOnline.tokenFailure).toBe('servicePrincipalMissing');
  });

  it('R9: a service that is not protected has no token to fail', () => {
    expect(errorOf(recordTokenFailure(consentedTenant('oneDrive'), 'oneDrive', 'other'))).toMatchObject({
      code: 'invalid_transition',
      status: 'consented',
      action: 'recordTokenFailure',
    });
  });

  it('R9: a verified token restores an invalid service with one event', () => {
    const broken = after(
      recordTokenFailure(
        protectedTenant('exchangeOnline', 'allUsersAndGroups'),
        'exchangeOnline',
        'rolesRemoved',
      ),
    );
    const restored = valueOf(recordTokenVerified(broken, 'exchangeOnline', minutesAfterStart(90)));
    expect(restored.provisioning.services.exchangeOnline).toMatchObject({
      status: 'protected',
      tokenFailure: null,
      lastVerifiedAt: minutesAfterStart(90),
    });
    expect(restored.events).toEqual([{ kind: 'tokenRestored', service: 'exchangeOnline' }]);
  });

  it('R9: a verified token on a healthy service only records when, without an event', () => {
    const tenant = protectedTenant('oneDrive', 'allUsersAndGroups');
    const verified = valueOf(recordTokenVerified(tenant, 'oneDrive', minutesAfterStart(15)));
    expect(verified.events).toEqual([]);
    expect(verified.provisioning.services.oneDrive.lastVerifiedAt).toBe(minutesAfterStart(15));
    expect(recordTokenVerified(emptyProvisioning(TENANT_ID), 'oneDrive', START_PLUS_5).ok).toBe(false);
  });
});

describe('Create new access token', () => {
  const broken = after(
    recordTokenFailure(
      protectedTenant('exchangeOnline', 'selectedUsers'),
      'exchangeOnline',
      'consentRevoked',
    ),
  );
  const freshGrants = [
    grantFor('exchangeOnline', 'exchangeWebServices', WITH_EWS, { grantedAt: minutesAfterStart(60) }),
    grantFor('exchangeOnline', 'microsoftGraph', WITH_EWS, { grantedAt: minutesAfterStart(61) }),
  ];

  it('R10: a verified re-consent restores protection, replaces the grants and clears the failure', () => {
    deepFreeze(broken);
    const result = valueOf(
      reauthorise(broken, 'exchangeOnline', freshGrants, minutesAfterStart(62), WITH_EWS),
    );
    expect(result.provisioning.services.exchangeOnline).toMatchObject({
      status: 'protected',
      tokenFailure: null,
      lastVerifiedAt: minutesAfterStart(62),
      consents: freshGrants,
      scope: 'selectedUsers',
    });
    expect(result.events).toEqual([
      { kind: 'serviceAccountReauthorised', service: 'exchangeOnline' },
      { kind: 'tokenRestored', service: 'exchangeOnline' },
    ]);
  });

  it('R10: re-authorising a healthy service raises no restored event', () => {
    const healthy = protectedTenant('exchangeOnline', 'allUsersAndGroups');
    const result = valueOf(
      reauthorise(healthy, 'exchangeOnline', freshGrants, minutesAfterStart(62), WITH_EWS),
    );
    expect(result.events).toEqual([{ kind: 'serviceAccountReauthorised', service: 'exchangeOnline' }]);
  });

  it('R10: a re-consent still lacking roles is refused and the service stays invalid', () => {
    const withoutRoles = [
      freshGrants[0]!,
      {
        ...freshGrants[1]!,
        roles: ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory'],
      },
    ];
    expect(
      errorOf(reauthorise(broken, 'exchangeOnline', withoutRoles, minutesAfterStart(62), WITH_EWS)),
    ).toMatchObject({
      code: 'consent_roles_missing',
      step: 'microsoftGraph',
      missing: ['Mail.ReadWrite'],
    });
    expect(broken.services.exchangeOnline.status).toBe('tokenInvalid');
  });

  it('R10: every consent step must be granted again', () => {
    expect(
      errorOf(reauthorise(broken, 'exchangeOnline', freshGrants.slice(1), minutesAfterStart(62), WITH_EWS)),
    ).toMatchObject({
      code: 'consent_step_missing',
      missingSteps: ['exchangeWebServices'],
    });
  });

  it('R10: with EWS off the Graph grant alone is enough', () => {
    const result = valueOf(
      reauthorise(broken, 'exchangeOnline', freshGrants.slice(1), minutesAfterStart(62), GRAPH_ONLY),
    );
    expect(result.provisioning.services.exchangeOnline.consents.map((grant) => grant.step)).toEqual([
      'microsoftGraph',
    ]);
  });

  it('R10: a service never provisioned cannot be re-authorised', () => {
    expect(
      errorOf(reauthorise(emptyProvisioning(TENANT_ID), 'oneDrive', [], START_PLUS_5, WITH_EWS)).code,
    ).toBe('invalid_transition');
  });
});

describe('Extend to protect all your Office 365 service targets', () => {
  it('R11: Submit switches every selected service to all users and groups and syncs the protected ones', () => {
    const exchange = protectedTenant('exchangeOnline', 'selectedUsers', { now: minutesAfterStart(0) });
    const both = protectedTenant('oneDrive', 'selectedUsers', {
      provisioning: exchange,
      now: minutesAfterStart(5),
    });
    const withConsentedSharePoint = deepFreeze(consentedTenant('sharePointOnline', both));
    const extended = valueOf(extendProtection(withConsentedSharePoint, minutesAfterStart(60)));
    const services = extended.provisioning.services;
    expect([services.exchangeOnline, services.oneDrive].map((a) => [a.scope, a.targets.length])).toEqual([
      ['allUsersAndGroups', 0],
      ['allUsersAndGroups', 0],
    ]);
    expect(services.sharePointOnline).toEqual(withConsentedSharePoint.services.sharePointOnline);
    expect(extended.events).toEqual([
      { kind: 'scopeExtended', services: ['exchangeOnline', 'oneDrive'], at: minutesAfterStart(60) },
      { kind: 'syncRequested', service: 'exchangeOnline', trigger: 'extend', scope: 'allUsersAndGroups' },
      { kind: 'syncRequested', service: 'oneDrive', trigger: 'extend', scope: 'allUsersAndGroups' },
    ]);
  });

  it('R11: R2 still holds after extend: the lock becomes all users and groups', () => {
    const extended = after(
      extendProtection(protectedTenant('exchangeOnline', 'selectedUsers'), START_PLUS_5),
    );
    expect(scopeLock(extended)).toEqual({ scope: 'allUsersAndGroups', fixedBy: 'exchangeOnline' });
    const next = protectedTenant('sharePointOnline', 'allUsersAndGroups', {
      provisioning: extended,
      now: minutesAfterStart(30),
    });
    expect(next.services.sharePointOnline.status).toBe('protected');
  });

  it('R11: extend when nothing is selected is refused', () => {
    expect(
      errorOf(extendProtection(protectedTenant('exchangeOnline', 'allUsersAndGroups'), START_PLUS_5)),
    ).toEqual({
      code: 'extend_not_applicable',
      message: 'All services already synchronize all users and groups.',
    });
    expect(errorOf(extendProtection(emptyProvisioning(TENANT_ID), START_PLUS_5)).message).toBe(
      'No service is provisioned yet, so there is nothing to extend.',
    );
  });

  it('R11: a service with a broken token is switched too but not synchronized until its token is fixed', () => {
    const broken = after(
      recordTokenFailure(
        protectedTenant('exchangeOnline', 'selectedUsers'),
        'exchangeOnline',
        'rolesRemoved',
      ),
    );
    const extended = valueOf(extendProtection(broken, START_PLUS_5));
    expect(extended.provisioning.services.exchangeOnline).toMatchObject({
      scope: 'allUsersAndGroups',
      status: 'tokenInvalid',
    });
    expect(extended.events.map((event) => event.kind)).toEqual(['scopeExtended']);
  });

  it('R11: extending twice is refused the second time', () => {
    const extended = after(
      extendProtection(protectedTenant('exchangeOnline', 'selectedUsers'), START_PLUS_5),
    );
    expect(errorOf(extendProtection(extended, minutesAfterStart(10))).code).toBe('extend_not_applicable');
  });
});

describe('Click here to manually synchronize all your targets', () => {
  it('R4: asks for a manual synchronization of every service that synchronizes all users and groups', () => {
    const tenant = deepFreeze(
      protectedTenant('sharePointOnline', 'allUsersAndGroups', {
        provisioning: protectedTenant('exchangeOnline', 'allUsersAndGroups'),
        now: START_PLUS_5,
      }),
    );
    const requested = valueOf(requestManualSync(tenant));
    expect(requested.provisioning).toBe(tenant);
    expect(requested.events).toEqual([
      { kind: 'syncRequested', service: 'exchangeOnline', trigger: 'manual', scope: 'allUsersAndGroups' },
      { kind: 'syncRequested', service: 'sharePointOnline', trigger: 'manual', scope: 'allUsersAndGroups' },
    ]);
  });

  it('R3: refused in selected mode with the reason, not with "not provisioned"', () => {
    const refusal = errorOf(requestManualSync(protectedTenant('exchangeOnline', 'selectedUsers')));
    expect(refusal.code).toBe('sync_selected_users');
    expect(refusal.message).toContain('extend protection to all your Office 365 service targets');
  });

  it('refuses when nothing is provisioned, and can be limited to one service', () => {
    expect(errorOf(requestManualSync(emptyProvisioning(TENANT_ID))).code).toBe('sync_not_protected');
    const tenant = protectedTenant('exchangeOnline', 'allUsersAndGroups');
    expect(errorOf(requestManualSync(tenant, ['oneDrive'])).code).toBe('sync_not_protected');
    expect(valueOf(requestManualSync(tenant, ['exchangeOnline'])).events).toHaveLength(1);
  });
});
