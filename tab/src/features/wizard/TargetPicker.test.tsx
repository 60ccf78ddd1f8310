// @vitest-environment jsdom
/**
 * Available Targets (By User, By Group) and Selected Targets: Enter verifies an exact UPN, group
 * search needs 3 characters, groups expand to their users, the arrows move users, at most 100.
 */
import { checkUserTarget, MAX_SELECTED_TARGETS, type ServiceId, type Target } from '@cas/core';
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError } from '../../test-support/http-stub.js';
import { renderTab } from '../../test-support/render-tab.js';
import { TargetPicker } from './TargetPicker.js';
import { useTargetPicker } from './useTargetPicker.js';
import type { StubRoute } from '../../test-support/http-stub.js';
import type { DirectoryUserView } from '@cas/contracts';
import type { ReactNode } from 'react';

const PILOTS_ID = '0c1d2e3f-0000-4000-8000-000000000001';

function directoryUser(index: number, name = `Pilot User ${index}`): DirectoryUserView {
  return {
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    userPrincipalName: `pilot${index}@contoso.onmicrosoft.com`,
    displayName: name,
    mail: null,
    accountEnabled: true,
    userType: 'Member',
  };
}

function selectedTarget(index: number): Target {
  const user = directoryUser(1000 + index, `Selected User ${index}`);
  return {
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    source: { kind: 'user' },
  };
}

const ADELE: DirectoryUserView = {
  id: 'adele-0000-4000-8000-000000000000',
  userPrincipalName: 'adelev@contoso.onmicrosoft.com',
  displayName: 'Adele Vance',
  mail: 'adelev@contoso.com',
  accountEnabled: true,
  userType: 'Member',
};

const ROUTES: Record<string, StubRoute> = {
  'GET /api/targets/users': (request) =>
    request.query.get('upn') === ADELE.userPrincipalName
      ? { body: { user: ADELE } }
      : apiError(404, 'user_not_found', 'No such user.'),
  'GET /api/targets/groups': {
    body: { groups: [{ id: PILOTS_ID, displayName: 'Pilots', kind: 'security', mail: null }] },
  },
  [`GET /api/targets/groups/${PILOTS_ID}/users`]: {
    body: { users: [directoryUser(1), directoryUser(2), directoryUser(3)], more: false, excluded: [] },
  },
};

function Picker({ initial, service }: { initial: readonly Target[]; service?: ServiceId }): ReactNode {
  return <TargetPicker picker={useTargetPicker(initial, service)} />;
}

function renderPicker(
  initial: readonly Target[] = [],
  routes: Record<string, StubRoute> = ROUTES,
  service?: ServiceId,
) {
  return renderTab(<Picker initial={initial} service={service} />, { routes });
}

const addArrow = () => screen.getByRole('button', { name: 'Add the selected users to Selected Targets' });
const removeArrow = () =>
  screen.getByRole('button', { name: 'Remove the selected users from Selected Targets' });
const counter = (count: number) => screen.getByText(`${count} of ${MAX_SELECTED_TARGETS} users selected`);

