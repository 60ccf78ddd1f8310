// @vitest-environment jsdom
/** The Dashboard: a tile per service with its status, and Provision / Manage revealed on hover or focus. */
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { grantedSteps, provisioningFixture, syncRunFixture } from '../../test-support/fixtures.js';
import { apiError } from '../../test-support/http-stub.js';
import { renderTab } from '../../test-support/render-tab.js';
import { Dashboard } from './Dashboard.js';

const PROVISIONING = provisioningFixture({
  exchangeOnline: {
    status: 'protected',
    scope: 'selectedUsers',
    targets: [
      {
        userId: 'u1',
        userPrincipalName: 'adele@contoso.onmicrosoft.com',
        displayName: 'Adele Vance',
        source: { kind: 'user' },
      },
    ],
    consentSteps: grantedSteps('exchangeOnline'),
    lastVerifiedAt: '2026-11-27T10:00:00.000Z',
    lastSync: syncRunFixture({ trigger: 'initial', scope: 'selectedUsers' }),
    protectedUsers: 1,
  },
  sharePointOnline: {
    status: 'tokenInvalid',
    scope: 'selectedUsers',
    tokenFailure: {
      cause: 'consentRevoked',
      message: 'An administrator revoked the consent.',
      missingRoles: [],
    },
  },
});

async function renderDashboard() {
  const tab = renderTab(<Dashboard />, { routes: { 'GET /api/provisioning': { body: PROVISIONING } } });
  await screen.findByRole('list', { name: 'Services' });
  return tab;
}

function tile(name: string): HTMLElement {
  return screen.getByRole('article', { name });
}

/** Whether the tile's action is revealed: fully opaque (the style the tile applies), not transparent. */
function isRevealed(button: HTMLElement): boolean {
  return getComputedStyle(button).opacity === '1';
}

describe('Dashboard', () => {
  it('shows a tile per service with status, scope, last synchronization and token health', async () => {
    await renderDashboard();
    expect(screen.getAllByRole('listitem')).toHaveLength(3);
    const exchange = within(tile('Exchange Online'));
    expect(exchange.getByText('Protected')).toBeTruthy();
    expect(exchange.getByText('Synchronize selected users (1)')).toBeTruthy();
    expect(exchange.getByText('Protected users')).toBeTruthy();
    expect(within(tile('OneDrive')).queryByText('Protected users')).toBeNull();
    expect(exchange.getByText(/^Nov 27, 2026, .* \(succeeded\)$/)).toBeTruthy();
    expect(exchange.getByText(/^Verified Nov 27, 2026/)).toBeTruthy();
    const sharePoint = within(tile('SharePoint Online'));
    expect(sharePoint.getByText('Access token invalid')).toBeTruthy();
    expect(sharePoint.getByText('An administrator revoked the consent.')).toBeTruthy();
    const oneDrive = within(tile('OneDrive'));
    expect(oneDrive.getByText('Not provisioned')).toBeTruthy();
    expect(oneDrive.getByText('Not chosen yet')).toBeTruthy();
    expect(oneDrive.getByText('Never')).toBeTruthy();
  });

  it('offers Manage on provisioned services and Provision on the others', async () => {
    const { user, navigations } = await renderDashboard();
    expect(within(tile('Exchange Online')).getByRole('button').textContent).toBe('Manage');
    expect(within(tile('SharePoint Online')).getByRole('button').textContent).toBe('Manage');
    await user.click(screen.getByRole('button', { name: 'Provision OneDrive' }));
    await user.click(screen.getByRole('button', { name: 'Manage Exchange Online' }));
    expect(navigations).toEqual([
      { page: 'provision', service: 'oneDrive' },
      { page: 'provision', service: 'exchangeOnline' },
    ]);
  });

  it('reveals Provision while the pointer is over the tile', async () => {
    const { user } = await renderDashboard();
    const provision = screen.getByRole('button', { name: 'Provision OneDrive' });
    expect(isRevealed(provision)).toBe(false);
    await user.hover(screen.getByRole('heading', { name: 'OneDrive' }));
    expect(isRevealed(provision)).toBe(true);
    expect(isRevealed(screen.getByRole('button', { name: 'Manage Exchange Online' }))).toBe(false);
    await user.unhover(tile('OneDrive'));
    expect(isRevealed(provision)).toBe(false);
  });

  it('reveals Manage and Provision when the keyboard reaches them', async () => {
    const { user } = await renderDashboard();
    const manage = screen.getByRole('button', { name: 'Manage Exchange Online' });
    expect(isRevealed(manage)).toBe(false);
    // The broken-token banner's link comes first, then the tiles in order.
    await user.tab();
    expect(document.activeElement).toBe(
      screen.getByRole('button', { name: 'Go to Administration > Service Account' }),
    );
    expect(isRevealed(manage)).toBe(false);
    await user.tab();
    expect(document.activeElement).toBe(manage);
    expect(isRevealed(manage)).toBe(true);
    await user.tab();
    expect(isRevealed(manage)).toBe(false);
    expect(isRevealed(screen.getByRole('button', { name: 'Manage SharePoint Online' }))).toBe(true);
  });

  it('warns about a broken token and links to Administration > Service Account', async () => {
    const { user, navigations } = await renderDashboard();
    expect(screen.getByText('SharePoint Online: the access token is invalid.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Go to Administration > Service Account' }));
    expect(navigations).toEqual([{ page: 'serviceAccount' }]);
  });

  it('shows a load failure with Retry, which loads again', async () => {
    const { user } = renderTab(<Dashboard />, {
      routes: {
        'GET /api/provisioning': [
          apiError(502, 'api_unreachable', 'The Cloud App Security API cannot be reached.'),
          { body: PROVISIONING },
        ],
      },
    });
    expect(await screen.findByText('The Cloud App Security API cannot be reached.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(3));
  });
});
