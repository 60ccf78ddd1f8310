// @vitest-environment jsdom
/**
 * Administration > Service Account (R10): status, the cause of a broken token, last verified,
 * consent steps and roles, and Create new access token (Step 1 then Step 2 popups).
 */
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { grantedSteps, meFixture, serviceAccountFixture, TENANT_ID } from '../../test-support/fixtures.js';
import { renderTab, stubConsentPopups } from '../../test-support/render-tab.js';
import { ServiceAccount } from './ServiceAccount.js';

const BROKEN = serviceAccountFixture({
  exchangeOnline: {
    status: 'tokenInvalid',
    scope: 'allUsersAndGroups',
    consentSteps: grantedSteps('exchangeOnline'),
    lastVerifiedAt: '2026-11-26T07:15:00.000Z',
    tokenFailure: {
      cause: 'consentRevoked',
      message: 'An administrator revoked the consent of Cloud App Security in your tenant.',
      missingRoles: [],
    },
  },
});
const HEALTHY = serviceAccountFixture({
  exchangeOnline: {
    status: 'protected',
    scope: 'allUsersAndGroups',
    consentSteps: grantedSteps('exchangeOnline'),
    lastVerifiedAt: '2026-11-27T11:00:00.000Z',
  },
});
const STEP_URL = 'https://login.test/organizations/v2.0/adminconsent?state=renew';
const RENEW_1 = 'POST /api/services/exchangeOnline/service-account/token/exchangeWebServices';
const RENEW_2 = 'POST /api/services/exchangeOnline/service-account/token/microsoftGraph';

function card(name: string): HTMLElement {
  const heading = screen.getByRole('heading', { level: 2, name });
  const group = heading.closest('[role="group"]');
  if (!(group instanceof HTMLElement)) throw new Error(`no card for ${name}`);
  return group;
}

