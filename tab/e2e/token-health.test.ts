/**
 * End to end, token revoked (R9, R10): Exchange Online protected in the browser, consent revoked
 * in the tenant (the emulator's control API), the worker's token health monitor finds it, the
 * token-invalid notification under the ring icon leads to Administration > Service Account,
 * **Create new access token** runs Step 1 and Step 2 again, and the service is healthy again.
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
      .filter({ hasText: /^Scope preview: all \d[\d,]* users of your directory/ })
      .waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('status').filter({ hasText: 'Exchange Online protected.' }).waitFor();
    await expect(checkTokenHealth()).resolves.toEqual({ ok: true });

    // An administrator revokes both Exchange Online consents in the tenant; the monitor's next
    // check finds it.
    for (const app of [
      DEVELOPMENT_CONSENT_APPS.exchangeOnlineEws,
      DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph,
    ])
      await stack.control(
        'POST',
        `/tenants/${CONTOSO_TENANT_ID}/service-principals/${app.clientId}/revoke-consent`,
      );
    await expect(checkTokenHealth()).resolves.toMatchObject({ ok: false });

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
    await exchange.getByText('Access token invalid', { exact: true }).waitFor();
    await expect(exchange.getByText('Cause', { exact: true }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'service-account-token-invalid-light.png');

    // Create new access token: Step 1, then Step 2, each in its popup.
    await exchange.getByRole('button', { name: 'Create new access token for Exchange Online' }).click();
    await acceptInPopup(page, 'Click here (Exchange Online, Step 1)');
    await page
      .getByRole('button', { name: 'Click here (Exchange Online, Step 2)' })
      .and(page.locator(':enabled'))
      .waitFor();
    await acceptInPopup(page, 'Click here (Exchange Online, Step 2)');
    await page
      .getByRole('status')
      .filter({ hasText: 'New access token created for Exchange Online; the token is healthy again.' })
      .waitFor();
    await exchange.getByText('Healthy', { exact: true }).waitFor();
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
