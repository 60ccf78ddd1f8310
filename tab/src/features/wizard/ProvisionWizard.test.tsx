// @vitest-environment jsdom
/**
 * The provisioning wizard: Step 1 / Step 2 consent with an error and a retry per outcome (the
 * browser popup flow, the popup played by the test), the scope choice locked with its reason (R2),
 * the scope preview and Done.
 */
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  consentStepFixture,
  grantedSteps,
  meFixture,
  provisioningFixture,
} from '../../test-support/fixtures.js';
import { apiError } from '../../test-support/http-stub.js';
import { renderTab, stubConsentPopups } from '../../test-support/render-tab.js';
import { ProvisionWizard } from './ProvisionWizard.js';
import type { StubRoute } from '../../test-support/http-stub.js';

const CONSENT_URL = 'https://login.test/organizations/v2.0/adminconsent?state=s1';
const STEP_1 = 'POST /api/services/exchangeOnline/consent/exchangeWebServices';
const FRESH = provisioningFixture();
const STEP_1_GRANTED = provisioningFixture({
  exchangeOnline: {
    status: 'consentStep1Done',
    consentSteps: [
      grantedSteps('exchangeOnline')[0] ?? consentStepFixture('exchangeWebServices'),
      consentStepFixture('microsoftGraph'),
    ],
  },
});
const CONSENTED = provisioningFixture({
  exchangeOnline: { status: 'consented', consentSteps: grantedSteps('exchangeOnline') },
});

function consentStart(stepNumber: number) {
  return {
    body: {
      url: CONSENT_URL,
      stepNumber,
      resource: 'Office 365 Exchange Online',
      roles: ['full_access_as_app'],
      purpose: 'EWS',
    },
  };
}

function renderWizard(routes: Record<string, StubRoute>, options: { admin?: boolean } = {}) {
  return renderTab(<ProvisionWizard service="exchangeOnline" />, {
    routes,
    me: meFixture({ isGlobalAdministrator: options.admin ?? true }),
  });
}

async function startStep1(user: ReturnType<typeof renderWizard>['user']) {
  await user.click(await screen.findByRole('button', { name: 'Click here (Step 1)' }));
}

