import { describe, expect, it } from 'vitest';
import {
  CONSENT_APP_IDS,
  CONSENT_APPS,
  EXCHANGE_ONLINE_RESOURCE,
  MICROSOFT_GRAPH_RESOURCE,
  type ConsentAppId,
} from './consent.js';
import { SERVICE_IDS, type ServiceId } from './services.js';
import { TENANT_ID } from './test-support/fixtures.js';
import {
  assessTokenHealth,
  closeIncident,
  describeTokenFailure,
  openOrUpdateIncident,
  sanitizeFailureDetail,
  TOKEN_FAILURE_SENTENCES,
  tokenFailureCause,
  tokenProbeRequirements,
  type TokenFailureReport,
  type TokenFailureSignal,
  type TokenProbeFinding,
} from './token-health.js';
import type { TokenFailureCause } from './model.js';

describe('naming the cause of a broken token', () => {
  it.each<[string, TokenFailureSignal, TokenFailureCause]>([
    ['AADSTS7000229 (service principal gone)', { aadstsCode: 7000229, httpStatus: 401 }, 'consentRevoked'],
    [
      'AADSTS700016 (app unknown in the tenant)',
      { aadstsCode: 700016, httpStatus: 400 },
      'servicePrincipalMissing',
    ],
    ['AADSTS7000222 (secret expired)', { aadstsCode: 7000222, httpStatus: 401 }, 'secretExpired'],
    [
      'AADSTS700027 (certificate expired or unknown)',
      { aadstsCode: 700027, httpStatus: 401 },
      'secretExpired',
    ],
    ['AADSTS7000112 (app disabled)', { aadstsCode: 7000112 }, 'appDisabled'],
    ['AADSTS90002 (tenant not found)', { aadstsCode: 90002, httpStatus: 400 }, 'unknownTenant'],
    ['a token issued without roles', { rolesClaimPresent: false }, 'rolesRemoved'],
    [
      'Graph 403 Authorization_RequestDenied',
      { httpStatus: 403, graphErrorCode: 'Authorization_RequestDenied' },
      'rolesRemoved',
    ],
    [
      'Graph 401 InvalidAuthenticationToken',
      { httpStatus: 401, graphErrorCode: 'InvalidAuthenticationToken' },
      'other',
    ],
    ['Graph 403 with another code', { httpStatus: 403, graphErrorCode: 'ErrorAccessDenied' }, 'other'],
    ['AADSTS7000215 (wrong secret: our configuration)', { aadstsCode: 7000215, httpStatus: 401 }, 'other'],
    ['an unknown AADSTS code', { aadstsCode: 50000 }, 'other'],
    ['nothing known', {}, 'other'],
    [
      'a token with roles that Graph still refuses with 401',
      { rolesClaimPresent: true, httpStatus: 401 },
      'other',
    ],
    [
      'the token endpoint error even if Graph also said 403',
      { aadstsCode: 7000222, httpStatus: 403, graphErrorCode: 'Authorization_RequestDenied' },
      'secretExpired',
    ],
  ])('R9: classifies %s', (_, signal, cause) => {
    expect(tokenFailureCause(signal)).toBe(cause);
  });

  it('R9: every cause has its own sentence for the Service Account page', () => {
    const sentences = Object.values(TOKEN_FAILURE_SENTENCES);
    expect(new Set(sentences).size).toBe(7);
    expect(sentences.every((sentence) => sentence.endsWith('.'))).toBe(true);
    expect(describeTokenFailure('rolesRemoved')).toBe(
      'The permissions granted to Cloud App Security were removed from its enterprise application.',
    );
  });

  it('R9: keeps only the meaningful first line of an Entra error and strips anything token-shaped', () => {
    const entra =
      'AADSTS7000229: The client application is missing service principal in the tenant. token eyJhbGciOi.eyJhdWQiOi.c2lnbmF0dXJl\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2025-03-03 09:00:00Z';
    expect(sanitizeFailureDetail(entra)).toBe(
      'AADSTS7000229: The client application is missing service principal in the tenant. token [token removed]',
    );
    expect(sanitizeFailureDetail('x'.repeat(900))).toHaveLength(500);
  });
});

