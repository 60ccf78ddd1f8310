/**
 * End to end, issue 17 — each service protects its own targets, in a real browser over the real
 * API, worker and emulator:
 * (a) SharePoint Online in selected mode picks site collection URLs: a known one shows its name, an
 *     unknown one is refused with the API's message, 100 fit and the 101st is refused, Done says
 *     "SharePoint Online protected.";
 * (b) after Extend, OneDrive in all mode (the one option all services share, R2): Done says
 *     "OneDrive protected.";
 * (c) once the worker has synchronized, every tile says what its service protects, and the counts
 *     are the emulator's own (`GET /_emulator/tenants/{t}/targets`).
 * With `UPDATE_SCREENSHOTS=1` it keeps the three wizards and the dashboard, light and dark, in
 * docs/screenshots/.
 */
import { targetCountText, type ServiceId } from '@cas/core';
import { CONTOSO_ADMIN_PASSWORD, CONTOSO_ADMIN_UPN, CONTOSO_TENANT_ID } from '@cas/m365-emulator';
import axe from 'axe-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedIn, screenshotsDir, startStack, type Stack } from './support/stack.js';
import type { Page } from 'playwright-core';

let stack: Stack;

/** A site collection as the emulator's control API lists it. */
interface EmulatedSite {
  readonly id: string;
  readonly webUrl: string;
  readonly displayName: string;
}

/** What each service would protect in the tenant, as the emulator counts it. */
interface EmulatedTargets {
  readonly mailboxes: number;
  readonly sharedMailboxes: number;
  readonly siteCollections: number;
  readonly oneDriveAccounts: number;
}

/** 101 site collections, so that 100 fit in Selected Targets and the 101st is refused. */
let sites: readonly EmulatedSite[] = [];

beforeAll(async () => {
  stack = await startStack({ worker: true });
  const listed = await stack.control<{ value: EmulatedSite[] }>('GET', `/tenants/${CONTOSO_TENANT_ID}/sites`);
  for (let index = listed.value.length; index < 101; index += 1) {
    await stack.control('POST', `/tenants/${CONTOSO_TENANT_ID}/sites`, {
      name: `Project${index}`,
      displayName: `Project ${index}`,
    });
  }
  sites = (await stack.control<{ value: EmulatedSite[] }>('GET', `/tenants/${CONTOSO_TENANT_ID}/sites`))
    .value;
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

/** Clicks a step's Click here and accepts in the consent popup; waits for the popup to close. */
async function acceptStep(page: Page, stepNumber: number): Promise<void> {
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: `Click here (Step ${stepNumber})` }).click();
  const popup = await popupPromise;
  await popup.getByRole('button', { name: 'Accept' }).click();
  await popup.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
}

/**
 * Checks the page as it is now with axe-core in the light and the dark theme (no serious or
 * critical violation), and keeps it in docs/screenshots/ as `{name}-light.png` / `{name}-dark.png`
 * when the run refreshes them.
 */
