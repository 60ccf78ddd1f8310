// Service Account's EWS line: end to end against the emulator's Exchange Web Services (with the
// blocked switch), and the checker's cache alone with a probe that counts its calls.
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  DEVELOPMENT_CONSENT_APPS,
} from '@cas/m365-emulator';
import { consentAppEnvironment, type EwsProbeResult } from '@cas/microsoft365';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import { createEwsStateChecker, EWS_MESSAGES, EWS_PROBE_TIMEOUT_MS } from './ews-state.js';
import type { EwsStateView, ServiceAccountView } from '@cas/contracts';
import type { ConsentGrant, TenantProvisioning } from '@cas/core';

interface ServiceAccountAnswer {
  services: ServiceAccountView[];
}

async function ewsLines(harness: ApiHarness, token: string): Promise<(EwsStateView | null)[]> {
  const answer = await harness.call<ServiceAccountAnswer>('GET', '/api/service-account', token);
  expect(answer.status).toBe(200);
  return answer.body.services.map((service) => service.ews);
}

describe('Administration > Service Account with EWS enabled', () => {
  let harness: ApiHarness;
  let admin: string;

  beforeAll(async () => {
    harness = await startApiHarness({ environment: consentAppEnvironment(DEVELOPMENT_CONSENT_APPS) });
  }, 60_000);

  afterAll(async () => {
    await harness?.control('PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: false });
    await harness?.close();
  });

  beforeEach(async () => {
    await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
    await harness.control('PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: false });
    // A new API: an empty store and nothing remembered of EWS.
    await harness.freshApi();
    admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
  });

  it('says "not consented" before Step 1, that the token works after it, and remembers the answer for a while', async () => {
    const [before, sharePoint, oneDrive] = await ewsLines(harness, admin);
    expect(before).toEqual({ state: 'notConsented', message: EWS_MESSAGES.notConsented, checkedAt: null });
    // EWS is Exchange Online's alone.
    expect([sharePoint, oneDrive]).toEqual([null, null]);

    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const [works] = await ewsLines(harness, admin);
    expect(works).toMatchObject({ state: 'works', checkedAt: expect.any(String) });
    expect(works?.message).toBe(
      'Exchange Web Services: the token works (EWS in Exchange Online shuts down on 1 April 2027; plan the move to the Graph-only configuration before then).',
    );

    // Opening the page again within minutes does not ask Exchange again: the same answer is shown.
    await harness.control('PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: true });
    const [again] = await ewsLines(harness, admin);
    expect(again).toEqual(works);
  });

  it('says plainly when the organization has EWS blocked', async () => {
    await harness.control('PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: true });
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const [blocked] = await ewsLines(harness, admin);
    expect(blocked).toMatchObject({ state: 'blocked', checkedAt: expect.any(String) });
    expect(blocked?.message).toBe(
      'Exchange Web Services is blocked for this organization (blocked by default since 1 October 2026; EWS shuts down on 1 April 2027). Quarantine management needs EWS enabled, or the Graph-only configuration.',
    );
  });

  it('says the token is refused when the EWS app lost full_access_as_app', async () => {
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await harness.control(
      'POST',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${DEVELOPMENT_CONSENT_APPS.exchangeOnlineEws.clientId}/revoke-consent`,
    );
    const [refused] = await ewsLines(harness, admin);
    expect(refused?.state).toBe('tokenRefused');
    expect(refused?.message).toMatch(/Create a new access token for Step 1/);
  });
});

describe('moving a tenant provisioned with EWS to Graph only (docs/ews-retirement.md)', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await startApiHarness({ environment: consentAppEnvironment(DEVELOPMENT_CONSENT_APPS) });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('keeps Exchange Online protected with its Graph consent, shows one granted step and no EWS line; the EWS app may then go', async () => {
    await harness.control('POST', `/tenants/${CONTOSO_TENANT_ID}/reset`);
    let admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const before = await harness.call<{ version: string }>('GET', '/api/provisioning', admin);
    const saved = await harness.call('PUT', '/api/services/exchangeOnline/provisioning', admin, {
      scope: 'allUsersAndGroups',
      expectedVersion: before.body.version,
    });
    expect(saved.status).toBe(200);

    // The operator switches EWS off and restarts; the customer's admin then deletes the EWS app.
    await harness.restartApi({ EWS_CONSENT_ENABLED: 'false' });
    await harness.control(
      'DELETE',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${DEVELOPMENT_CONSENT_APPS.exchangeOnlineEws.clientId}`,
    );
    admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    const answer = await harness.call<ServiceAccountAnswer>('GET', '/api/service-account', admin);
    expect(answer.status).toBe(200);
    const exchange = answer.body.services[0];
    expect(exchange).toMatchObject({ status: 'protected', scope: 'allUsersAndGroups', ews: null });
    expect(exchange?.consentSteps.map((step) => [step.step, step.granted, step.token.status])).toEqual([
      ['microsoftGraph', true, 'healthy'],
    ]);
    expect(exchange?.consentSteps[0]?.roles).toContain('Mail.ReadWrite');
    // Graph still answers for the tenant with the Exchange Online Graph app alone.
    const summary = await harness.call<{ users: number }>('GET', '/api/targets/summary', admin);
    expect(summary.status).toBe(200);
    expect(summary.body.users).toBeGreaterThan(0);
  });
});

describe('Administration > Service Account with EWS_CONSENT_ENABLED=false', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await startApiHarness({ ewsEnabled: false });
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('has no EWS line and no EWS step: Exchange Online is one Graph step', async () => {
    const admin = await harness.ssoToken(CONTOSO_TENANT_ID, CONTOSO_ADMIN_UPN);
    await harness.consentService(admin, 'exchangeOnline', CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const answer = await harness.call<ServiceAccountAnswer>('GET', '/api/service-account', admin);
    expect(answer.body.services.map((service) => service.ews)).toEqual([null, null, null]);
    const exchange = answer.body.services[0];
    expect(exchange?.status).toBe('consented');
    expect(exchange?.consentSteps.map((step) => [step.step, step.app])).toEqual([
      ['microsoftGraph', 'exchangeOnlineGraph'],
    ]);
  });
});

describe('the EWS state checker', () => {
  const grant = (grantedAt: string): ConsentGrant =>
    ({ step: 'exchangeWebServices', grantedAt, roles: ['full_access_as_app'] }) as unknown as ConsentGrant;
  const tenant = (id: string, grantedAt = '2026-12-01T08:00:00.000Z'): TenantProvisioning =>
    ({
      tenantId: id,
      services: { exchangeOnline: { consents: [grant(grantedAt)] } },
    }) as unknown as TenantProvisioning;

  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks Exchange once per tenant for its time to live, shares a probe in flight and forgets the oldest tenant first', async () => {
    let clock = Date.parse('2026-12-01T09:00:00.000Z');
    const asked: string[] = [];
    const checker = createEwsStateChecker({
      probe: async (tenantId) => {
        asked.push(tenantId);
        return { state: 'works' };
      },
      now: () => new Date(clock),
      ttlMs: 60_000,
      maxTenants: 2,
    });
    // Two page loads at once: one probe.
    await Promise.all([checker.stateOf(tenant('a'), 'x@a'), checker.stateOf(tenant('a'), 'x@a')]);
    expect(asked).toEqual(['a']);
    await checker.stateOf(tenant('a'), 'x@a');
    expect(asked).toEqual(['a']);
    // A new Step 1 grant (Create new access token) is checked again at once.
    await checker.stateOf(tenant('a', '2026-12-01T08:30:00.000Z'), 'x@a');
    expect(asked).toEqual(['a', 'a']);
    clock += 61_000;
    await checker.stateOf(tenant('a', '2026-12-01T08:30:00.000Z'), 'x@a');
    expect(asked).toEqual(['a', 'a', 'a']);
    // Bounded: a third tenant pushes out the least recently checked one (a).
    await checker.stateOf(tenant('b'), 'x@b');
    await checker.stateOf(tenant('c'), 'x@c');
    await checker.stateOf(tenant('c'), 'x@c');
    await checker.stateOf(tenant('a', '2026-12-01T08:30:00.000Z'), 'x@a');
    expect(asked).toEqual(['a', 'a', 'a', 'b', 'c', 'a']);
  });

  it(`answers "unknown" after ${EWS_PROBE_TIMEOUT_MS} ms without an answer, and no Entra token reads as a refused token`, async () => {
    vi.useFakeTimers();
    const hanging = createEwsStateChecker({ probe: () => new Promise<EwsProbeResult>(() => undefined) });
    const pending = hanging.stateOf(tenant('slow'), 'x@slow');
    await vi.advanceTimersByTimeAsync(EWS_PROBE_TIMEOUT_MS);
    expect(await pending).toMatchObject({ state: 'unknown', message: EWS_MESSAGES.unknown });
    vi.useRealTimers();

    const noToken = createEwsStateChecker({
      probe: async () => ({ state: 'noToken', detail: 'AADSTS7000229' }),
    });
    expect(await noToken.stateOf(tenant('gone'), 'x@gone')).toMatchObject({
      state: 'tokenRefused',
      message: EWS_MESSAGES.noToken,
    });
  });
});