describe('token incidents', () => {
  const failure: TokenFailureReport = {
    tenantId: TENANT_ID,
    services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
    apps: ['exchangeOnlineGraph', 'sharePointOnlineGraph', 'oneDriveGraph'],
    cause: 'consentRevoked',
    detail: 'AADSTS7000229: missing service principal',
    missingRoles: [],
  };

  it('R9: the first failure opens an incident', () => {
    const { incident, opened } = openOrUpdateIncident(
      undefined,
      failure,
      { incidentId: 'inc-1' },
      '2025-03-03T09:00:00.000Z',
    );
    expect(opened).toBe(true);
    expect(incident).toEqual({
      id: 'inc-1',
      tenantId: TENANT_ID,
      services: ['exchangeOnline', 'sharePointOnline', 'oneDrive'],
      apps: ['exchangeOnlineGraph', 'sharePointOnlineGraph', 'oneDriveGraph'],
      cause: 'consentRevoked',
      detail: 'AADSTS7000229: missing service principal',
      missingRoles: [],
      openedAt: '2025-03-03T09:00:00.000Z',
      lastFailureAt: '2025-03-03T09:00:00.000Z',
      failureCount: 1,
      closedAt: null,
    });
  });

  it('R9: a token failure twice is one incident, counted twice', () => {
    const first = openOrUpdateIncident(
      undefined,
      failure,
      { incidentId: 'inc-1' },
      '2025-03-03T09:00:00.000Z',
    );
    const second = openOrUpdateIncident(
      first.incident,
      failure,
      { incidentId: 'inc-2' },
      '2025-03-03T09:15:00.000Z',
    );
    expect(second.opened).toBe(false);
    expect(second.incident).toMatchObject({
      id: 'inc-1',
      openedAt: '2025-03-03T09:00:00.000Z',
      lastFailureAt: '2025-03-03T09:15:00.000Z',
      failureCount: 2,
    });
    expect(first.incident.failureCount).toBe(1);
  });

  it('R9: a later failure with another cause updates the open incident to the current cause', () => {
    const first = openOrUpdateIncident(
      undefined,
      failure,
      { incidentId: 'inc-1' },
      '2025-03-03T09:00:00.000Z',
    );
    const next = openOrUpdateIncident(
      first.incident,
      {
        ...failure,
        cause: 'rolesRemoved',
        detail: 'The Microsoft Graph token lacks Mail.ReadWrite.',
        missingRoles: ['Mail.ReadWrite'],
      },
      { incidentId: 'inc-2' },
      '2025-03-03T09:30:00.000Z',
    );
    expect(next.incident).toMatchObject({
      id: 'inc-1',
      cause: 'rolesRemoved',
      detail: 'The Microsoft Graph token lacks Mail.ReadWrite.',
      missingRoles: ['Mail.ReadWrite'],
    });
  });

  it('R9: the services an open incident affected accumulate, in product order', () => {
    const first = openOrUpdateIncident(
      undefined,
      { ...failure, services: ['oneDrive'] },
      { incidentId: 'inc-1' },
      '2025-03-03T09:00:00.000Z',
    );
    const wider = openOrUpdateIncident(
      first.incident,
      { ...failure, services: ['exchangeOnline'] },
      { incidentId: 'inc-2' },
      '2025-03-03T09:15:00.000Z',
    );
    expect(wider).toMatchObject({ opened: false, incident: { services: ['exchangeOnline', 'oneDrive'] } });
  });

  it('R10: recovery closes the incident; closing again changes nothing', () => {
    const { incident } = openOrUpdateIncident(
      undefined,
      failure,
      { incidentId: 'inc-1' },
      '2025-03-03T09:00:00.000Z',
    );
    const closed = closeIncident(incident, '2025-03-03T10:00:00.000Z');
    expect(closed.closedAt).toBe('2025-03-03T10:00:00.000Z');
    expect(incident.closedAt).toBeNull();
    expect(closeIncident(closed, '2025-03-03T11:00:00.000Z')).toBe(closed);
  });

  it('R9: a closed incident is never reopened: the next failure opens a new one', () => {
    const { incident } = openOrUpdateIncident(
      undefined,
      failure,
      { incidentId: 'inc-1' },
      '2025-03-03T09:00:00.000Z',
    );
    const closed = closeIncident(incident, '2025-03-03T10:00:00.000Z');
    const again = openOrUpdateIncident(closed, failure, { incidentId: 'inc-2' }, '2025-03-04T09:00:00.000Z');
    expect(again.opened).toBe(true);
    expect(again.incident).toMatchObject({ id: 'inc-2', failureCount: 1, closedAt: null });
  });

  it("R9: refuses to bump another tenant's incident", () => {
    const { incident } = openOrUpdateIncident(
      undefined,
      failure,
      { incidentId: 'inc-1' },
      '2025-03-03T09:00:00.000Z',
    );
    expect(() =>
      openOrUpdateIncident(
        incident,
        { ...failure, tenantId: 'another-tenant' },
        { incidentId: 'inc-2' },
        '2025-03-03T09:05:00.000Z',
      ),
    ).toThrow(RangeError);
  });
});

