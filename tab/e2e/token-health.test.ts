/**
 * End to end, token revoked (R9, R10): Exchange Online protected in the browser, the consent of
 * its Graph app removed in the tenant (the emulator's control API), the worker's token health
 * monitor finds it, the token-invalid notification under the ring icon leads to Administration >
 * Service Account, which shows which app broke (the EWS app's row stays healthy), and **Create new
 * access token** on that app's row — its consent only — makes the service healthy again.
 */
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  DEVELOPMENT_CONSENT_APPS,
} from '@cas/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedIn, screenshotsDir, startStack, type Stack } from './support/stack.js';
import type { Page } from 'playwright-core';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: true });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** Clicks a Click here button and accepts in the consent popup; waits for the popup to close. */
async function acceptInPopup(page: Page, button: string): Promise<void> {
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: button }).click();
  const popup = await popupPromise;
  await popup.getByRole('button', { name: 'Accept' }).click();
  await popup.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
}

/** Keeps a screenshot of this state in docs/screenshots/ when the run refreshes them. */
async function screenshot(page: Page, name: string): Promise<void> {
  const dir = screenshotsDir();
  if (dir) await page.screenshot({ path: `${dir}${name}`, fullPage: true });
}

/** Runs the worker's token health check of Contoso now (its interval would be minutes). */
async function checkTokenHealth(): Promise<unknown> {
  if (!stack.worker) throw new Error('the worker is not running');
  return stack.worker.health.checkTenant(CONTOSO_TENANT_ID);
}

describe('a revoked token', () => {
  it('is reported under the ring icon and repaired with Create new access token', async () => {
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);

    // Protect Exchange Online with all users and groups.
    await page.getByRole('button', { name: 'Provision Exchange Online' }).click();
    await acceptInPopup(page, 'Click here (Step 1)');
    await page.getByRole('button', { name: 'Click here (Step 2)' }).and(page.locator(':enabled')).waitFor();
    await acceptInPopup(page, 'Click here (Step 2)');
    await page.getByRole('radio', { name: 'Synchronize all users and groups' }).check();
    // The scope preview counts the directory's users (GET /api/targets/summary).
    await page
      .getByRole('status', { name: 'Scope preview' })
      .filter({ hasText: /^Scope preview: the mailboxes of all \d[\d,]* users of your directory/ })
      .waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('status').filter({ hasText: 'Exchange Online protected.' }).waitFor();
    await expect(checkTokenHealth()).resolves.toEqual({ ok: true });

    // An administrator removes the Graph app's consent; the monitor's next check finds it.
    await stack.control(
      'DELETE',
      `/tenants/${CONTOSO_TENANT_ID}/service-principals/${DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph.clientId}`,
    );
    await expect(checkTokenHealth()).resolves.toMatchObject({
      ok: false,
      services: ['exchangeOnline'],
      apps: ['exchangeOnlineGraph'],
    });

    // The ring icon shows the incident; it links to Administration > Service Account.
    await page.getByRole('button', { name: 'Back to Dashboard' }).click();
    await page.getByText('Exchange Online: the access token is invalid.').waitFor();
    await screenshot(page, 'dashboard-token-invalid-light.png');
    await page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
    const incident = page
      .getByRole('list', { name: 'Notifications' })
      .getByRole('listitem')
      .filter({ hasText: 'Go to Administration > Service Account to create a new access token.' });
    await incident.waitFor();
    await incident.getByRole('button', { name: 'Open Administration > Service Account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Administration > Service Account' }).waitFor();
    const exchange = page.getByRole('group', { name: 'Exchange Online' });
    await exchange.getByText('Access token invalid', { exact: true }).first().waitFor();
    await expect(exchange.getByText('Cause', { exact: true }).first().isVisible()).resolves.toBe(true);
    await screenshot(page, 'service-account-token-invalid-light.png');

    // Service Account shows which app: the Graph app's row is invalid, the EWS app's is healthy.
    const apps = exchange.getByRole('list', { name: 'App registrations of Exchange Online' });
    const graphRow = apps
      .getByRole('listitem')
      .filter({ hasText: 'Step 2: Cloud App Security for Exchange Online' });
    const ewsRow = apps
      .getByRole('listitem')
      .filter({ hasText: 'Step 1: Cloud App Security for Exchange Online (EWS)' });
    await graphRow.getByText('Access token invalid', { exact: true }).waitFor();
    await ewsRow.getByText('Healthy', { exact: true }).waitFor();

    // Create new access token for that app: its consent only, in one popup.
    const popupPromise = page.waitForEvent('popup');
    await graphRow
      .getByRole('button', { name: 'Create new access token for Cloud App Security for Exchange Online' })
      .click();
    const popup = await popupPromise;
    await popup.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    await expect(
      popup
        .locator('li[data-permission]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-permission'))),
    ).resolves.toEqual([
      'User.Read.All',
      'GroupMember.Read.All',
      'RoleManagement.Read.Directory',
      'Mail.ReadWrite',
    ]);
    await popup.getByRole('button', { name: 'Accept' }).click();
    await popup.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
    await page
      .getByRole('status')
      .filter({ hasText: 'New access token created for Exchange Online; the token is healthy again.' })
      .waitFor();
    // The fresh view: the Graph app's row healthy again, and the service with it.
    await graphRow.getByText('Healthy', { exact: true }).waitFor();
    await expect(exchange.getByText('Access token invalid', { exact: true }).count()).resolves.toBe(0);
    await expect(exchange.getByText('Cause', { exact: true }).count()).resolves.toBe(0);

    // The monitor agrees, and the Dashboard no longer warns.
    await expect(checkTokenHealth()).resolves.toEqual({ ok: true });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { level: 2, name: 'Exchange Online' }).waitFor();
    await page.getByRole('button', { name: 'Manage Exchange Online' }).waitFor();
    await expect(page.getByText('Exchange Online: the access token is invalid.').count()).resolves.toBe(0);
    await context.close();
  }, 120_000);
});
