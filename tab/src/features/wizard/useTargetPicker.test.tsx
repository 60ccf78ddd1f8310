// @vitest-environment jsdom
/** useTargetPicker: the target picker's state over the API, with @cas/core's rules. */
import { act, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '../../test-support/http-stub.js';
import { renderTabHook } from '../../test-support/render-tab.js';
import { useTargetPicker } from './useTargetPicker.js';
import type { Target } from '@cas/core';

const GROUP_ID = '0c1d2e3f-0000-4000-8000-00000000000a';
const ALEX = {
  id: 'a1ex0000-0000-4000-8000-000000000001',
  userPrincipalName: 'alexw@contoso.onmicrosoft.com',
  displayName: 'Alex Wilber',
  mail: null,
  accountEnabled: true,
  userType: 'Member' as const,
};
const SAVED: Target = {
  userId: ALEX.id,
  userPrincipalName: ALEX.userPrincipalName,
  displayName: ALEX.displayName,
  source: { kind: 'user' },
};

describe('useTargetPicker', () => {
  it('starts from the saved targets', () => {
    const { result } = renderTabHook(() => useTargetPicker([SAVED]));
    expect(result.current.selected).toEqual([SAVED]);
    expect(result.current.checkedAvailable.size).toBe(0);
  });

  it('verifies a user, checks the found user and records where the target came from', async () => {
    const { result, http } = renderTabHook(() => useTargetPicker([]), {
      routes: { 'GET /api/targets/users': { body: { user: ALEX } } },
    });
    await act(() => result.current.verifyUser('  AlexW@contoso.onmicrosoft.com '));
    expect(http.requestsTo('GET /api/targets/users')[0]?.query.get('upn')).toBe(
      'AlexW@contoso.onmicrosoft.com',
    );
    expect(result.current.byUser).toMatchObject({ status: 'idle', message: null });
    expect(result.current.byUser.found?.target).toEqual(SAVED);
    expect([...result.current.checkedAvailable]).toEqual([`user:${ALEX.id}`]);
    act(() => result.current.addChecked());
    expect(result.current.selected).toEqual([SAVED]);
    expect(result.current.checkedAvailable.size).toBe(0);
  });

  it.each([
    [
      apiError(404, 'user_not_found', 'No such user.'),
      'alexw@contoso.onmicrosoft.com was not found in your directory.',
    ],
    [
      apiError(
        403,
        'global_administrator_required',
        'Only a Global Administrator of this tenant can do this.',
      ),
      'Only a Global Administrator of this tenant can do this.',
    ],
  ])('explains a refused verification (%#)', async (reply, message) => {
    const { result } = renderTabHook(() => useTargetPicker([]), {
      routes: { 'GET /api/targets/users': reply },
    });
    await act(() => result.current.verifyUser('alexw@contoso.onmicrosoft.com'));
    expect(result.current.byUser).toEqual({ status: 'idle', message, found: null });
  });

  it('marks group members with their group and ignores a user picked twice', async () => {
    const { result } = renderTabHook(() => useTargetPicker([SAVED]), {
      routes: {
        'GET /api/targets/groups': {
          body: { groups: [{ id: GROUP_ID, displayName: 'Sales', kind: 'security', mail: null }] },
        },
        [`GET /api/targets/groups/${GROUP_ID}/users`]: {
          body: {
            users: [
              ALEX,
              {
                ...ALEX,
                id: 'b0b00000-0000-4000-8000-000000000002',
                userPrincipalName: 'bob@contoso.onmicrosoft.com',
                displayName: 'Bob',
              },
            ],
            more: false,
            excluded: [],
          },
        },
      },
    });
    await act(() => result.current.searchGroups('Sal'));
    await act(() => result.current.toggleGroup(GROUP_ID));
    const entry = result.current.byGroup.groups?.[0];
    if (!entry || typeof entry.users !== 'object' || !('list' in entry.users))
      throw new Error('group not expanded');
    for (const candidate of entry.users.list) act(() => result.current.toggleAvailable(candidate.key, true));
    act(() => result.current.addChecked());
    expect(result.current.selected.map((target) => target.displayName)).toEqual(['Alex Wilber', 'Bob']);
    expect(result.current.selected[1]?.source).toEqual({
      kind: 'group',
      groupId: GROUP_ID,
      groupName: 'Sales',
    });
    expect(result.current.moveMessage).toEqual({
      intent: 'info',
      text: '1 already selected user was ignored.',
    });
  });

  it('reports a group search without results and a group that cannot be read', async () => {
    const { result } = renderTabHook(() => useTargetPicker([]), {
      routes: {
        'GET /api/targets/groups?query=Nob': { body: { groups: [] } },
        'GET /api/targets/groups': {
          body: { groups: [{ id: GROUP_ID, displayName: 'Sales', kind: 'security', mail: null }] },
        },
        [`GET /api/targets/groups/${GROUP_ID}/users`]: apiError(
          502,
          'graph_failed',
          'Microsoft Graph did not answer as expected. Try again in a moment.',
        ),
      },
    });
    await act(() => result.current.searchGroups('Nob'));
    expect(result.current.byGroup).toEqual({
      status: 'idle',
      message: 'No group name starts with "Nob".',
      groups: [],
    });
    await act(() => result.current.searchGroups('Sales'));
    await act(() => result.current.toggleGroup(GROUP_ID));
    await waitFor(() =>
      expect(result.current.byGroup.groups?.[0]?.users).toEqual({
        error: 'Microsoft Graph did not answer as expected. Try again in a moment.',
      }),
    );
  });

  it('removes only the checked selected users', () => {
    const other: Target = {
      ...SAVED,
      userId: 'c0000000-0000-4000-8000-000000000003',
      userPrincipalName: 'c@contoso.onmicrosoft.com',
    };
    const { result } = renderTabHook(() => useTargetPicker([SAVED, other]));
    act(() => result.current.toggleSelected(SAVED.userId, true));
    act(() => result.current.toggleSelected(other.userId, true));
    act(() => result.current.toggleSelected(other.userId, false));
    act(() => result.current.removeChecked());
    expect(result.current.selected).toEqual([other]);
    expect(result.current.checkedSelected.size).toBe(0);
  });
});