describe('what a health check must prove (R9)', () => {
  const DIRECTORY = ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory'];
  const ROLES: Record<ConsentAppId, string[]> = {
    exchangeOnlineEws: ['full_access_as_app'],
    exchangeOnlineGraph: [...DIRECTORY, 'Mail.ReadWrite'],
    sharePointOnlineGraph: [...DIRECTORY, 'Sites.Read.All'],
    oneDriveGraph: [...DIRECTORY, 'Files.Read.All'],
  };

  it('asks every role of every consent step of the watched services, once per app', () => {
    const requirements = tokenProbeRequirements([...SERVICE_IDS], { ewsEnabled: true });
    expect(requirements.map((one) => [one.app, one.resource])).toEqual([
      ['exchangeOnlineEws', EXCHANGE_ONLINE_RESOURCE],
      ['exchangeOnlineGraph', MICROSOFT_GRAPH_RESOURCE],
      ['sharePointOnlineGraph', MICROSOFT_GRAPH_RESOURCE],
      ['oneDriveGraph', MICROSOFT_GRAPH_RESOURCE],
    ]);
    expect(requirements[0]?.roles).toEqual([{ role: 'full_access_as_app', services: ['exchangeOnline'] }]);
    expect(requirements[2]?.roles).toEqual(
      ROLES.sharePointOnlineGraph.map((role) => ({ role, services: ['sharePointOnline'] })),
    );
  });

  it('asks nothing of the EWS app without EWS, or of services not watched', () => {
    expect(tokenProbeRequirements(['exchangeOnline'], { ewsEnabled: false })).toEqual([
      {
        app: 'exchangeOnlineGraph',
        resource: MICROSOFT_GRAPH_RESOURCE,
        roles: ROLES.exchangeOnlineGraph.map((role) => ({ role, services: ['exchangeOnline'] })),
      },
    ]);
    expect(tokenProbeRequirements([], { ewsEnabled: true })).toEqual([]);
  });

  const requirements = tokenProbeRequirements([...SERVICE_IDS], { ewsEnabled: true });
  const granted = (roles: readonly string[]): TokenProbeFinding => ({ kind: 'granted', roles });
  const findings = (changes: Partial<Record<ConsentAppId, TokenProbeFinding>> = {}) =>
    new Map<ConsentAppId, TokenProbeFinding>(
      CONSENT_APP_IDS.map((app) => [app, changes[app] ?? granted(ROLES[app])]),
    );

  it('every role granted: every service is healthy', () => {
    expect(assessTokenHealth(requirements, findings())).toEqual({
      healthy: [...SERVICE_IDS],
      failing: [],
      failure: undefined,
    });
  });

  it.each<[string, ConsentAppId, readonly string[], ServiceId]>([
    ['Mail.ReadWrite removed', 'exchangeOnlineGraph', ['Mail.ReadWrite'], 'exchangeOnline'],
    ['full_access_as_app removed', 'exchangeOnlineEws', ['full_access_as_app'], 'exchangeOnline'],
    ['Sites.Read.All removed', 'sharePointOnlineGraph', ['Sites.Read.All'], 'sharePointOnline'],
    [
      "OneDrive's RoleManagement.Read.Directory removed",
      'oneDriveGraph',
      ['RoleManagement.Read.Directory'],
      'oneDrive',
    ],
  ])('%s: only that app’s service fails, naming the app and the roles', (_, app, missing, service) => {
    const assessment = assessTokenHealth(
      requirements,
      findings({ [app]: granted(ROLES[app].filter((role) => !missing.includes(role))) }),
    );
    expect(assessment.failure).toMatchObject({
      services: [service],
      apps: [app],
      cause: 'rolesRemoved',
      missingRoles: missing,
    });
    expect(assessment.failure?.detail).toContain(CONSENT_APPS[app].displayName);
    expect(assessment.failure?.detail).toContain(missing.join(', '));
    expect(assessment.healthy).toEqual(SERVICE_IDS.filter((other) => other !== service));
  });

  it('a refused Graph app breaks its own service only, and its cause wins', () => {
    const assessment = assessTokenHealth(
      requirements,
      findings({
        exchangeOnlineGraph: { kind: 'refused', cause: 'consentRevoked', detail: 'AADSTS7000229: gone' },
        oneDriveGraph: granted(ROLES.oneDriveGraph.filter((role) => role !== 'Files.Read.All')),
      }),
    );
    expect(assessment.failing).toEqual([
      { service: 'exchangeOnline', cause: 'consentRevoked', missingRoles: [] },
      { service: 'oneDrive', cause: 'rolesRemoved', missingRoles: ['Files.Read.All'] },
    ]);
    expect(assessment.healthy).toEqual(['sharePointOnline']);
    expect(assessment.failure).toEqual({
      services: ['exchangeOnline', 'oneDrive'],
      apps: ['exchangeOnlineGraph', 'oneDriveGraph'],
      cause: 'consentRevoked',
      detail: 'Cloud App Security for Exchange Online: AADSTS7000229: gone',
      missingRoles: ['Files.Read.All'],
    });
  });

  it('an app that was not probed counts as refused, never as healthy', () => {
    const partial = findings();
    partial.delete('exchangeOnlineEws');
    const assessment = assessTokenHealth(requirements, partial);
    expect(assessment.failing.map((one) => one.service)).toEqual(['exchangeOnline']);
    expect(assessment.failure?.apps).toEqual(['exchangeOnlineEws']);
  });
});
