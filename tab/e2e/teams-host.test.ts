/**
 * End to end inside a Teams-like host: the tab in an iframe talks teams-js to a harness page that
 * answers like the Teams web client. Covers initialize, context (theme, locale, deep link), SSO
 * token from the emulator, consent through authentication.authenticate, notifySuccess and a live
 * theme change.
 */
import { CONTOSO_ADMIN_UPN, CONTOSO_TENANT_ID } from '@cas/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.js';
import { teamsHostPage } from './support/teams-host-page.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('the tab inside a Teams-like host', () => {
  it('signs in with SSO, follows the host theme and runs consent through authenticate', async () => {
    const context = await stack.newContext();
    const hostUrl = `${stack.tab.origin}/e2e/teams-host.html`;
    await context.route(hostUrl, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: teamsHostPage({
          contentUrl: `${stack.tab.origin}/`,
          tenantId: CONTOSO_TENANT_ID,
          userPrincipalName: CONTOSO_ADMIN_UPN,
          theme: 'dark',
          locale: 'de-DE',
          subPageId: 'provision/exchangeOnline',
        }),
      }),
    );
    const page = await context.newPage();
    await page.exposeFunction('casMintSsoToken', async () => {
      const answer = await stack.control<{ token: string }>(
        'POST',
        `/tenants/${CONTOSO_TENANT_ID}/sso-token`,
        { upn: CONTOSO_ADMIN_UPN },
      );
      return answer.token;
    });
    await page.goto(hostUrl);
    const tab = page.frameLocator('iframe[title="Cloud App Security tab"]');

    // The deep link (subPageId) opens the wizard directly; SSO needed no sign-in page.
    await tab
      .getByRole('heading', { level: 1, name: 'Provision Service Account for Exchange Online' })
      .waitFor({ timeout: 20_000 });
    await expect(tab.locator('[data-theme]').first().getAttribute('data-theme')).resolves.toBe('dark');
    await expect(tab.locator('html').getAttribute('lang')).resolves.toBe('de-DE');
    const log = (): Promise<string[]> =>
      page.evaluate(() => (window as unknown as { casHostLog: string[] }).casHostLog);
    await expect(log()).resolves.toEqual(
      expect.arrayContaining([
        'initialize',
        'getContext',
        'authentication.getAuthToken',
        'appInitialization.success',
      ]),
    );

    // Consent: Teams (the host) opens and watches the popup; the tab gets the result back.
    const popupPromise = page.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Click here (Step 1)' }).click();
    const popup = await popupPromise;
    await popup.getByLabel('Email, phone, or Skype').fill(CONTOSO_ADMIN_UPN);
    await popup.getByLabel('Password').fill('Contoso-Admin-1!');
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.getByRole('button', { name: 'Accept' }).click();
    await tab.getByRole('button', { name: 'Click here (Step 2)' }).and(tab.locator(':enabled')).waitFor();
    await expect(log()).resolves.toContain('authentication.authenticate');

    // A closed popup is reported as such, with a retry.
    const second = page.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Click here (Step 2)' }).click();
    await (await second).close();
    await tab.getByRole('alert').filter({ hasText: 'The sign-in window was closed' }).waitFor();

    // Theme changes apply live.
    await page.evaluate(() =>
      (window as unknown as { casSetTheme(theme: string): void }).casSetTheme('contrast'),
    );
    await expect.poll(() => tab.locator('[data-theme]').first().getAttribute('data-theme')).toBe('contrast');
    await context.close();
  }, 90_000);
});
