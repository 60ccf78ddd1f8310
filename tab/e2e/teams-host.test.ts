/**
 * End to end inside a Teams-like host: the tab in an iframe talks teams-js to a harness page that
 * answers like the Teams web client, from Teams' own origin. Covers initialize, context (theme,
 * locale, deep link), SSO token from the emulator, consent through authentication.authenticate —
 * starting on the tab's `/consent-start.html` (the only valid domain, as in our manifest), which
 * forwards to the emulator's admin-consent page, and the callback page in the popup answering
 * through teams-js served by the tab server (`notifySuccess` / `notifyFailure`) — a closed popup,
 * `notifySuccess` of the tab and a live theme change; and the start page refusing a foreign URL,
 * another app's consent and a consent answered to another site.
 */
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  DEVELOPMENT_CONSENT_APPS,
} from '@cas/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInOnMicrosoftPage, startStack, type Stack } from './support/stack.js';
import { TEAMS_HOST_URL, teamsHostPage } from './support/teams-host-page.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('the tab inside a Teams-like host', () => {
  it('serves teams-js for the consent callback page from the tab origin', async () => {
    const response = await fetch(`${stack.tab.origin}/teams-js/MicrosoftTeams.min.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await response.text()).toContain('microsoftTeams');
  });

  it('signs in with SSO, follows the host theme and runs consent through teams-js', async () => {
    const context = await stack.newContext();
    // Like an admin running a locally served tab in Teams web, allow Teams to reach localhost.
    await context.grantPermissions(['local-network-access'], { origin: 'https://teams.microsoft.com' });
    // The host page is served as Teams' origin; teams-js's online list of valid origins is not
    // fetched (nothing leaves the machine), so its built-in list applies.
    await context.route('https://res.cdn.office.net/**', (route) => route.abort());
    await context.route(TEAMS_HOST_URL, (route) =>
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
    await page.goto(TEAMS_HOST_URL);
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

    // Step 1: Teams (the host) opens the popup; the callback page in it cannot reach its
    // cross-origin opener and answers through teams-js: initialize, then notifySuccess.
    const firstPopup = page.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Click here (Step 1)' }).click();
    const popup = await firstPopup;
    // The window starts on the tab's own origin (validDomains) and goes on to the emulator's
    // admin-consent page, where the sign-in happens.
    const [startUrl] = await page.evaluate(
      () => (window as unknown as { casAuthenticateUrls: string[] }).casAuthenticateUrls,
    );
    const start = new URL(startUrl ?? '');
    expect(start.origin).toBe(stack.tab.origin);
    expect(start.pathname).toBe('/consent-start.html');
    const consent = new URL(start.searchParams.get('to') ?? '');
    expect(consent.origin).toBe(stack.emulator.origin);
    expect(consent.pathname).toBe(`/${CONTOSO_TENANT_ID}/v2.0/adminconsent`);
    await popup.getByLabel('Email, phone, or Skype').waitFor();
    expect(new URL(popup.url()).origin).toBe(stack.emulator.origin);
    await signInOnMicrosoftPage(popup, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await popup.getByRole('button', { name: 'Accept' }).click();
    await tab.getByRole('button', { name: 'Click here (Step 2)' }).and(tab.locator(':enabled')).waitFor();
    await expect(log()).resolves.not.toContain('authentication.authenticate:refused');
    await expect(log()).resolves.toEqual(
      expect.arrayContaining([
        'authentication.authenticate',
        'popup:initialize',
        'popup:authentication.authenticate.success',
      ]),
    );
    // notifySuccess closes the popup itself.
    await expect.poll(() => popup.isClosed()).toBe(true);

    // Step 2 declined: notifyFailure carries the outcome, shown with its own words and a retry.
    const secondPopup = page.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Click here (Step 2)' }).click();
    const declined = await secondPopup;
    await declined.getByRole('button', { name: 'Cancel' }).click();
    await tab.getByRole('alert').filter({ hasText: 'Consent was declined' }).waitFor();
    await expect(log()).resolves.toContain('popup:authentication.authenticate.failure');
    await expect.poll(() => declined.isClosed()).toBe(true);

    // A popup closed by the admin is reported as such, with a retry.
    const thirdPopup = page.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Click here (Step 2)' }).click();
    await (await thirdPopup).close();
    await tab.getByRole('alert').filter({ hasText: 'The sign-in window was closed' }).waitFor();

    // The retry goes through: Step 2 granted, the scope choice appears.
    const fourthPopup = page.waitForEvent('popup');
    await tab.getByRole('button', { name: 'Click here (Step 2)' }).click();
    await (await fourthPopup).getByRole('button', { name: 'Accept' }).click();
    await tab.getByRole('radio', { name: 'Synchronize all users and groups' }).waitFor();

    // Theme changes apply live.
    await page.evaluate(() =>
      (window as unknown as { casSetTheme(theme: string): void }).casSetTheme('contrast'),
    );
    await expect.poll(() => tab.locator('[data-theme]').first().getAttribute('data-theme')).toBe('contrast');
    await context.close();
  }, 90_000);

  it('refuses to forward the consent window anywhere but the authority admin-consent page', async () => {
    const context = await stack.newContext();
    const foreignRequests: string[] = [];
    await context.route('https://evil.example/**', async (route) => {
      foreignRequests.push(route.request().url());
      await route.abort();
    });
    const page = await context.newPage();
    const foreign = 'https://evil.example/common/v2.0/adminconsent?state=x';
    const startUrl = `${stack.tab.origin}/consent-start.html?to=${encodeURIComponent(foreign)}`;
    await page.goto(startUrl);
    const alert = page.getByRole('alert');
    await alert.getByRole('heading', { level: 1, name: 'This sign-in window cannot continue' }).waitFor();
    await expect(alert.textContent()).resolves.toContain("not on Microsoft's sign-in service");
    expect(page.url()).toBe(startUrl);
    expect(foreignRequests).toEqual([]);
    await context.close();
  });

  it.each([
    [
      'another application’s consent',
      { client_id: 'a11ce000-0000-4000-8000-00000000bad1' },
      'not the consent to Cloud App Security',
    ],
    [
      'our consent answered to another site',
      { redirect_uri: 'https://evil.example/callback' },
      'somewhere other than Cloud App Security',
    ],
  ])(
    'the consent start page forwards only to our own consent: refuses %s on the authority',
    async (_case, change, words) => {
      const context = await stack.newContext();
      const authorityRequests: string[] = [];
      await context.route(`${stack.emulator.origin}/**`, async (route) => {
        authorityRequests.push(route.request().url());
        await route.abort();
      });
      const page = await context.newPage();
      const consent = new URL(`${stack.emulator.origin}/${CONTOSO_TENANT_ID}/v2.0/adminconsent`);
      consent.searchParams.set('client_id', DEVELOPMENT_CONSENT_APPS.exchangeOnlineGraph.clientId);
      consent.searchParams.set('scope', 'https://graph.microsoft.com/.default');
      consent.searchParams.set('redirect_uri', `${stack.tab.origin}/api/consent/callback`);
      consent.searchParams.set('state', 'x');
      for (const [name, value] of Object.entries(change)) consent.searchParams.set(name, value);
      const startUrl = `${stack.tab.origin}/consent-start.html?to=${encodeURIComponent(consent.toString())}`;
      await page.goto(startUrl);
      const alert = page.getByRole('alert');
      await alert.getByRole('heading', { level: 1, name: 'This sign-in window cannot continue' }).waitFor();
      await expect(alert.textContent()).resolves.toContain(words);
      expect(page.url()).toBe(startUrl);
      expect(authorityRequests).toEqual([]);
      await context.close();
    },
  );
});