describe('ServiceAccount', () => {
  it('says whether Graph change notifications are active, and why they fail', async () => {
    const active = {
      ...HEALTHY,
      changeNotifications: {
        state: 'active',
        cause: null,
        renewedAt: '2026-12-01T12:40:00.000Z',
        expiresAt: '2026-12-30T11:40:00.000Z',
        since: '2026-12-01T12:40:00.000Z',
        message: 'Change notifications: active, renewed 2026-12-01 12:40 UTC, expires 2026-12-30 11:40 UTC.',
      },
    };
    renderTab(<ServiceAccount />, { routes: { 'GET /api/service-account': { body: active } } });
    expect(
      await screen.findByText(
        'Change notifications: active, renewed 2026-12-01 12:40 UTC, expires 2026-12-30 11:40 UTC.',
      ),
    ).toBeTruthy();
  });

  it('shows each service account with its tenant, status, the cause of a broken token and the consent steps', async () => {
    renderTab(<ServiceAccount />, { routes: { 'GET /api/service-account': { body: BROKEN } } });
    await screen.findByRole('heading', { level: 2, name: 'Exchange Online' });
    const exchange = within(card('Exchange Online'));
    expect(exchange.getByText('Access token invalid')).toBeTruthy();
    expect(exchange.getByText(TENANT_ID)).toBeTruthy();
    expect(exchange.getByText('Cause')).toBeTruthy();
    expect(
      exchange.getByText('An administrator revoked the consent of Cloud App Security in your tenant.'),
    ).toBeTruthy();
    expect(exchange.getByText(/^Nov 26, 2026/)).toBeTruthy();
    expect(
      exchange.getByText(
        /^Step 1: to use the Exchange Web Service \(EWS\) managed API for quarantine management — roles full_access_as_app; granted/,
      ),
    ).toBeTruthy();
    expect(exchange.getByText(/^Step 2: .* roles Mail\.ReadWrite, User\.Read\.All; granted/)).toBeTruthy();
    // Services never provisioned have no token to renew.
    expect(within(card('OneDrive')).getByText('Not provisioned')).toBeTruthy();
    expect(within(card('OneDrive')).queryByRole('button', { name: /Create new access token/ })).toBeNull();
  });

  it('Create new access token runs Step 1 then Step 2 and shows the service healthy again', async () => {
    const popups = stubConsentPopups();
    const { user, http, unreadRefreshes } = renderTab(<ServiceAccount />, {
      routes: {
        'GET /api/service-account': [{ body: BROKEN }, { body: HEALTHY }],
        [RENEW_1]: { body: { url: `${STEP_URL}-1`, stepNumber: 1, resource: 'EWS', roles: [], purpose: '' } },
        [RENEW_2]: {
          body: { url: `${STEP_URL}-2`, stepNumber: 2, resource: 'Graph', roles: [], purpose: '' },
        },
      },
    });
    await user.click(
      await screen.findByRole('button', { name: 'Create new access token for Exchange Online' }),
    );
    // Each step is the admin's own click (its popup opens from it); the keyboard lands on Step 1.
    const step1 = screen.getByRole('button', { name: 'Click here (Exchange Online, Step 1)' });
    const step2 = screen.getByRole('button', {
      name: 'Click here (Exchange Online, Step 2)',
    }) as HTMLButtonElement;
    expect(document.activeElement).toBe(step1);
    expect(popups).toHaveLength(0);
    expect(step2.disabled).toBe(true);

    await user.click(step1);
    await waitFor(() => expect(popups[0]?.url).toBe(`${STEP_URL}-1`));
    popups[0]?.answer({ ok: true, code: 'reauthorised', message: 'Step 1 granted again.' });
    await waitFor(() => expect(step2.disabled).toBe(false));
    expect(
      screen.getByText(/^Step 1: sign in with a Global Administrator and click Accept\. Done\.$/),
    ).toBeTruthy();

    await user.click(step2);
    await waitFor(() => expect(popups[1]?.url).toBe(`${STEP_URL}-2`));
    popups[1]?.answer({ ok: true, code: 'reauthorised', message: 'Step 2 granted again.' });

    expect((await screen.findByRole('status')).textContent).toBe(
      'New access token created for Exchange Online; the token is healthy again.',
    );
    await waitFor(() => expect(within(card('Exchange Online')).getByText('Healthy')).toBeTruthy());
    expect(within(card('Exchange Online')).queryByText('Cause')).toBeNull();
    expect(http.requestsTo(RENEW_1)).toHaveLength(1);
    expect(http.requestsTo(RENEW_2)).toHaveLength(1);
    expect(unreadRefreshes()).toBe(1);
  });

  it('shows a failed renewal step with its reason and lets the admin retry it', async () => {
    const popups = stubConsentPopups();
    const { user } = renderTab(<ServiceAccount />, {
      routes: {
        'GET /api/service-account': { body: BROKEN },
        [RENEW_1]: { body: { url: STEP_URL, stepNumber: 1, resource: 'EWS', roles: [], purpose: '' } },
      },
    });
    await user.click(
      await screen.findByRole('button', { name: 'Create new access token for Exchange Online' }),
    );
    await user.click(screen.getByRole('button', { name: 'Click here (Exchange Online, Step 1)' }));
    await waitFor(() => expect(popups[0]?.url).toBe(STEP_URL));
    popups[0]?.answer({ ok: false, code: 'wrong_tenant', message: 'You signed in to another tenant.' });
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Signed in to a different tenant')).toBeTruthy();
    expect(
      (screen.getByRole('button', { name: 'Click here (Exchange Online, Step 1)' }) as HTMLButtonElement)
        .disabled,
    ).toBe(false);
  });

  it('offers Create new access token only to a Global Administrator', async () => {
    renderTab(<ServiceAccount />, {
      routes: { 'GET /api/service-account': { body: BROKEN } },
      me: meFixture({ isGlobalAdministrator: false }),
    });
    const button = (await screen.findByRole('button', {
      name: 'Create new access token for Exchange Online',
    })) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
  });
});