describe('consent steps', () => {
  it('Step 2 waits for Step 1', async () => {
    renderWizard({ 'GET /api/provisioning': { body: FRESH } });
    const step2 = await screen.findByRole('button', { name: 'Click here (Step 2)' });
    expect((step2 as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('Finish Step 1 first.')).toBeTruthy();
    expect(
      screen.getByRole('heading', { level: 1, name: 'Provision Service Account for Exchange Online' }),
    ).toBeTruthy();
  });

  it.each([
    ['declined', 'Consent was declined', 'You declined the permissions.'],
    ['wrong_tenant', 'Signed in to a different tenant', 'You signed in to Fabrikam, not Contoso.'],
    ['roles_missing', 'Consent is missing permissions', 'The token lacks full_access_as_app.'],
  ] as const)('a %s result shows its own error, then a retry succeeds', async (code, title, message) => {
    const popups = stubConsentPopups();
    const { user, http } = renderWizard({
      'GET /api/provisioning': [{ body: FRESH }, { body: STEP_1_GRANTED }],
      [STEP_1]: consentStart(1),
    });
    await startStep1(user);
    await waitFor(() => expect(popups[0]?.url).toBe(CONSENT_URL));
    expect(screen.getByText('Waiting for the Microsoft sign-in window…')).toBeTruthy();
    popups[0]?.answer({ ok: false, code, message });

    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText(title)).toBeTruthy();
    expect(alert.textContent).toContain(`${message} Click here to try again.`);
    const retry = screen.getByRole('button', { name: 'Click here (Step 1)' }) as HTMLButtonElement;
    expect(retry.disabled).toBe(false);
    expect((screen.getByRole('button', { name: 'Click here (Step 2)' }) as HTMLButtonElement).disabled).toBe(
      true,
    );

    await user.click(retry);
    await waitFor(() => expect(popups[1]?.url).toBe(CONSENT_URL));
    popups[1]?.answer({ ok: true, code: 'accepted', message: 'Step 1 granted.' });
    expect(await screen.findByText('Step 1 granted.')).toBeTruthy();
    await waitFor(() =>
      expect(
        (screen.getByRole('button', { name: 'Click here (Step 2)' }) as HTMLButtonElement).disabled,
      ).toBe(false),
    );
    expect(http.requestsTo(STEP_1)).toHaveLength(2);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a popup closed before consent finished says so, with a retry', async () => {
    const popups = stubConsentPopups();
    const { user } = renderWizard({ 'GET /api/provisioning': { body: FRESH }, [STEP_1]: consentStart(1) });
    await startStep1(user);
    await waitFor(() => expect(popups[0]?.url).toBe(CONSENT_URL));
    popups[0]?.close();
    const alert = await screen.findByRole('alert', {}, { timeout: 3000 });
    expect(within(alert).getByText('The sign-in window was closed')).toBeTruthy();
    expect(alert.textContent).toContain('not a Global Administrator');
    expect((screen.getByRole('button', { name: 'Click here (Step 1)' }) as HTMLButtonElement).disabled).toBe(
      false,
    );
  });

  it('a blocked popup asks to allow pop-ups', async () => {
    stubConsentPopups({ blocked: true });
    const { user } = renderWizard({ 'GET /api/provisioning': { body: FRESH }, [STEP_1]: consentStart(1) });
    await startStep1(user);
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('The sign-in window was blocked')).toBeTruthy();
  });

  it('an API refusal to start the step closes the popup and explains', async () => {
    const popups = stubConsentPopups();
    const { user } = renderWizard({
      'GET /api/provisioning': { body: FRESH },
      [STEP_1]: apiError(
        409,
        'consent_step_not_required',
        'Exchange Online does not use the Exchange Web Services consent.',
      ),
    });
    await startStep1(user);
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('The step could not start')).toBeTruthy();
    expect(alert.textContent).toContain('Exchange Online does not use the Exchange Web Services consent.');
    expect(popups[0]?.closed).toBe(true);
  });

  it('tells a user who is not a Global Administrator, and offers no consent', async () => {
    renderWizard({ 'GET /api/provisioning': { body: FRESH } }, { admin: false });
    expect(await screen.findByText('Only a Global Administrator can provision')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Click here (Step 1)' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });
});

describe('scope', () => {
  it('is locked with its reason when another service fixed it (R2)', async () => {
    const reason =
      'SharePoint Online already synchronizes all targets; all three services use the same option.';
    renderWizard({
      'GET /api/provisioning': {
        body: {
          ...CONSENTED,
          scopeLock: { scope: 'allUsersAndGroups', service: 'sharePointOnline', reason },
        },
      },
      'GET /api/targets/summary': { body: { users: 1234 } },
    });
    const all = (await screen.findByRole('radio', {
      name: 'Synchronize all users and groups',
    })) as HTMLInputElement;
    const selected = screen.getByRole('radio', { name: 'Synchronize selected users' }) as HTMLInputElement;
    expect(all.checked).toBe(true);
    expect(all.disabled).toBe(true);
    expect(selected.disabled).toBe(true);
    expect(screen.getByText(reason)).toBeTruthy();
    // The reason is what the radio group is described by.
    const describedBy = screen.getByRole('radiogroup').getAttribute('aria-describedby') ?? '';
    expect(describedBy.split(' ').map((id) => document.getElementById(id)?.textContent)).toContain(reason);
  });

  it('is free when no service fixed it, with the rule as a hint', async () => {
    const { user } = renderWizard({
      'GET /api/provisioning': { body: CONSENTED },
      'GET /api/targets/summary': { body: { users: 1234 } },
    });
    const selected = (await screen.findByRole('radio', {
      name: 'Synchronize selected users',
    })) as HTMLInputElement;
    expect(selected.disabled).toBe(false);
    expect(
      screen.getByText(
        'You need to use the same option for Exchange Online, SharePoint Online, and OneDrive.',
      ),
    ).toBeTruthy();
    await user.click(selected);
    expect(screen.getByRole('tab', { name: 'By User' })).toBeTruthy();
  });

  it('previews all users with the directory count', async () => {
    const { user } = renderWizard({
      'GET /api/provisioning': { body: CONSENTED },
      'GET /api/targets/summary': { body: { users: 1234 } },
    });
    await user.click(await screen.findByRole('radio', { name: 'Synchronize all users and groups' }));
    await waitFor(() =>
      expect(screen.getByRole('status', { name: 'Scope preview' }).textContent).toBe(
        'Scope preview: the mailboxes of all 1,234 users of your directory, in every group, nested groups included, will be protected and kept current automatically once per day.',
      ),
    );
  });

  it('previews all users without a number when the count is not available', async () => {
    const { user } = renderWizard({
      'GET /api/provisioning': { body: CONSENTED },
      'GET /api/targets/summary': apiError(
        502,
        'graph_failed',
        'Microsoft Graph did not answer as expected. Try again in a moment.',
      ),
    });
    await user.click(await screen.findByRole('radio', { name: 'Synchronize all users and groups' }));
    await waitFor(() =>
      expect(screen.getByRole('status', { name: 'Scope preview' }).textContent).toMatch(
        /^Scope preview: the mailboxes of every user of your directory, in every group/,
      ),
    );
  });

  it('Done saves the choice with the version it started from and announces the result', async () => {
    const { user, http, unreadRefreshes } = renderWizard({
      'GET /api/provisioning': { body: CONSENTED },
      'GET /api/targets/users': {
        body: {
          user: {
            id: 'u-1',
            userPrincipalName: 'adelev@contoso.onmicrosoft.com',
            displayName: 'Adele Vance',
            mail: null,
            accountEnabled: true,
            userType: 'Member',
          },
        },
      },
      'PUT /api/services/exchangeOnline/provisioning': {
        body: { provisioning: CONSENTED, message: 'Exchange Online protected.', syncRuns: [] },
      },
    });
    await user.click(await screen.findByRole('radio', { name: 'Synchronize selected users' }));
    const done = screen.getByRole('button', { name: 'Done' }) as HTMLButtonElement;
    expect(done.disabled).toBe(true);
    await user.type(
      screen.getByRole('textbox', { name: 'User principal name' }),
      'adelev@contoso.onmicrosoft.com{Enter}',
    );
    await screen.findByRole('list', { name: 'Verified user' });
    await user.click(screen.getByRole('button', { name: 'Add the selected users to Selected Targets' }));
    expect(screen.getByRole('status', { name: 'Scope preview' }).textContent).toMatch(
      /^Scope preview: 1 selected user will be protected\./,
    );
    await user.click(done);
    expect(await screen.findByText('Exchange Online protected.')).toBeTruthy();
    expect(http.requestsTo('PUT /api/services/exchangeOnline/provisioning')[0]?.body).toEqual({
      scope: 'selectedUsers',
      targets: [
        {
          userId: 'u-1',
          userPrincipalName: 'adelev@contoso.onmicrosoft.com',
          displayName: 'Adele Vance',
          source: { kind: 'user' },
        },
      ],
      expectedVersion: CONSENTED.version,
    });
    expect(unreadRefreshes()).toBe(1);
  });

  it('Done shows the refusal when someone changed the settings meanwhile', async () => {
    const { user } = renderWizard({
      'GET /api/provisioning': { body: CONSENTED },
      'GET /api/targets/summary': { body: { users: 3 } },
      'PUT /api/services/exchangeOnline/provisioning': apiError(
        409,
        'version_conflict',
        'Someone else changed these settings since you opened them. Reload and try again.',
      ),
    });
    await user.click(await screen.findByRole('radio', { name: 'Synchronize all users and groups' }));
    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Someone else changed these settings');
  });
});