describe('By User', () => {
  it('Enter verifies the exact user principal name and shows the display name', async () => {
    const { user, http } = renderPicker();
    await user.type(
      screen.getByRole('textbox', { name: 'User principal name' }),
      `${ADELE.userPrincipalName}{Enter}`,
    );
    const verified = await screen.findByRole('list', { name: 'Verified user' });
    const checkbox = within(verified).getByRole('checkbox', {
      name: 'Adele Vance (adelev@contoso.onmicrosoft.com)',
    });
    expect((checkbox as HTMLInputElement).checked).toBe(true);
    expect(http.requestsTo('GET /api/targets/users').map((request) => request.url)).toEqual([
      '/api/targets/users?upn=adelev%40contoso.onmicrosoft.com',
    ]);
    await user.click(addArrow());
    expect(counter(1)).toBeTruthy();
    expect(
      within(screen.getByRole('list', { name: 'Selected Targets' })).getByRole('checkbox', {
        name: 'Adele Vance (adelev@contoso.onmicrosoft.com)',
      }),
    ).toBeTruthy();
  });

  it('says "not found" for a user who is not in the directory', async () => {
    const { user } = renderPicker();
    await user.type(
      screen.getByRole('textbox', { name: 'User principal name' }),
      'nobody@contoso.onmicrosoft.com{Enter}',
    );
    expect(
      await screen.findByText('nobody@contoso.onmicrosoft.com was not found in your directory.'),
    ).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Verified user' })).toBeNull();
  });

  it('refuses a malformed user principal name without asking the API', async () => {
    const { user, http } = renderPicker();
    await user.type(screen.getByRole('textbox', { name: 'User principal name' }), 'adele{Enter}');
    expect(
      await screen.findByText(
        'A user principal name has the form name@domain, for example name@contoso.com.',
      ),
    ).toBeTruthy();
    expect(http.requestsTo('GET /api/targets/users')).toEqual([]);
  });
});

describe('By Group', () => {
  it('refuses fewer than 3 characters, searches on Enter, expands a group and picks its users', async () => {
    const { user, http } = renderPicker();
    await user.click(screen.getByRole('tab', { name: 'By Group' }));
    const groupName = screen.getByRole('textbox', { name: 'Group name' });
    await user.type(groupName, 'Pi{Enter}');
    expect(await screen.findByText('Type at least the first 3 characters of the group name.')).toBeTruthy();
    expect(http.requestsTo('GET /api/targets/groups')).toEqual([]);

    await user.type(groupName, 'lot{Enter}');
    const group = await screen.findByRole('button', { name: 'Pilots' });
    expect(http.requestsTo('GET /api/targets/groups').map((request) => request.query.get('query'))).toEqual([
      'Pilot',
    ]);
    expect(group.getAttribute('aria-expanded')).toBe('false');
    await user.click(group);
    const members = await screen.findByRole('list', { name: 'Users of Pilots' });
    expect(group.getAttribute('aria-expanded')).toBe('true');
    await user.click(
      within(members).getByRole('checkbox', { name: 'Pilot User 1 (pilot1@contoso.onmicrosoft.com)' }),
    );
    await user.click(
      within(members).getByRole('checkbox', { name: 'Pilot User 3 (pilot3@contoso.onmicrosoft.com)' }),
    );
    await user.click(addArrow());
    expect(counter(2)).toBeTruthy();
    const selected = within(screen.getByRole('list', { name: 'Selected Targets' }));
    expect(selected.getAllByRole('checkbox')).toHaveLength(2);
    expect(
      selected.getByRole('checkbox', { name: 'Pilot User 3 (pilot3@contoso.onmicrosoft.com)' }),
    ).toBeTruthy();

    // Collapsing hides the users again.
    await user.click(group);
    expect(screen.queryByRole('list', { name: 'Users of Pilots' })).toBeNull();
  });

  it('picks every user of a group at once and ignores users already selected', async () => {
    const { user } = renderPicker();
    await user.click(screen.getByRole('tab', { name: 'By Group' }));
    await user.type(screen.getByRole('textbox', { name: 'Group name' }), 'Pil{Enter}');
    await user.click(await screen.findByRole('button', { name: 'Pilots' }));
    const all = await screen.findByRole('checkbox', { name: 'All 3 users of Pilots' });
    await user.click(
      within(screen.getByRole('list', { name: 'Users of Pilots' })).getByRole('checkbox', {
        name: 'Pilot User 2 (pilot2@contoso.onmicrosoft.com)',
      }),
    );
    await user.click(addArrow());
    expect(counter(1)).toBeTruthy();
    await user.click(all);
    await user.click(addArrow());
    expect(counter(3)).toBeTruthy();
    expect(screen.getByText('1 already selected user was ignored.')).toBeTruthy();
  });
});

