/** API answers for component tests, shaped as docs/api.md describes them, with overridable fields. */
import {
  CONSENT_APPS,
  consentStepRequirement,
  GRAPH_APP_OF,
  SERVICE_IDS,
  SERVICE_NAMES,
  type Notification,
  type ServiceId,
  type SyncRun,
} from '@cas/core';
import type {
  ConsentStepView,
  Me,
  PoliciesView,
  ProvisioningView,
  ServiceAccountView,
  ChangeNotificationsView,
  ServiceView,
} from '@cas/contracts';

/** The tenant every fixture belongs to. */
export const TENANT_ID = '11111111-2222-4333-8444-555555555555';

/** `GET /api/me` of a Global Administrator. */
export function meFixture(overrides: Partial<Me> = {}): Me {
  return {
    tenantId: TENANT_ID,
    userId: 'admin-id',
    userPrincipalName: 'admin@contoso.onmicrosoft.com',
    displayName: 'Megan Bowen',
    isGlobalAdministrator: true,
    access: 'administrator',
    rolesKnown: true,
    ...overrides,
  };
}

/** A consent step of Exchange Online: Step 1 (EWS) or Step 2 (Graph). */
export function consentStepFixture(
  step: ConsentStepView['step'],
  overrides: Partial<ConsentStepView> = {},
): ConsentStepView {
  const graph = step === 'microsoftGraph';
  return {
    step,
    stepNumber: graph ? 2 : 1,
    resource: graph ? 'Microsoft Graph' : 'Office 365 Exchange Online',
    roles: graph ? ['Mail.ReadWrite', 'User.Read.All'] : ['full_access_as_app'],
    // The API's words for the step, as `core` states them.
    purpose: consentStepRequirement('exchangeOnline', step, { ewsEnabled: true })?.purpose ?? '',
    granted: false,
    grantedAt: null,
    grantedBy: null,
    grantedRoles: [],
    app: graph ? 'exchangeOnlineGraph' : 'exchangeOnlineEws',
    appName: graph
      ? CONSENT_APPS.exchangeOnlineGraph.displayName
      : CONSENT_APPS.exchangeOnlineEws.displayName,
    token: { status: 'notGranted', lastVerifiedAt: null, failure: null },
    ...overrides,
  };
}

/** One service's view; Exchange Online has two consent steps, the others one. */
export function serviceFixture(service: ServiceId, overrides: Partial<ServiceView> = {}): ServiceView {
  const steps =
    service === 'exchangeOnline'
      ? [consentStepFixture('exchangeWebServices'), consentStepFixture('microsoftGraph')]
      : [
          consentStepFixture('microsoftGraph', {
            stepNumber: 1,
            // The service's own roles and purpose, as the API states them from `core`.
            roles: [
              ...(consentStepRequirement(service, 'microsoftGraph', { ewsEnabled: true })?.roles ?? []),
            ],
            purpose: consentStepRequirement(service, 'microsoftGraph', { ewsEnabled: true })?.purpose ?? '',
            app: GRAPH_APP_OF[service],
            appName: CONSENT_APPS[GRAPH_APP_OF[service]].displayName,
          }),
        ];
  return {
    service,
    name: SERVICE_NAMES[service],
    status: 'notProvisioned',
    scope: null,
    targets: [],
    sites: [],
    protectedAt: null,
    lastVerifiedAt: null,
    tokenFailure: null,
    consentSteps: steps,
    lastSync: null,
    protectedUsers: null,
    protectedTargets: null,
    ...overrides,
  };
}

/** Every consent step granted, as after Step 1 and Step 2. */
export function grantedSteps(service: ServiceId): readonly ConsentStepView[] {
  return serviceFixture(service).consentSteps.map((step) => ({
    ...step,
    granted: true,
    grantedAt: '2026-11-20T09:30:00.000Z',
    grantedBy: 'admin@contoso.onmicrosoft.com',
    grantedRoles: step.roles,
    token: { status: 'healthy' as const, lastVerifiedAt: '2026-11-27T11:00:00.000Z', failure: null },
  }));
}

/** `GET /api/provisioning`: the three services (defaults: nothing provisioned). */
export function provisioningFixture(
  services: Partial<Record<ServiceId, Partial<ServiceView>>> = {},
  overrides: Partial<ProvisioningView> = {},
): ProvisioningView {
  return {
    tenantId: TENANT_ID,
    version: 'r3-3f9a1c0e5b7d2a41',
    services: SERVICE_IDS.map((service) => serviceFixture(service, services[service])),
    scopeLock: null,
    extend: { available: false, reason: null },
    manualSync: { allowed: false, reason: 'Exchange Online is not provisioned yet.' },
    unreadNotifications: 0,
    ...overrides,
  };
}

/** `GET /api/service-account`; `ews` is Exchange Online's EWS state (null: EWS not enabled). */
export function serviceAccountFixture(
  services: Partial<Record<ServiceId, Partial<ServiceView>>> = {},
  ews: ServiceAccountView['ews'] = null,
): {
  services: ServiceAccountView[];
  changeNotifications: ChangeNotificationsView;
} {
  return {
    services: SERVICE_IDS.map((service) => ({
      tenantId: TENANT_ID,
      ...serviceFixture(service, services[service]),
      ews: service === 'exchangeOnline' ? ews : null,
    })),
    changeNotifications: {
      state: 'notSetUp',
      cause: null,
      renewedAt: null,
      expiresAt: null,
      since: null,
      message: 'Change notifications: not set up yet (periodic synchronization only).',
    },
  };
}

/** A sync run (defaults: a finished manual run of Exchange Online). */
export function syncRunFixture(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: 'run-1',
    tenantId: TENANT_ID,
    service: 'exchangeOnline',
    trigger: 'manual',
    scope: 'allUsersAndGroups',
    status: 'succeeded',
    requestedAt: '2026-11-27T08:00:00.000Z',
    requestedBy: { kind: 'user', userId: 'admin-id', userPrincipalName: 'admin@contoso.onmicrosoft.com' },
    startedAt: '2026-11-27T08:00:01.000Z',
    finishedAt: '2026-11-27T08:00:03.500Z',
    added: 1234,
    updated: 5,
    removed: 2,
    graphRequests: 17,
    error: null,
    cancelReason: null,
    missingTargets: [],
    protectedTargets: null,
    ...overrides,
  };
}

/** A notification (defaults: unread "Exchange Online protected."). */
export function notificationFixture(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'n-1',
    tenantId: TENANT_ID,
    kind: 'serviceProtected',
    service: 'exchangeOnline',
    message: 'Exchange Online protected.',
    dedupeKey: 'protected:exchangeOnline',
    createdAt: '2026-11-27T08:00:00.000Z',
    readAt: null,
    ...overrides,
  };
}

/** `GET /api/policies`. */
export function policiesFixture(
  manualSync: { allowed: boolean; reason: string | null },
  active: Partial<Record<ServiceId, boolean>> = {},
  lastRun: SyncRun | null = null,
): PoliciesView {
  return {
    services: SERVICE_IDS.map((service) => ({
      service,
      name: SERVICE_NAMES[service],
      policies: [
        {
          id: 'advancedThreatProtection',
          name: 'Advanced Threat Protection',
          active: active[service] ?? false,
        },
        { id: 'dataLossPrevention', name: 'Data Loss Prevention', active: active[service] ?? false },
      ],
    })),
    general: {
      manualSync: { label: 'Click here to manually synchronize all your targets', ...manualSync },
      lastRun,
    },
  };
}
