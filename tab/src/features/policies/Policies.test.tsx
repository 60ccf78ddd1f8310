// @vitest-environment jsdom
/**
 * Policies (`GET /api/policies`): Advanced Threat Protection and Data Loss Prevention per service,
 * the General tab's Click here to manually synchronize all your targets — disabled with the
 * reason in selected mode (R3) — the last run's figures and the sync history.
 */
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { policiesFixture, syncRunFixture } from '../../test-support/fixtures.js';
import { renderTab } from '../../test-support/render-tab.js';
import { Policies } from './Policies.js';
import type { StubRoute } from '../../test-support/http-stub.js';

const SELECTED_MODE_REASON =
  'Manual synchronization is not available while Exchange Online synchronizes selected users; extend protection to all your Office 365 service targets to use it.';
const LABEL = 'Click here to manually synchronize all your targets';

function renderPolicies(routes: Record<string, StubRoute>) {
  return renderTab(<Policies service={null} />, { routes });
}

const manualSync = () => screen.getByRole('button', { name: LABEL }) as HTMLButtonElement;

describe('Policies', () => {
  it('lists both policies of every service with whether they are active', async () => {
    renderPolicies({
      'GET /api/policies': {
        body: policiesFixture({ allowed: true, reason: null }, { exchangeOnline: true }),
      },
      'GET /api/sync-runs': { body: { runs: [] } },
    });
    const nav = within(await screen.findByRole('navigation', { name: 'Policies by service' }));
    expect(nav.getAllByRole('heading', { level: 2 }).map((heading) => heading.textContent)).toEqual([
      'Exchange Online',
      'SharePoint Online',
      'OneDrive',
    ]);
    const atp = nav.getByRole('button', { name: 'Advanced Threat Protection (Exchange Online)' });
    expect(atp.getAttribute('aria-current')).toBe('page');
    expect(atp.closest('li')?.textContent).toContain('Active');
    expect(
      nav.getByRole('button', { name: 'Data Loss Prevention (OneDrive)' }).closest('li')?.textContent,
    ).toContain('Inactive');
  });

  it('disables manual synchronization in selected mode and says why (R3)', async () => {
    renderPolicies({
      'GET /api/policies': {
        body: policiesFixture({ allowed: false, reason: SELECTED_MODE_REASON }, { exchangeOnline: true }),
      },
      'GET /api/sync-runs': { body: { runs: [] } },
    });
    expect(await screen.findByRole('tab', { name: 'General' })).toBeTruthy();
    expect(manualSync().disabled).toBe(true);
    const reason = document.getElementById(manualSync().getAttribute('aria-describedby') ?? '');
    expect(reason?.textContent).toBe(SELECTED_MODE_REASON);
    expect(screen.getByText('No synchronization has run yet.')).toBeTruthy();
  });

  it('disables manual synchronization of a service that is not protected', async () => {
    const { user } = renderPolicies({
      'GET /api/policies': {
        body: policiesFixture({ allowed: true, reason: null }, { exchangeOnline: true }),
      },
      'GET /api/sync-runs': { body: { runs: [] } },
    });
    await user.click(await screen.findByRole('button', { name: 'Data Loss Prevention (SharePoint Online)' }));
    expect(
      screen.getByRole('heading', { level: 2, name: 'Data Loss Prevention policy — SharePoint Online' }),
    ).toBeTruthy();
    expect(manualSync().disabled).toBe(true);
    expect(
      screen.getByText('SharePoint Online is not protected, so there is nothing to synchronize yet.'),
    ).toBeTruthy();
  });

  it('synchronizes all targets on click and shows the run figures when it finished', async () => {
    const queued = syncRunFixture({
      id: 'run-9',
      status: 'pending',
      startedAt: null,
      finishedAt: null,
      added: 0,
      updated: 0,
      removed: 0,
      graphRequests: 0,
    });
    const finished = syncRunFixture({ id: 'run-9' });
    const { user, http } = renderPolicies({
      'GET /api/policies': {
        body: policiesFixture({ allowed: true, reason: null }, { exchangeOnline: true }),
      },
      'GET /api/sync-runs': [
        { body: { runs: [] } },
        { body: { runs: [queued] } },
        { body: { runs: [finished] } },
      ],
      'POST /api/services/exchangeOnline/sync': {
        status: 202,
        body: { syncRuns: [{ ...queued, alreadyQueued: false }] },
      },
    });
    await waitFor(() => expect(manualSync().disabled).toBe(false));
    await user.click(manualSync());
    expect(screen.getByText('Synchronizing all your targets…')).toBeTruthy();
    expect(http.requestsTo('POST /api/services/exchangeOnline/sync')).toHaveLength(1);

    // The queued run shows at once; its figures fill in once the poll sees it finished.
    await waitFor(() =>
      expect(within(screen.getByLabelText('Sync figures')).getByText('pending')).toBeTruthy(),
    );
    await waitFor(
      () => expect(within(screen.getByLabelText('Sync figures')).getByText('succeeded')).toBeTruthy(),
      {
        timeout: 3000,
      },
    );
    const figures = screen.getByLabelText('Sync figures');
    const value = (term: string) => within(figures).getByText(term).nextElementSibling?.textContent;
    expect(value('Added')).toBe('1,234');
    expect(value('Removed')).toBe('2');
    expect(value('Graph requests')).toBe('17');
    expect(value('Duration')).toBe('2.5 s');
    expect(value('Trigger')).toBe('manual');
    await waitFor(() => expect(screen.queryByText('Synchronizing all your targets…')).toBeNull());
  });

  it('shows the sync history of the open service', async () => {
    const { user } = renderPolicies({
      'GET /api/policies': {
        body: policiesFixture({ allowed: true, reason: null }, { exchangeOnline: true }),
      },
      'GET /api/sync-runs': {
        body: {
          runs: [
            syncRunFixture({ id: 'r2', trigger: 'extend', protectedTargets: 1204 }),
            syncRunFixture({
              id: 'r1',
              trigger: 'initial',
              status: 'failed',
              error: 'Graph throttled the run.',
            }),
          ],
        },
      },
    });
    await user.click(await screen.findByRole('tab', { name: 'Sync history' }));
    const table = screen.getByRole('table', { name: 'Sync history of Exchange Online' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]?.textContent).toContain('extend');
    expect(rows[2]?.textContent).toContain('failed: Graph throttled the run.');
    // What the service protected after each run (issue 17); nothing for the failed one.
    const protectedColumn = within(rows[0]!)
      .getAllByRole('columnheader')
      .findIndex((header) => header.textContent === 'Protected targets');
    const cell = (row: number) => within(rows[row]!).getAllByRole('cell')[protectedColumn]?.textContent;
    expect([cell(1), cell(2)]).toEqual(['1,204 mailboxes', '—']);
  });

  it('R14: shows a cancelled run with the reason it no longer applied, and targets a run found missing', async () => {
    const { user } = renderPolicies({
      'GET /api/policies': {
        body: policiesFixture({ allowed: true, reason: null }, { exchangeOnline: true }),
      },
      'GET /api/sync-runs': {
        body: {
          runs: [
            syncRunFixture({ id: 'r2', status: 'cancelled', cancelReason: 'scopeChanged' }),
            syncRunFixture({
              id: 'r1',
              scope: 'selectedUsers',
              missingTargets: [
                { userId: 'u-1', userPrincipalName: 'gone@contoso.com', displayName: 'Gone User' },
              ],
            }),
          ],
        },
      },
    });
    const figures = await screen.findByLabelText('Sync figures');
    expect(figures.textContent).toContain(
      'cancelled: The scope of Exchange Online changed after this synchronization was requested',
    );
    await user.click(screen.getByRole('tab', { name: 'Sync history' }));
    const rows = within(screen.getByRole('table', { name: 'Sync history of Exchange Online' })).getAllByRole(
      'row',
    );
    expect(rows[1]?.textContent).toContain('cancelled: The scope of Exchange Online changed');
    expect(rows[2]?.textContent).toContain('1 missing: gone@contoso.com');
  });

  it('R13: says when the manual synchronization was answered with the run already queued', async () => {
    const queued = syncRunFixture({ id: 'run-7', status: 'running', finishedAt: null });
    const { user } = renderPolicies({
      'GET /api/policies': {
        body: policiesFixture({ allowed: true, reason: null }, { exchangeOnline: true }),
      },
      'GET /api/sync-runs': { body: { runs: [queued] } },
      'POST /api/services/exchangeOnline/sync': {
        status: 200,
        body: { syncRuns: [{ ...queued, alreadyQueued: true }] },
      },
    });
    await waitFor(() => expect(manualSync().disabled).toBe(false));
    await user.click(manualSync());
    expect(
      await screen.findByText('A synchronization of Exchange Online is already running; showing it.'),
    ).toBeTruthy();
  });
});
