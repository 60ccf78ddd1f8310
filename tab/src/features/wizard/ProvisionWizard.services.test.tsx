// @vitest-environment jsdom
/**
 * The wizard per service (issue 17): each service's scope labels, SharePoint Online's site
 * collection picker and what Done sends for it, the users' service passed to By User, Done's
 * refusals in the API's words, each step's own purpose, and the EWS retirement line in Step 1.
 */
import { consentStepRequirement, scopeLabelsFor, type ServiceId, type SiteTarget } from '@cas/core';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { grantedSteps, meFixture, provisioningFixture } from '../../test-support/fixtures.js';
import { apiError } from '../../test-support/http-stub.js';
import { renderTab } from '../../test-support/render-tab.js';
import { EWS_RETIREMENT } from './ConsentSteps.js';
import { ProvisionWizard } from './ProvisionWizard.js';
import type { StubRoute } from '../../test-support/http-stub.js';

const MARKETING: SiteTarget = {
  siteId: 'contoso.sharepoint.com,00000000-0000-4000-8000-000000000001,10000000-0000-4000-8000-000000000001',
  webUrl: 'https://contoso.sharepoint.com/sites/Marketing',
  displayName: 'Marketing',
};

function consented(service: ServiceId) {
  return provisioningFixture({ [service]: { status: 'consented', consentSteps: grantedSteps(service) } });
}

function renderWizard(service: ServiceId, routes: Record<string, StubRoute>) {
  return renderTab(<ProvisionWizard service={service} />, {
    routes: { 'GET /api/targets/summary': { body: { users: 12 } }, ...routes },
    me: meFixture(),
  });
}

describe('scope labels', () => {
  it.each(['exchangeOnline', 'sharePointOnline', 'oneDrive'] as const)(
    '%s offers its own two options',
    async (service) => {
      renderWizard(service, { 'GET /api/provisioning': { body: consented(service) } });
      const labels = scopeLabelsFor(service);
      expect(await screen.findByRole('radio', { name: labels.allUsersAndGroups })).toBeTruthy();
      expect(screen.getByRole('radio', { name: labels.selectedUsers })).toBeTruthy();
    },
  );

  it('Exchange Online keeps the source guide\'s words, the others say "targets"', () => {
    expect(scopeLabelsFor('exchangeOnline').selectedUsers).toBe('Synchronize selected users');
    expect(scopeLabelsFor('sharePointOnline').selectedUsers).toBe('Synchronize selected targets');
    expect(scopeLabelsFor('oneDrive').allUsersAndGroups).toBe('Synchronize all targets');
  });
});

describe('SharePoint Online, selected targets', () => {
  it('picks site collections instead of users, and Done sends them as sites', async () => {
    const { user, http } = renderWizard('sharePointOnline', {
      'GET /api/provisioning': { body: consented('sharePointOnline') },
      'GET /api/targets/sites': { body: { site: MARKETING } },
      'PUT /api/services/sharePointOnline/provisioning': {
        body: {
          provisioning: consented('sharePointOnline'),
          message: 'SharePoint Online protected.',
          syncRuns: [],
        },
      },
    });
    await user.click(await screen.findByRole('radio', { name: 'Synchronize selected targets' }));
    expect(screen.queryByRole('tab', { name: 'By User' })).toBeNull();
    expect(screen.queryByRole('tab', { name: 'By Group' })).toBeNull();
    const done = screen.getByRole('button', { name: 'Done' }) as HTMLButtonElement;
    expect(done.disabled).toBe(true);
    await user.type(
      screen.getByRole('textbox', { name: 'Site collection URL' }),
      `${MARKETING.webUrl}{Enter}`,
    );
    expect(
      await within(screen.getByRole('list', { name: 'Selected Targets' })).findByText('Marketing'),
    ).toBeTruthy();
    expect(screen.getByRole('status', { name: 'Scope preview' }).textContent).toMatch(
      /^Scope preview: 1 selected site collection will be protected\./,
    );
    await user.click(done);
    expect(await screen.findByText('SharePoint Online protected.')).toBeTruthy();
    expect(http.requestsTo('PUT /api/services/sharePointOnline/provisioning')[0]?.body).toEqual({
      scope: 'selectedUsers',
      sites: [MARKETING],
      expectedVersion: consented('sharePointOnline').version,
    });
    // SharePoint Online's preview does not count the directory's users.
    expect(http.requestsTo('GET /api/targets/summary')).toEqual([]);
  });

  it('starts from the saved site collections', async () => {
    const view = provisioningFixture({
      sharePointOnline: {
        status: 'protected',
        scope: 'selectedUsers',
        sites: [MARKETING],
        consentSteps: grantedSteps('sharePointOnline'),
      },
    });
    renderWizard('sharePointOnline', { 'GET /api/provisioning': { body: view } });
    const list = await screen.findByRole('list', { name: 'Selected Targets' });
    expect(within(list).getByText(MARKETING.webUrl)).toBeTruthy();
  });

  it.each([
    [
      422,
      'site_limit_exceeded',
      'You can synchronize a maximum of 100 site collections; Selected Targets is full.',
    ],
    [422, 'sites_not_found', 'Marketing no longer exists in SharePoint Online. Remove it and try again.'],
    [422, 'target_kind_mismatch', 'SharePoint Online protects site collections: send sites, not users.'],
  ] as const)("Done's %i %s shows the API's message", async (status, code, message) => {
    const view = provisioningFixture({
      sharePointOnline: {
        status: 'consented',
        scope: 'selectedUsers',
        sites: [MARKETING],
        consentSteps: grantedSteps('sharePointOnline'),
      },
    });
    const { user } = renderWizard('sharePointOnline', {
      'GET /api/provisioning': { body: view },
      'PUT /api/services/sharePointOnline/provisioning': apiError(status, code, message),
    });
    await user.click(await screen.findByRole('button', { name: 'Done' }));
    expect((await screen.findByRole('alert')).textContent).toContain(message);
  });
});

