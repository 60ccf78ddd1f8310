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
    protectedTargets: { count: 1, text: '1 mailbox', lastSynchronizedAt: '2026-11-27T08:00:03.500Z' },
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
    expect(exchange.getByText('1 mailbox')).toBeTruthy();
    expect(within(tile('OneDrive')).queryByText('Protected targets')).toBeNull();
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

  it("says what each service protects, in the API's words, and when it was last synchronized", async () => {
    const synchronizedAt = '2026-11-30T06:15:00.000Z';
    const protectedService = (service: 'exchangeOnline' | 'sharePointOnline' | 'oneDrive', text: string) => ({
      status: 'protected' as const,
      scope: 'allUsersAndGroups' as const,
      consentSteps: grantedSteps(service),
      protectedTargets: { count: 0, text, lastSynchronizedAt: synchronizedAt },
    });
    renderTab(<Dashboard />, {
      routes: {
        'GET /api/provisioning': {
          body: provisioningFixture({
            exchangeOnline: protectedService('exchangeOnline', '1,204 mailboxes'),
            sharePointOnline: protectedService('sharePointOnline', '37 site collections'),
            oneDrive: protectedService('oneDrive', '980 OneDrive accounts'),
          }),
        },
      },
    });
    await screen.findByRole('list', { name: 'Services' });
    const when = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(
      Date.parse(synchronizedAt),
    );
    for (const [name, text, scope] of [
      ['Exchange Online', '1,204 mailboxes', 'Synchronize all users and groups'],
      ['SharePoint Online', '37 site collections', 'Synchronize all targets'],
      ['OneDrive', '980 OneDrive accounts', 'Synchronize all targets'],
    ] as const) {
      const pairs = [...tile(name).querySelectorAll('dt')].map((term) => [
        term.textContent,
        term.nextElementSibling?.textContent,
      ]);
      expect(pairs).toContainEqual(['Protected targets', text]);
      expect(pairs).toContainEqual(['Last synchronized', when]);
      expect(pairs).toContainEqual(['Scope', scope]);
    }
  });

  it('says "Not synchronized yet" for a protected service before its first run, and nothing for the others', async () => {
    renderTab(<Dashboard />, {
      routes: {
        'GET /api/provisioning': {
          body: provisioningFixture({
            sharePointOnline: {
              status: 'protected',
              scope: 'selectedUsers',
              consentSteps: grantedSteps('sharePointOnline'),
              sites: [
                {
                  siteId: 'contoso.sharepoint.com,a,b',
                  webUrl: 'https://contoso.sharepoint.com/sites/A',
                  displayName: 'A',
                },
              ],
            },
          }),
        },
      },
    });
    await screen.findByRole('list', { name: 'Services' });
    const sharePoint = within(tile('SharePoint Online'));
    expect(sharePoint.getByText('Not synchronized yet')).toBeTruthy();
    expect(sharePoint.getByText('Synchronize selected targets (1)')).toBeTruthy();
    expect(sharePoint.queryByText('Last synchronized')).toBeNull();
    expect(within(tile('OneDrive')).queryByText('Not synchronized yet')).toBeNull();
    expect(within(tile('OneDrive')).queryByText('Protected targets')).toBeNull();
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
