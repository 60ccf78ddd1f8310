// @vitest-environment jsdom
/** The scope preview: selected users counted locally, all users counted by the API (admin only). */
import { waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '../../test-support/http-stub.js';
import { renderTabHook } from '../../test-support/render-tab.js';
import { scopePreviewText, useDirectorySize } from './use-scope-preview.js';

describe('useDirectorySize', () => {
  it('asks the API only once the all-users choice is shown, and only once', async () => {
    let enabled = false;
    const { result, http, rerender } = renderTabHook(() => useDirectorySize(enabled), {
      routes: { 'GET /api/targets/summary': { body: { users: 1234 } } },
    });
    expect(http.requestsTo('GET /api/targets/summary')).toHaveLength(0);
    enabled = true;
    rerender();
    await waitFor(() => expect(result.current).toEqual({ status: 'known', users: 1234 }));
    rerender();
    expect(http.requestsTo('GET /api/targets/summary')).toHaveLength(1);
  });

  it('is unknown when the API refuses (not an administrator)', async () => {
    const { result } = renderTabHook(() => useDirectorySize(true), {
      routes: {
        'GET /api/targets/summary': apiError(
          403,
          'global_administrator_required',
          'Only a Global Administrator of this tenant can do this.',
        ),
      },
    });
    await waitFor(() => expect(result.current).toEqual({ status: 'unknown' }));
  });
});

describe('scopePreviewText', () => {
  it.each([
    [
      'exchangeOnline',
      'selectedUsers',
      { selected: 1, directory: { status: 'loading' } },
      'en-US',
      'Scope preview: 1 selected user will be protected. Manual and scheduled synchronization are not available with selected users.',
    ],
    [
      'oneDrive',
      'allUsersAndGroups',
      { selected: 0, directory: { status: 'known', users: 12345 } },
      'de-DE',
      'Scope preview: the OneDrive accounts of all 12.345 users of your directory, in every group, nested groups included, will be protected and kept current automatically once per day.',
    ],
    [
      'exchangeOnline',
      'allUsersAndGroups',
      { selected: 0, directory: { status: 'unknown' } },
      'en-US',
      'Scope preview: the mailboxes of every user of your directory, in every group, nested groups included, will be protected and kept current automatically once per day.',
    ],
    [
      'sharePointOnline',
      'selectedUsers',
      { selected: 2, directory: { status: 'loading' } },
      'en-US',
      'Scope preview: 2 selected site collections will be protected. Manual and scheduled synchronization are not available with selected targets.',
    ],
    [
      'sharePointOnline',
      'allUsersAndGroups',
      { selected: 0, directory: { status: 'known', users: 12345 } },
      'en-US',
      'Scope preview: every site collection of your organization will be protected and kept current automatically once per day.',
    ],
  ] as const)('%s %s %o (%s)', (service, scope, figures, locale, text) => {
    expect(scopePreviewText(service, scope, figures, locale)).toBe(text);
  });
});