describe('users per service', () => {
  it('OneDrive asks By User for users with a OneDrive, and Done shows a refusal of a user without one', async () => {
    const message =
      'adelev@contoso.onmicrosoft.com has no OneDrive, so OneDrive has nothing to protect for this user.';
    const { user, http } = renderWizard('oneDrive', {
      'GET /api/provisioning': {
        body: provisioningFixture({
          oneDrive: {
            status: 'consented',
            scope: 'selectedUsers',
            consentSteps: grantedSteps('oneDrive'),
            targets: [
              {
                userId: 'u-1',
                userPrincipalName: 'adelev@contoso.onmicrosoft.com',
                displayName: 'Adele Vance',
                source: { kind: 'user' },
              },
            ],
          },
        }),
      },
      'GET /api/targets/users': apiError(422, 'user_without_onedrive', 'nobody'),
      'PUT /api/services/oneDrive/provisioning': apiError(422, 'user_without_onedrive', message),
    });
    await user.type(
      await screen.findByRole('textbox', { name: 'User principal name' }),
      'alexw@contoso.onmicrosoft.com{Enter}',
    );
    await waitFor(() => expect(http.requestsTo('GET /api/targets/users')).toHaveLength(1));
    expect(http.requestsTo('GET /api/targets/users')[0]?.query.get('service')).toBe('oneDrive');
    await user.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() =>
      expect(screen.getAllByRole('alert').map((alert) => alert.textContent?.trim())).toContain(message),
    );
  });
});

describe('consent steps', () => {
  it.each(['sharePointOnline', 'oneDrive'] as const)(
    "%s's step says its own purpose, as the API states it",
    async (service) => {
      renderWizard(service, { 'GET /api/provisioning': { body: provisioningFixture() } });
      const step = await screen.findByRole('listitem', { name: 'Step 1' });
      const purpose = consentStepRequirement(service, 'microsoftGraph', { ewsEnabled: true })?.purpose ?? '';
      expect(purpose).not.toBe('');
      expect(step.textContent).toContain(purpose);
      expect(step.textContent).not.toContain('all mailboxes');
      expect(step.textContent).not.toContain(EWS_RETIREMENT);
    },
  );

  it('Step 1 of Exchange Online with EWS says in one line that EWS is blocked and shuts down', async () => {
    renderWizard('exchangeOnline', { 'GET /api/provisioning': { body: provisioningFixture() } });
    const step1 = await screen.findByRole('listitem', { name: 'Step 1' });
    expect(within(step1).getByText(EWS_RETIREMENT)).toBeTruthy();
    expect(EWS_RETIREMENT).toBe(
      'Exchange Web Services (EWS) in Exchange Online is blocked by default since 1 October 2026 and shuts down on 1 April 2027.',
    );
    expect(within(screen.getByRole('listitem', { name: 'Step 2' })).queryByText(EWS_RETIREMENT)).toBeNull();
  });

  it('Exchange Online without EWS (one Graph step) has no EWS line', async () => {
    const graphOnly = consentStepRequirement('exchangeOnline', 'microsoftGraph', { ewsEnabled: false });
    const view = provisioningFixture({
      exchangeOnline: {
        consentSteps: [
          {
            ...grantedSteps('exchangeOnline')[1]!,
            stepNumber: 1,
            granted: false,
            purpose: graphOnly?.purpose ?? '',
          },
        ],
      },
    });
    renderWizard('exchangeOnline', { 'GET /api/provisioning': { body: view } });
    const step1 = await screen.findByRole('listitem', { name: 'Step 1' });
    expect(step1.textContent).toContain(graphOnly?.purpose);
    expect(screen.queryByText(EWS_RETIREMENT)).toBeNull();
  });
});
