// @vitest-environment jsdom
/** Notifications: read state, Exchange Online protected., token incidents → Service Account, the Extend offer. */
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { notificationFixture, provisioningFixture } from '../../test-support/fixtures.js';
import { renderTab } from '../../test-support/render-tab.js';
import { Notifications } from './Notifications.js';

const PROTECTED = notificationFixture();
const TOKEN_INVALID = notificationFixture({
  id: 'n-2',
  kind: 'tokenInvalid',
  message: 'The access token of Exchange Online is invalid: consent was revoked.',
  dedupeKey: 'token:exchangeOnline',
  createdAt: '2026-11-27T09:00:00.000Z',
  readAt: '2026-11-27T09:05:00.000Z',
});
const EXTEND = notificationFixture({
  id: 'n-3',
  kind: 'extendOffered',
  service: null,
  message: 'Extend to protect all your Office 365 service targets.',
  dedupeKey: 'extend',
});

function renderNotifications(list: unknown[], extendAvailable = false) {
  return renderTab(<Notifications />, {
    routes: {
      'GET /api/notifications': [
        { body: { notifications: list, unread: 1 } },
        {
          body: {
            notifications: list.map((item) => ({ ...(item as object), readAt: '2026-11-27T10:00:00.000Z' })),
            unread: 0,
          },
        },
      ],
      'GET /api/provisioning': {
        body: provisioningFixture({}, { extend: { available: extendAvailable, reason: null } }),
      },
      'POST /api/notifications/n-1/read': { body: { id: 'n-1', read: true } },
    },
  });
}

describe('Notifications', () => {
  it('shows unread and read notifications, and marks one read', async () => {
    const { user, http, unreadRefreshes } = renderNotifications([PROTECTED, TOKEN_INVALID]);
    const list = await screen.findByRole('list', { name: 'Notifications' });
    const [first, second] = within(list).getAllByRole('listitem');
    if (!first || !second) throw new Error('two notifications expected');
    expect(within(first).getByText('Exchange Online protected.')).toBeTruthy();
    expect(within(first).getByText('Unread')).toBeTruthy();
    expect(within(second).getByText('Read')).toBeTruthy();
    expect(within(second).queryByRole('button', { name: /^Mark as read/ })).toBeNull();

    await user.click(within(first).getByRole('button', { name: 'Mark as read: Exchange Online protected.' }));
    await waitFor(() => expect(screen.queryByText('Unread')).toBeNull());
    expect(http.requestsTo('POST /api/notifications/n-1/read')).toHaveLength(1);
    expect(unreadRefreshes()).toBe(1);
  });

  it('links a token-invalid incident to Administration > Service Account', async () => {
    const { user, navigations } = renderNotifications([TOKEN_INVALID]);
    await user.click(await screen.findByRole('button', { name: 'Open Administration > Service Account' }));
    expect(navigations).toEqual([{ page: 'serviceAccount' }]);
  });

  it('opens the Extend offer from its notification', async () => {
    const { user, navigations } = renderNotifications([EXTEND], true);
    await user.click(
      await screen.findByRole('button', { name: 'Extend to protect all your Office 365 service targets.' }),
    );
    expect(navigations).toEqual([{ page: 'extend' }]);
    // The offer shows once, not again as a separate entry.
    expect(
      screen.getAllByRole('button', { name: 'Extend to protect all your Office 365 service targets.' }),
    ).toHaveLength(1);
  });

  it('offers Extend when it applies even without its notification', async () => {
    const { user, navigations } = renderNotifications([], true);
    await user.click(
      await screen.findByRole('button', { name: 'Extend to protect all your Office 365 service targets.' }),
    );
    expect(navigations).toEqual([{ page: 'extend' }]);
  });

  it('says when there is nothing to show', async () => {
    renderNotifications([]);
    expect(await screen.findByText('You have no notifications.')).toBeTruthy();
  });
});
