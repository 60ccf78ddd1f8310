// @vitest-environment jsdom
/**
 * The shell: the ring icon with its unread count opens Notifications, the navigation, focus on
 * each screen's heading (with Fluent's focus ring only for keyboard users) and live theme changes.
 */
import { act, render, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import {
  notificationFixture,
  policiesFixture,
  provisioningFixture,
  meFixture,
} from '../test-support/fixtures.js';
import { createHttpStub } from '../test-support/http-stub.js';
import { testHost } from '../test-support/render-tab.js';
import { createApiClient } from './api-client.js';
import { App } from './App.js';
import type { ThemeName } from './tab-host.js';

function renderApp(me = meFixture()) {
  const http = createHttpStub({
    'GET /api/me': { body: me },
    'GET /api/provisioning': { body: provisioningFixture() },
    'GET /api/notifications': {
      body: {
        notifications: [
          notificationFixture(),
          notificationFixture({ id: 'n-2', message: 'OneDrive protected.' }),
        ],
        unread: 2,
      },
    },
    'GET /api/policies': { body: policiesFixture({ allowed: false, reason: 'Nothing is provisioned yet.' }) },
    'GET /api/sync-runs': { body: { runs: [] } },
  });
  const themeListeners = new Set<(theme: ThemeName) => void>();
  const host = testHost({
    onThemeChange(listener) {
      themeListeners.add(listener);
      return () => themeListeners.delete(listener);
    },
  });
  const api = createApiClient({ getToken: async () => 'test-token', fetch: http.fetch });
  const user = userEvent.setup();
  const view = render(<App host={host} api={api} />);
  const setTheme = (theme: ThemeName) => act(() => themeListeners.forEach((listener) => listener(theme)));
  return { ...view, http, user, setTheme };
}

const heading = (name: string) => screen.findByRole('heading', { level: 1, name });

describe('App', () => {
  it('shows the unread count on the ring icon, which opens Notifications', async () => {
    const { user } = renderApp();
    const ring = await screen.findByRole('button', { name: 'Notifications, 2 unread' });
    expect(await screen.findByText('Megan Bowen')).toBeTruthy();
    await user.click(ring);
    const title = await heading('Notifications');
    expect(await screen.findByText('OneDrive protected.')).toBeTruthy();
    expect(ring.getAttribute('aria-current')).toBe('page');
    expect(document.activeElement).toBe(title);
  });

  it('navigates between screens and marks the current one', async () => {
    const { user } = renderApp();
    const dashboard = await heading('Dashboard');
    expect(document.activeElement).toBe(dashboard);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const policies = screen.getByRole('button', { name: 'Policies' });
    expect(nav.contains(policies)).toBe(true);
    await user.click(policies);
    const title = await heading('Policies');
    expect(document.activeElement).toBe(title);
    expect(policies.getAttribute('aria-current')).toBe('page');
    await user.click(screen.getByRole('button', { name: 'Administration > Service Account' }));
    expect(await heading('Administration > Service Account')).toBeTruthy();
    expect(policies.getAttribute('aria-current')).toBeNull();
  });

  it('shows the focus ring on the new heading only when the keyboard moved there', async () => {
    const { user } = renderApp();
    await heading('Dashboard');
    // A mouse click: the heading gets focus but no visible ring.
    await user.click(screen.getByRole('button', { name: 'Policies' }));
    const policies = await heading('Policies');
    expect(document.activeElement).toBe(policies);
    expect(policies.hasAttribute('data-fui-focus-visible')).toBe(false);
    // Keyboard: Tab to Dashboard in the navigation and press Enter.
    const dashboardButton = screen.getByRole('button', { name: 'Dashboard' });
    while (document.activeElement !== dashboardButton) await user.tab();
    await user.keyboard('{Enter}');
    const dashboard = await heading('Dashboard');
    await waitFor(() => expect(document.activeElement).toBe(dashboard));
    expect(dashboard.hasAttribute('data-fui-focus-visible')).toBe(true);
  });

  it('follows the host theme live', async () => {
    const { setTheme, container } = renderApp();
    await heading('Dashboard');
    const root = () => container.querySelector('[data-theme]')?.getAttribute('data-theme');
    expect(root()).toBe('light');
    setTheme('dark');
    await waitFor(() => expect(root()).toBe('dark'));
    setTheme('contrast');
    await waitFor(() => expect(root()).toBe('contrast'));
  });

  it('a signed-in employee who is no administrator sees a clear page, not a broken dashboard', async () => {
    const { http } = renderApp(
      meFixture({
        userPrincipalName: 'user@contoso.onmicrosoft.com',
        displayName: 'Adele Vance',
        isGlobalAdministrator: false,
        access: 'none',
      }),
    );
    const title = await heading('Cloud App Security is for administrators');
    expect(document.activeElement).toBe(title);
    expect(screen.getByText(/You are signed in as user@contoso\.onmicrosoft\.com/)).toBeTruthy();
    expect(screen.getByText(/Global Administrators, Global Readers and Security Readers/)).toBeTruthy();
    // Nothing that would only answer 403: no navigation, no ring, no dashboard, no alert.
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Notifications/ })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Dashboard' })).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(http.requests.map((request) => request.path)).toEqual(['/api/me']);
  });

  it('says so when the directory roles could not be checked', async () => {
    renderApp(meFixture({ isGlobalAdministrator: false, access: 'none', rolesKnown: false }));
    await heading('Cloud App Security is for administrators');
    expect(screen.getByText(/could not check your directory roles/)).toBeTruthy();
  });

  it('a Global Reader gets the dashboard', async () => {
    renderApp(meFixture({ isGlobalAdministrator: false, access: 'reader' }));
    expect(await heading('Dashboard')).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Notifications, 2 unread' })).toBeTruthy();
  });
});