describe('Selected Targets', () => {
  it('the left arrow removes the checked users', async () => {
    const { user } = renderPicker([selectedTarget(1), selectedTarget(2)]);
    expect(counter(2)).toBeTruthy();
    await user.click(removeArrow());
    expect(screen.getByText('Select users in Selected Targets first.')).toBeTruthy();
    await user.click(screen.getByRole('checkbox', { name: /^Selected User 1 / }));
    await user.click(removeArrow());
    expect(counter(1)).toBeTruthy();
    expect(screen.queryByRole('checkbox', { name: /^Selected User 1 / })).toBeNull();
    expect(screen.getByRole('checkbox', { name: /^Selected User 2 / })).toBeTruthy();
  });

  it('the right arrow asks for a choice when nothing is checked', async () => {
    const { user } = renderPicker();
    await user.click(addArrow());
    expect(screen.getByText('Select users in Available Targets first.')).toBeTruthy();
    expect(counter(0)).toBeTruthy();
  });

  it('counts up to 100 and refuses the 101st', async () => {
    const ninetyNine = Array.from({ length: 99 }, (_, index) => selectedTarget(index));
    const { user } = renderPicker(ninetyNine);
    expect(counter(99)).toBeTruthy();
    await user.click(screen.getByRole('tab', { name: 'By Group' }));
    await user.type(screen.getByRole('textbox', { name: 'Group name' }), 'Pilots{Enter}');
    await user.click(await screen.findByRole('button', { name: 'Pilots' }));
    await user.click(await screen.findByRole('checkbox', { name: 'All 3 users of Pilots' }));

    // 99 + 3 > 100: the whole addition is refused, nothing moves.
    await user.click(addArrow());
    expect(screen.getByRole('alert').textContent).toContain(
      'You can synchronize a maximum of 100 users; only 1 more fits.',
    );
    expect(counter(99)).toBeTruthy();

    // One fits: the 100th.
    const members = within(screen.getByRole('list', { name: 'Users of Pilots' }));
    await user.click(members.getByRole('checkbox', { name: /^Pilot User 2 / }));
    await user.click(members.getByRole('checkbox', { name: /^Pilot User 3 / }));
    await user.click(addArrow());
    expect(counter(100)).toBeTruthy();

    // The 101st, by UPN this time, is refused too.
    await user.click(screen.getByRole('tab', { name: 'By User' }));
    await user.type(
      screen.getByRole('textbox', { name: 'User principal name' }),
      `${ADELE.userPrincipalName}{Enter}`,
    );
    await screen.findByRole('list', { name: 'Verified user' });
    await user.click(addArrow());
    expect(screen.getByRole('alert').textContent).toContain(
      'You can synchronize a maximum of 100 users; Selected Targets is full.',
    );
    expect(counter(100)).toBeTruthy();
  });

  it('says when a group has more users than can be shown', async () => {
    const { user } = renderPicker([], {
      ...ROUTES,
      [`GET /api/targets/groups/${PILOTS_ID}/users`]: {
        body: {
          users: Array.from({ length: 100 }, (_, index) => directoryUser(index)),
          more: true,
          excluded: [],
        },
      },
    });
    await user.click(screen.getByRole('tab', { name: 'By Group' }));
    await user.type(screen.getByRole('textbox', { name: 'Group name' }), 'Pilots{Enter}');
    await user.click(await screen.findByRole('button', { name: 'Pilots' }));
    expect(await screen.findByText('Showing the first 100 users: at most 100 can be selected.')).toBeTruthy();
  });
});

/** Core's refusal of a user a service has nothing of, as the API words it. */
function refusal(service: ServiceId, user: DirectoryUserView) {
  const checked = checkUserTarget(service, {
    userPrincipalName: user.userPrincipalName,
    holdings: { mailbox: false, oneDrive: false },
  });
  if (checked.ok) throw new Error('expected a refusal');
  return { code: checked.error.code, message: checked.error.message };
}

