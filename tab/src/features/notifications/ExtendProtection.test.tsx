// @vitest-environment jsdom
/** Extend to protect all your Office 365 service targets.: the instructions and Submit (R11). */
import { SERVICE_IDS, scopeExtendedNotification } from '@cas/core';
import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { meFixture, provisioningFixture, TENANT_ID } from '../../test-support/fixtures.js';
import { apiError } from '../../test-support/http-stub.js';
import { renderTab } from '../../test-support/render-tab.js';
import { ExtendProtection } from './ExtendProtection.js';

const EXTENDED = {
  provisioning: provisioningFixture(),
  services: SERVICE_IDS,
  syncRuns: [],
  // What the API answers: the text of the notification Extend raises.
  message: scopeExtendedNotification(
    { id: 'n-1', tenantId: TENANT_ID, createdAt: '2026-11-27T08:00:00.000Z' },
    { services: SERVICE_IDS, extendedAt: '2026-11-27T08:00:00.000Z' },
  ).message,
};

describe('ExtendProtection', () => {
  it('shows the instructions, and Submit extends all three services', async () => {
    const { user, http, navigations, unreadRefreshes } = renderTab(<ExtendProtection />, {
      routes: { 'POST /api/extend': { body: EXTENDED } },
    });
    expect(
      screen.getByRole('heading', {
        level: 1,
        name: 'Extend to protect all your Office 365 service targets.',
      }),
    ).toBeTruthy();
    expect(screen.getByText(/click Click here to manually synchronize all your targets\./)).toBeTruthy();
    const submit = screen.getByRole('button', { name: 'Submit' }) as HTMLButtonElement;
    await user.click(submit);
    const done = await screen.findByRole('status');
    expect(done.textContent).toContain(EXTENDED.message);
    expect(done.textContent).toContain('Exchange Online, SharePoint Online and OneDrive now synchronize');
    expect(http.requestsTo('POST /api/extend')).toHaveLength(1);
    expect(submit.disabled).toBe(true);
    expect(unreadRefreshes()).toBe(1);
    await user.click(screen.getByRole('button', { name: 'Go to Policies' }));
    expect(navigations).toEqual([{ page: 'policies', service: null }]);
  });

  it('shows why Submit was refused and lets the admin try again', async () => {
    const { user } = renderTab(<ExtendProtection />, {
      routes: {
        'POST /api/extend': apiError(
          409,
          'extend_not_applicable',
          'All services already synchronize all users and groups.',
        ),
      },
    });
    await user.click(screen.getByRole('button', { name: 'Submit' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'All services already synchronize all users and groups.',
    );
    expect((screen.getByRole('button', { name: 'Submit' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('offers Submit only to a Global Administrator', () => {
    renderTab(<ExtendProtection />, { me: meFixture({ isGlobalAdministrator: false }) });
    expect((screen.getByRole('button', { name: 'Submit' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('goes back to Notifications', async () => {
    const { user, navigations } = renderTab(<ExtendProtection />);
    await user.click(screen.getByRole('button', { name: 'Back to Notifications' }));
    expect(navigations).toEqual([{ page: 'notifications' }]);
  });
});