async function checkScreen(page: Page, name: string): Promise<void> {
  const dir = screenshotsDir();
  const failures: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    // The browser host follows the system preference live, so the page keeps its state.
    await page.emulateMedia({ colorScheme: theme });
    await page.locator(`[data-theme="${theme}"]`).first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.fui-Spinner').length === 0);
    // Evaluated by the test runner, not as a <script>: the tab's CSP refuses inline scripts.
    await page.evaluate(axe.source);
    const violations = await page.evaluate(async () => {
      // Fluent's focus sentinels (tabster) hand focus on at once; axe cannot know that.
      const result = await (window as unknown as { axe: typeof axe }).axe.run(
        { exclude: [['[data-tabster-dummy]']] },
        { resultTypes: ['violations'] },
      );
      return result.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map(
          (violation) =>
            `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
        );
    });
    failures.push(...violations.map((violation) => `${name} (${theme}) ${violation}`));
    if (dir) await page.screenshot({ path: `${dir}${name}-${theme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  expect(failures).toEqual([]);
}

/** Opens a service's wizard from its tile, as the guide says: hover over it, click Provision. */
async function openWizard(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Dashboard' }).click();
  await page.getByRole('heading', { level: 2, name }).hover();
  await page.getByRole('button', { name: `Provision ${name}` }).click();
  await page.getByRole('heading', { level: 1, name: `Provision Service Account for ${name}` }).waitFor();
}

/** Pastes a URL into the site collection field and presses Enter. */
async function pasteSite(page: Page, url: string): Promise<void> {
  const field = page.getByRole('textbox', { name: 'Site collection URL' });
  await field.fill(url);
  await field.press('Enter');
}

const selectedCount = (page: Page, count: number) =>
  page.getByText(`${count} of 100 site collections selected`, { exact: true });

describe('each service protects its own targets', () => {
  it('(a) SharePoint Online, selected targets: site collection URLs, the unknown and the 101st refused', async () => {
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);

    await openWizard(page, 'SharePoint Online');
    // The step says its own purpose, not Exchange's.
    const step = page.getByRole('listitem', { name: 'Step 1' });
    await step.getByText('to use the Graph API to read all SharePoint sites').waitFor();
    await expect(step.textContent()).resolves.not.toContain('all mailboxes');
    await acceptStep(page, 1);
    await page.getByRole('radio', { name: 'Synchronize selected targets' }).check();
    await expect(page.getByRole('tab', { name: 'By User' }).count()).resolves.toBe(0);

    // An unknown site collection is refused with the API's message; the field keeps the URL.
    const unknown = 'https://contoso.sharepoint.com/sites/NoSuchSite';
    await pasteSite(page, unknown);
    await page
      .getByRole('alert')
      .filter({ hasText: `Your organization has no site collection at ${unknown}.` })
      .waitFor();
    await expect(page.getByRole('textbox', { name: 'Site collection URL' }).inputValue()).resolves.toBe(
      unknown,
    );
    await selectedCount(page, 0).waitFor();

    // A known one (pasted as a page of the site) shows its name and URL in Selected Targets.
    const [first, second, third] = sites.filter((site) => site.webUrl.includes('/sites/'));
    if (!first || !second || !third) throw new Error('the emulator has too few site collections');
    await pasteSite(page, `${first.webUrl}/SitePages/Home.aspx`);
    const selected = page.getByRole('list', { name: 'Selected Targets' });
    await selected.getByText(first.displayName, { exact: true }).waitFor();
    await selected.getByText(first.webUrl, { exact: true }).waitFor();
    await selectedCount(page, 1).waitFor();
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    // The same site again is ignored, quietly.
    await pasteSite(page, first.webUrl);
    await page.getByText(`${first.displayName} is already in Selected Targets.`).waitFor();
    await selectedCount(page, 1).waitFor();
    for (const site of [second, third]) {
      await page.getByRole('textbox', { name: 'Site collection URL' }).fill(site.webUrl);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await selected.getByText(site.displayName, { exact: true }).waitFor();
    }
    await checkScreen(page, 'provision-sharePointOnline');

    // Fill up to 100, then the 101st is refused with core's limit and nothing is added.
    const rest = sites.filter((site) => ![first, second, third].includes(site));
    for (const site of rest.slice(0, 97)) {
      await pasteSite(page, site.webUrl);
      await selected.getByText(site.webUrl, { exact: true }).waitFor();
    }
    await selectedCount(page, 100).waitFor();
    const last = rest[97];
    if (!last) throw new Error('the emulator has fewer than 101 site collections');
    await pasteSite(page, last.webUrl);
    await page
      .getByRole('alert')
      .filter({ hasText: 'You can synchronize a maximum of 100 site collections' })
      .waitFor();
    await selectedCount(page, 100).waitFor();

    // Remove one with the arrow, then Done.
    await selected
      .getByRole('checkbox', { name: `${third.displayName} ${third.webUrl}`, exact: true })
      .check();
    await page
      .getByRole('button', { name: 'Remove the selected site collections from Selected Targets' })
      .click();
    await selectedCount(page, 99).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('status').filter({ hasText: 'SharePoint Online protected.' }).waitFor();

    await page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
    await page
      .getByRole('list', { name: 'Notifications' })
      .getByText('SharePoint Online protected.', { exact: true })
      .waitFor();
    await context.close();
  }, 300_000);

  it('(b) OneDrive, all targets after Extend: "OneDrive protected."', async () => {
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    // Selected mode fixed the option for all services (R2); Extend moves them all to all targets.
    await page.getByRole('button', { name: /^Notifications, / }).click();
    await page
      .getByRole('button', { name: 'Extend to protect all your Office 365 service targets.', exact: true })
      .click();
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByText('All targets protected').waitFor();

    await openWizard(page, 'OneDrive');
    await page
      .getByRole('listitem', { name: 'Step 1' })
      .getByText('to use the Graph API to read all OneDrive files')
      .waitFor();
    await acceptStep(page, 1);
    const all = page.getByRole('radio', { name: 'Synchronize all targets' });
    await all.waitFor();
    await expect(all.isChecked()).resolves.toBe(true);
    await checkScreen(page, 'provision-oneDrive');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('status').filter({ hasText: 'OneDrive protected.' }).waitFor();

    // And Exchange Online too, so that every tile has its count.
    await openWizard(page, 'Exchange Online');
    await acceptStep(page, 1);
    await page.getByRole('button', { name: 'Click here (Step 2)' }).and(page.locator(':enabled')).waitFor();
    await acceptStep(page, 2);
    await page.getByRole('radio', { name: 'Synchronize all users and groups' }).waitFor();
    // With EWS enabled, Step 1 says in one line that EWS is going away.
    await page
      .getByRole('listitem', { name: 'Step 1' })
      .getByText(
        'Exchange Web Services (EWS) in Exchange Online is blocked by default since 1 October 2026 and shuts down on 1 April 2027.',
      )
      .waitFor();
    await checkScreen(page, 'provision-exchangeOnline');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('status').filter({ hasText: 'Exchange Online protected.' }).waitFor();
    await context.close();
  }, 180_000);

  it("(c) after the sync, each tile's count is what the emulator holds", async () => {
    const targets = await stack.control<EmulatedTargets>('GET', `/tenants/${CONTOSO_TENANT_ID}/targets`);
    const expected: Record<ServiceId, string> = {
      exchangeOnline: targetCountText('exchangeOnline', targets.mailboxes),
      sharePointOnline: targetCountText('sharePointOnline', targets.siteCollections),
      oneDrive: targetCountText('oneDrive', targets.oneDriveAccounts),
    };
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const protects = async (name: string): Promise<string | null> => {
      const tile = page.getByRole('article', { name });
      const term = tile.getByRole('term').filter({ hasText: /^Protected targets$/ });
      return (await term.count()) === 0 ? null : term.locator('xpath=following-sibling::dd[1]').textContent();
    };
    // The worker runs each service's first synchronization; the dashboard shows it once done.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('list', { name: 'Services' }).waitFor();
          return [
            await protects('Exchange Online'),
            await protects('SharePoint Online'),
            await protects('OneDrive'),
          ];
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toEqual([expected.exchangeOnline, expected.sharePointOnline, expected.oneDrive]);
    for (const name of ['Exchange Online', 'SharePoint Online', 'OneDrive']) {
      const tile = page.getByRole('article', { name });
      await tile
        .getByRole('term')
        .filter({ hasText: /^Last synchronized$/ })
        .waitFor();
    }
    await checkScreen(page, 'dashboard-targets');
    await context.close();
  }, 120_000);

  it('(d) Administration > Service Account says when Exchange Online blocks EWS', async () => {
    // Exchange Online blocks EWS by default since 1 October 2026: the emulator answers 403.
    await stack.control('PUT', `/tenants/${CONTOSO_TENANT_ID}/ews`, { blocked: true });
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Administration > Service Account' })
      .click();
    const ews = page.getByRole('region', { name: 'Exchange Web Services (EWS)' });
    await ews.getByText('Blocked', { exact: true }).waitFor();
    await ews.getByText('Exchange Web Services is blocked for this organization').waitFor();
    await checkScreen(page, 'service-account-ews-blocked');
    await context.close();
  }, 60_000);
});