describe('a service that protects something of each user (issue 17)', () => {
  it.each(['exchangeOnline', 'oneDrive'] as const)(
    'By User asks the API for %s and shows its refusal of a user it has nothing of',
    async (service) => {
      const { code, message } = refusal(service, ADELE);
      const { user, http } = renderPicker(
        [],
        { 'GET /api/targets/users': apiError(422, code, message) },
        service,
      );
      const field = screen.getByRole('textbox', { name: 'User principal name' });
      await user.type(field, `${ADELE.userPrincipalName}{Enter}`);
      expect(await screen.findByText(message)).toBeTruthy();
      expect(field.getAttribute('aria-invalid')).toBe('true');
      expect(screen.queryByRole('list', { name: 'Verified user' })).toBeNull();
      expect(http.requestsTo('GET /api/targets/users')[0]?.query.get('service')).toBe(service);
    },
  );

  it('By Group lists only the users the service protects and says which were left out, and why', async () => {
    const left = [directoryUser(7, 'No Mailbox 7'), directoryUser(8, 'No Mailbox 8'), directoryUser(9)];
    const { user, http } = renderPicker(
      [],
      {
        ...ROUTES,
        [`GET /api/targets/groups/${PILOTS_ID}/users`]: {
          body: {
            users: [directoryUser(1), directoryUser(2)],
            more: false,
            excluded: left.map((each) => ({ user: each, ...refusal('exchangeOnline', each) })),
          },
        },
      },
      'exchangeOnline',
    );
    await user.click(screen.getByRole('tab', { name: 'By Group' }));
    await user.type(screen.getByRole('textbox', { name: 'Group name' }), 'Pilots{Enter}');
    await user.click(await screen.findByRole('button', { name: 'Pilots' }));
    const members = await screen.findByRole('list', { name: 'Users of Pilots' });
    expect(
      within(members)
        .getAllByRole('checkbox')
        .map((box) => box.closest('li')?.textContent),
    ).toEqual([
      'All 2 users of Pilots',
      'Pilot User 1 (pilot1@contoso.onmicrosoft.com)',
      'Pilot User 2 (pilot2@contoso.onmicrosoft.com)',
    ]);
    const summary = within(members).getByRole('button', {
      name: '3 users of this group have no mailbox and were not added.',
    });
    expect(summary.getAttribute('aria-expanded')).toBe('false');
    await user.click(summary);
    expect(summary.getAttribute('aria-expanded')).toBe('true');
    const notAdded = within(members).getByRole('list', { name: 'Users not added' });
    expect(
      within(notAdded)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(left.map((each) => refusal('exchangeOnline', each).message));
    expect(http.requestsTo(`GET /api/targets/groups/${PILOTS_ID}/users`)[0]?.query.get('service')).toBe(
      'exchangeOnline',
    );
  });

  it('a group whose only user has no OneDrive says so in the singular, with no empty-group line', async () => {
    const { user } = renderPicker(
      [],
      {
        ...ROUTES,
        [`GET /api/targets/groups/${PILOTS_ID}/users`]: {
          body: {
            users: [],
            more: false,
            excluded: [{ user: directoryUser(4), ...refusal('oneDrive', directoryUser(4)) }],
          },
        },
      },
      'oneDrive',
    );
    await user.click(screen.getByRole('tab', { name: 'By Group' }));
    await user.type(screen.getByRole('textbox', { name: 'Group name' }), 'Pilots{Enter}');
    await user.click(await screen.findByRole('button', { name: 'Pilots' }));
    expect(
      await screen.findByRole('button', { name: '1 user of this group has no OneDrive and was not added.' }),
    ).toBeTruthy();
    expect(screen.queryByText('This group has no users.')).toBeNull();
  });
});
