// @vitest-environment jsdom
/**
 * Administration > Service Account (R10): status and the cause of a broken token per service, then
 * one row per app registration (status, roles, last verified, cause) with Create new access token
 * running that step's consent only.
 */
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { grantedSteps, meFixture, serviceAccountFixture, TENANT_ID } from '../../test-support/fixtures.js';
import { renderTab, stubConsentPopups } from '../../test-support/render-tab.js';
import { ServiceAccount } from './ServiceAccount.js';

/** Exchange Online with its Graph app's consent removed: the EWS row healthy, the Graph row not. */
const BROKEN = serviceAccountFixture({
  exchangeOnline: {
    status: 'tokenInvalid',
    scope: 'allUsersAndGroups',
    consentSteps: grantedSteps('exchangeOnline').map((step) =>
      step.step === 'microsoftGraph'
        ? {
            ...step,
            token: {
              status: 'invalid' as const,
              lastVerifiedAt: '2026-11-26T07:15:00.000Z',
              failure: {
                cause: 'consentRevoked' as const,
                message: 'The admin consent was revoked.',
                missingRoles: [],
              },
            },
          }
        : step,
    ),
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
const EWS_APP = 'Cloud App Security for Exchange Online (EWS)';
const GRAPH_APP = 'Cloud App Security for Exchange Online';

function card(name: string): HTMLElement {
  const heading = screen.getByRole('heading', { level: 2, name });
  const group = heading.closest('[role="group"]');
  if (!(group instanceof HTMLElement)) throw new Error(`no card for ${name}`);
  return group;
}

/** The row of one app registration in a service's card. */
function appRow(service: string, stepAndApp: string): HTMLElement {
  const list = within(card(service)).getByRole('list', { name: `App registrations of ${service}` });
  const row = within(list)
    .getAllByRole('listitem')
    .find(
      (item) => item.getAttribute('aria-labelledby') !== null && item.textContent?.startsWith(stepAndApp),
    );
  if (!row) throw new Error(`no row ${stepAndApp} in ${service}`);
  return row;
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

  it('shows each service account, then one row per app with its status, roles, last verified and cause', async () => {
    renderTab(<ServiceAccount />, { routes: { 'GET /api/service-account': { body: BROKEN } } });
    await screen.findByRole('heading', { level: 2, name: 'Exchange Online' });
    const exchange = within(card('Exchange Online'));
    expect(exchange.getAllByText('Access token invalid')).toHaveLength(2);
    expect(exchange.getByText(TENANT_ID)).toBeTruthy();
    expect(
      exchange.getByText('An administrator revoked the consent of Cloud App Security in your tenant.'),
    ).toBeTruthy();

    const ews = within(appRow('Exchange Online', `Step 1: ${EWS_APP}`));
    expect(ews.getByText('Healthy')).toBeTruthy();
    expect(ews.getByText('Office 365 Exchange Online: full_access_as_app')).toBeTruthy();
    expect(ews.getByText(/^granted .* by admin@contoso\.onmicrosoft\.com$/)).toBeTruthy();
    expect(ews.getByText(/^Nov 27, 2026/)).toBeTruthy();
    expect(ews.queryByText('Cause')).toBeNull();

    const graph = within(appRow('Exchange Online', `Step 2: ${GRAPH_APP}`));
    expect(graph.getByText('Access token invalid')).toBeTruthy();
    expect(graph.getByText('Microsoft Graph: Mail.ReadWrite, User.Read.All')).toBeTruthy();
    expect(graph.getByText('The admin consent was revoked.')).toBeTruthy();
    expect(graph.getByText(/^Nov 26, 2026/)).toBeTruthy();

    // Services never provisioned have no token to renew.
    expect(within(card('OneDrive')).getByText('Not provisioned')).toBeTruthy();
    expect(within(card('OneDrive')).getByText('Step 1: Cloud App Security for OneDrive')).toBeTruthy();
    expect(within(card('OneDrive')).queryByRole('button', { name: /Create new access token/ })).toBeNull();
  });

  it("Create new access token on the Graph app's row runs that step's consent only and shows the service healthy", async () => {
    const popups = stubConsentPopups();
    const { user, http, unreadRefreshes } = renderTab(<ServiceAccount />, {
      routes: {
        'GET /api/service-account': [{ body: BROKEN }, { body: HEALTHY }],
        [RENEW_2]: {
          body: { url: `${STEP_URL}-2`, stepNumber: 2, resource: 'Graph', roles: [], purpose: '' },
        },
      },
    });
    await user.click(await screen.findByRole('button', { name: `Create new access token for ${GRAPH_APP}` }));
    await waitFor(() => expect(popups[0]?.url).toBe(`${STEP_URL}-2`));
    popups[0]?.answer({
      ok: true,
      code: 'reauthorised',
      message: 'A new access token for Exchange Online is created and verified.',
    });

    expect((await screen.findByRole('status')).textContent).toBe(
      'New access token created for Exchange Online; the token is healthy again.',
    );
    await waitFor(() => expect(within(card('Exchange Online')).getAllByText('Healthy')).toHaveLength(3));
    expect(within(card('Exchange Online')).queryByText('Cause')).toBeNull();
    expect(http.requestsTo(RENEW_1)).toHaveLength(0);
    expect(http.requestsTo(RENEW_2)).toHaveLength(1);
    expect(unreadRefreshes()).toBe(1);
  });

  it('shows a failed renewal with its reason and lets the admin retry it', async () => {
    const popups = stubConsentPopups();
    const { user } = renderTab(<ServiceAccount />, {
      routes: {
        'GET /api/service-account': { body: BROKEN },
        [RENEW_1]: { body: { url: STEP_URL, stepNumber: 1, resource: 'EWS', roles: [], purpose: '' } },
      },
    });
    await user.click(await screen.findByRole('button', { name: `Create new access token for ${EWS_APP}` }));
    await waitFor(() => expect(popups[0]?.url).toBe(STEP_URL));
    popups[0]?.answer({ ok: false, code: 'wrong_tenant', message: 'You signed in to another tenant.' });
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('Signed in to a different tenant')).toBeTruthy();
    expect(
      (screen.getByRole('button', { name: `Create new access token for ${EWS_APP}` }) as HTMLButtonElement)
        .disabled,
    ).toBe(false);
  });

  it('offers Create new access token only to a Global Administrator', async () => {
    renderTab(<ServiceAccount />, {
      routes: { 'GET /api/service-account': { body: BROKEN } },
      me: meFixture({ isGlobalAdministrator: false }),
    });
    const button = (await screen.findByRole('button', {
      name: `Create new access token for ${GRAPH_APP}`,
    })) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
  });
});

describe('Exchange Web Services (issue 17)', () => {
  const exchange = {
    status: 'protected' as const,
    scope: 'allUsersAndGroups' as const,
    consentSteps: grantedSteps('exchangeOnline'),
    lastVerifiedAt: '2026-11-27T11:00:00.000Z',
  };

  it.each([
    ['works', 'Works', 'The EWS token still works: Exchange Online answered a GetFolder.'],
    [
      'blocked',
      'Blocked',
      'Exchange Online blocks EWS for your organization (403). Move to Graph-only quarantine.',
    ],
    [
      'tokenRefused',
      'Token refused',
      'Exchange Online refused the EWS token (401). Create a new access token.',
    ],
    ['unknown', 'Unknown', 'Exchange Online did not answer in a way that tells whether EWS works.'],
    ['notConsented', 'Not consented', 'Step 1 (EWS) is not granted yet.'],
  ] as const)('shows the %s state with its badge and the API message', async (state, badge, message) => {
    renderTab(<ServiceAccount />, {
      routes: {
        'GET /api/service-account': {
          body: serviceAccountFixture(
            { exchangeOnline: exchange },
            { state, message, checkedAt: state === 'notConsented' ? null : '2026-11-30T06:00:00.000Z' },
          ),
        },
      },
    });
    const row = await screen.findByRole('region', { name: 'Exchange Web Services (EWS)' });
    expect(within(row).getByText(badge)).toBeTruthy();
    expect(within(row).getByText(message)).toBeTruthy();
    expect(
      within(row).getByText(state === 'notConsented' ? 'Not checked yet' : /^Nov 30, 2026/),
    ).toBeTruthy();
    // Only Exchange Online's card has it.
    expect(within(card('Exchange Online')).getByRole('region', { name: 'Exchange Web Services (EWS)' })).toBe(
      row,
    );
    expect(screen.getAllByRole('region', { name: 'Exchange Web Services (EWS)' })).toHaveLength(1);
  });

  it('shows no EWS row when EWS is not enabled', async () => {
    renderTab(<ServiceAccount />, {
      routes: { 'GET /api/service-account': { body: serviceAccountFixture({ exchangeOnline: exchange }) } },
    });
    await screen.findByRole('heading', { level: 2, name: 'Exchange Online' });
    expect(screen.queryByRole('region', { name: 'Exchange Web Services (EWS)' })).toBeNull();
  });
});
