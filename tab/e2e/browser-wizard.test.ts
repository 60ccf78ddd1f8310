/**
 * End to end in a real browser (Chromium), outside Teams: msal-browser sign-in against the
 * emulator, the provisioning wizard exactly as the source guide walks it, and its failure paths;
 * the worker runs the synchronizations, so the General tab shows a real run's figures.
 */
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_PASSWORD,
  CONTOSO_USER_UPN,
} from '@cas/m365-emulator';
import axe from 'axe-core';
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

/** Clicks a step's Click here and answers the consent popup. */
async function consentStep(page: Page, stepNumber: number, decision: 'Accept' | 'Cancel'): Promise<void> {
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: `Click here (Step ${stepNumber})` }).click();
  const popup = await popupPromise;
  await popup.getByRole('button', { name: decision }).click();
  await popup.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
}

describe('the tab in a browser', () => {
  it('declined consent shows its own error and lets the admin retry', async () => {
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Provision Exchange Online' }).click();
    await page.getByRole('heading', { name: 'Provision Service Account for Exchange Online' }).waitFor();
    await consentStep(page, 1, 'Cancel');
    await expect(
      page.getByRole('alert').filter({ hasText: 'Consent was declined' }).isVisible(),
    ).resolves.toBe(true);
    // Step 2 waits for Step 1 (R5); Step 1 can be retried.
    await expect(page.getByRole('button', { name: 'Click here (Step 2)' }).isDisabled()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Click here (Step 1)' }).isEnabled()).resolves.toBe(true);
    await context.close();
  });

  it('a signed-in employee who is no administrator sees a clear page, not a broken dashboard', async () => {
    const context = await stack.newContext();
    const page = await openSignedIn(
      context,
      stack.tab.origin,
      CONTOSO_USER_UPN,
      CONTOSO_USER_PASSWORD,
      '/',
      'Cloud App Security is for administrators',
    );
    await page.getByText(`You are signed in as ${CONTOSO_USER_UPN}`).waitFor();
    await expect(page.getByRole('button', { name: 'Provision Exchange Online' }).count()).resolves.toBe(0);
    await expect(page.getByRole('navigation', { name: 'Main' }).count()).resolves.toBe(0);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await context.close();
  });

  it('provisions Exchange Online with selected users as the source guide describes', async () => {
    // A group of 101 users, so the 101st target can be refused (R8).
    const group = await stack.control<{ id: string }>('POST', `/tenants/${CONTOSO_TENANT_ID}/groups`, {
      displayName: 'Pilot Hundred and One',
      mailNickname: 'pilot101',
    });
    for (let index = 0; index < 101; index += 1) {
      const user = await stack.control<{ id: string }>('POST', `/tenants/${CONTOSO_TENANT_ID}/users`, {
        userPrincipalName: `pilot${index}@contoso.onmicrosoft.com`,
        displayName: `Pilot User ${index}`,
      });
      // Licensed, so that each has a mailbox: Exchange Online leaves users without one out.
      await stack.control('POST', `/tenants/${CONTOSO_TENANT_ID}/users/${user.id}/license`, {});
      await stack.control('POST', `/tenants/${CONTOSO_TENANT_ID}/groups/${group.id}/members`, {
        id: user.id,
      });
    }

    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    // Hover over Exchange Online and click Provision.
    await page.getByRole('heading', { name: 'Exchange Online' }).hover();
    await page.getByRole('button', { name: 'Provision Exchange Online' }).click();
    await page.getByRole('heading', { name: 'Provision Service Account for Exchange Online' }).waitFor();

    await consentStep(page, 1, 'Accept');
    await page.getByRole('button', { name: 'Click here (Step 2)' }).and(page.locator(':enabled')).waitFor();
    await consentStep(page, 2, 'Accept');
    await page.getByRole('radio', { name: 'Synchronize selected users' }).check();

    // By User: exact UPN, Enter verifies and shows the display name (or says it does not exist).
    const upnField = page.getByLabel('User principal name');
    await upnField.fill('nobody@contoso.onmicrosoft.com');
    await upnField.press('Enter');
    await page.getByText('nobody@contoso.onmicrosoft.com was not found in your directory.').waitFor();
    await upnField.fill(CONTOSO_USER_UPN);
    await upnField.press('Enter');
    const verified = page.getByRole('list', { name: 'Verified user' }).getByRole('checkbox');
    await verified.waitFor();
    await expect(verified.isChecked()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Add the selected users to Selected Targets' }).click();
    await page.getByText('1 of 100 users selected').waitFor();

    // By Group: fewer than 3 characters is refused; then search, expand, pick every user shown.
    await page.getByRole('tab', { name: 'By Group' }).click();
    const groupField = page.getByLabel('Group name');
    await groupField.fill('Pi');
    await groupField.press('Enter');
    await page.getByText('Type at least the first 3 characters of the group name.').waitFor();
    await groupField.fill('Pilot');
    await groupField.press('Enter');
    await page.getByRole('button', { name: 'Pilot Hundred and One' }).click();
    const everyone = page.getByRole('checkbox', { name: 'All 100 users of Pilot Hundred and One' });
    await everyone.check();
    // 1 + 100 = 101: the 101st is refused and nothing is added (R8).
    await page.getByRole('button', { name: 'Add the selected users to Selected Targets' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'You can synchronize a maximum of 100 users; only 99 more fit.' })
      .waitFor();
    await page.getByText('1 of 100 users selected').waitFor();

    // Leave one out: exactly 100.
    const groupUsers = page.getByRole('list', { name: 'Users of Pilot Hundred and One' });
    await groupUsers
      .getByRole('checkbox', { name: /^Pilot User/ })
      .first()
      .uncheck();
    await page.getByRole('button', { name: 'Add the selected users to Selected Targets' }).click();
    await page.getByText('100 of 100 users selected').waitFor();

    // And one more through By User is refused too.
    await page.getByRole('tab', { name: 'By User' }).click();
    await upnField.fill('pilot100@contoso.onmicrosoft.com');
    await upnField.press('Enter');
    await page
      .getByRole('list', { name: 'Verified user' })
      .getByRole('checkbox', { name: /pilot100@/ })
      .waitFor();
    await page.getByRole('button', { name: 'Add the selected users to Selected Targets' }).click();
    await page.getByRole('alert').filter({ hasText: 'Selected Targets is full' }).waitFor();

    // Remove one with the other arrow, then Done.
    await page
      .getByRole('list', { name: 'Selected Targets' })
      .getByRole('checkbox', { name: /^Pilot User/ })
      .first()
      .check();
    await page.getByRole('button', { name: 'Remove the selected users from Selected Targets' }).click();
    await page.getByText('99 of 100 users selected').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('status').filter({ hasText: 'Exchange Online protected.' }).waitFor();

    // The ring icon: Notifications shows "Exchange Online protected."
    await page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    await page
      .getByRole('list', { name: 'Notifications' })
      .getByText('Exchange Online protected.', { exact: true })
      .waitFor();
    await context.close();
  }, 180_000);

  it('Extend, Submit, then the General tab synchronizes all targets and shows the run', async () => {
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    // In selected mode the General tab's link is disabled with the reason (R3).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Policies' }).click();
    const manualSync = page.getByRole('button', {
      name: 'Click here to manually synchronize all your targets',
    });
    await manualSync.waitFor();
    await expect(manualSync.isDisabled()).resolves.toBe(true);
    await page.getByText('Manual synchronization is not available while').waitFor();

    await page.getByRole('button', { name: /^Notifications, / }).click();
    await page
      .getByRole('button', { name: 'Extend to protect all your Office 365 service targets.', exact: true })
      .click();
    await page
      .getByRole('heading', { level: 1, name: 'Extend to protect all your Office 365 service targets.' })
      .waitFor();
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByText('All targets protected').waitFor();

    await page.getByRole('button', { name: 'Go to Policies' }).click();
    await page.getByRole('button', { name: 'Advanced Threat Protection (Exchange Online)' }).click();
    await page.getByRole('tab', { name: 'General' }).click();
    await expect(manualSync.isEnabled()).resolves.toBe(true);
    await manualSync.click();
    // The worker ran it: the General tab shows the finished run's figures.
    const figures = page.getByLabel('Sync figures');
    const figure = (term: string) =>
      figures
        .locator('div')
        .filter({ has: page.getByText(term, { exact: true }) })
        .getByRole('definition');
    const lastRun = async () => [
      await figure('Trigger').textContent(),
      await figure('Outcome').textContent(),
    ];
    await expect.poll(async () => (await lastRun())[1], { timeout: 20_000 }).toBe('succeeded');
    if ((await lastRun())[0] !== 'manual') {
      // R13: the scheduler (every 10 s) may have queued the tenant's first delta round since
      // Extend, and the manual request was answered with it; once it is done, the next is manual.
      await expect(manualSync.isEnabled()).resolves.toBe(true);
      await manualSync.click();
    }
    await expect.poll(lastRun, { timeout: 20_000 }).toEqual(['manual', 'succeeded']);
    expect(Number(await figure('Graph requests').textContent())).toBeGreaterThan(0);
    await expect(figure('Duration').textContent()).resolves.toMatch(/^\d+(\.\d)? s$/);

    // The history holds the selected users' first run, the Extend run that added everyone else,
    // and the manual run, each with its figures.
    await page.getByRole('tab', { name: 'Sync history' }).click();
    const history = page.getByRole('table', { name: 'Sync history of Exchange Online' });
    await history.waitFor();
    const rows = history.getByRole('row');
    await expect(rows.count()).resolves.toBeGreaterThanOrEqual(4);
    const cells = async (trigger: string): Promise<string[]> =>
      rows
        .filter({ has: page.getByRole('cell', { name: trigger, exact: true }) })
        .first()
        .getByRole('cell')
        .allTextContents();
    const [, , initialOutcome, initialAdded] = await cells('initial');
    expect([initialOutcome, initialAdded]).toEqual(['succeeded', '99']);
    const [, , extendOutcome, extendAdded] = await cells('extend');
    expect(extendOutcome).toBe('succeeded');
    expect(Number(extendAdded)).toBeGreaterThan(0);
    await context.close();
  }, 90_000);

  it('every screen passes axe (no serious or critical violation) in the three themes', async () => {
    const context = await stack.newContext();
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    const screenshots = screenshotsDir();
    const failures: string[] = [];
    for (const theme of ['light', 'dark', 'contrast'] as const) {
      for (const screen of SCREENS) {
        await page.goto(`${stack.tab.origin}/?theme=${theme}#/${screen.id}`);
        await page.getByRole('heading', { level: 1, name: screen.heading }).waitFor();
        await page.locator(`[data-theme="${theme}"]`).first().waitFor();
        // Let spinners settle so the check sees the loaded screen.
        await page.waitForFunction(() => document.querySelectorAll('.fui-Spinner').length === 0);
        // Evaluated by the test runner, not as a <script>: the tab's CSP refuses inline scripts.
        await page.evaluate(axe.source);
        const violations = await page.evaluate(async () => {
          // Fluent's focus manager (tabster) adds hidden <i data-tabster-dummy> focus sentinels that
          // hand focus on at once; axe cannot know that, so those sentinels are left out.
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
        failures.push(...violations.map((violation) => `${screen.id} (${theme}) ${violation}`));
        if (screenshots && theme !== 'contrast') {
          await page.screenshot({
            path: `${screenshots}${screen.id.replace('/', '-')}-${theme}.png`,
            fullPage: true,
          });
        }
      }
    }
    expect(failures).toEqual([]);
    await context.close();
  }, 120_000);
});

/** Every screen of the tab with its heading, for the axe checks and the screenshots. */
const SCREENS = [
  { id: 'dashboard', heading: 'Dashboard' },
  { id: 'provision/exchangeOnline', heading: 'Provision Service Account for Exchange Online' },
  { id: 'notifications', heading: 'Notifications' },
  { id: 'extend', heading: 'Extend to protect all your Office 365 service targets.' },
  { id: 'service-account', heading: 'Administration > Service Account' },
  { id: 'policies', heading: 'Policies' },
] as const;
