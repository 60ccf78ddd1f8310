/**
 * The tab works under its own Content-Security-Policy: in a browser (msal-browser sign-in, both
 * consent popups, Done) and framed by a Teams-like host on Teams' origin (SSO, deep link), not one
 * directive is violated — and a violation, were there one, would be seen: an injected inline
 * script is blocked and reported.
 */
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  FABRIKAM_ADMIN_PASSWORD,
  FABRIKAM_ADMIN_UPN,
} from '@cas/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedIn, startStack, type Stack } from './support/stack.js';
import { TEAMS_HOST_URL, teamsHostPage } from './support/teams-host-page.js';
import type { BrowserContext, Page } from 'playwright-core';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** What a page (and every frame in it) reported through `securitypolicyviolation`. */
interface Violation {
  readonly directive: string;
  readonly blocked: string;
  readonly document: string;
}

/**
 * Records every CSP violation of the context: the `securitypolicyviolation` events of each
 * document (read from a page and its frames) and Chromium's console reports of them, which also
 * cover popups that closed themselves and a frame refused by `frame-ancestors` (reported in its parent).
 */
async function watchViolations(context: BrowserContext): Promise<{
  console: string[];
  events: (page: Page) => Promise<Violation[]>;
}> {
  const console: string[] = [];
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) console.push(message.text());
  });
  await context.addInitScript(() => {
    const seen: Violation[] = [];
    (window as unknown as { casCspViolations: Violation[] }).casCspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        document: event.documentURI,
      }),
    );
  });
  return {
    console,
    events: async (page) => {
      const all: Violation[] = [];
      for (const frame of page.frames()) {
        all.push(
          ...(await frame
            .evaluate(() => (window as unknown as { casCspViolations?: Violation[] }).casCspViolations ?? [])
            .catch(() => [])),
        );
      }
      return all;
    },
  };
}

/** Clicks a step's Click here and accepts in the consent popup (its violations reach the console). */
async function acceptConsent(page: Page, stepNumber: number): Promise<void> {
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: `Click here (Step ${stepNumber})` }).click();
  const popup = await popupPromise;
  const closed = popup.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
  await popup.getByRole('button', { name: 'Accept' }).click();
  await closed;
}

describe('the tab under its Content-Security-Policy', () => {
  it('signs in, runs both consent popups and Done in a browser without one violation', async () => {
    const context = await stack.newContext();
    const watch = await watchViolations(context);
    const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
    await page.getByRole('heading', { name: 'Exchange Online' }).hover();
    await page.getByRole('button', { name: 'Provision Exchange Online' }).click();
    await page.getByRole('heading', { name: 'Provision Service Account for Exchange Online' }).waitFor();
    await acceptConsent(page, 1);
    await page.getByRole('button', { name: 'Click here (Step 2)' }).and(page.locator(':enabled')).waitFor();
    await acceptConsent(page, 2);
    await page.getByRole('radio', { name: 'Synchronize all users and groups' }).check();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('status').filter({ hasText: 'Exchange Online protected.' }).waitFor();

    expect(await watch.events(page)).toEqual([]);
    expect(watch.console).toEqual([]);
    await context.close();
  }, 90_000);

  it('loads framed by a Teams-like host on Teams origin, with SSO, without one violation', async () => {
    const context = await stack.newContext();
    const watch = await watchViolations(context);
    await context.grantPermissions(['local-network-access'], { origin: 'https://teams.microsoft.com' });
    await context.route('https://res.cdn.office.net/**', (route) => route.abort());
    await context.route(TEAMS_HOST_URL, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: teamsHostPage({
          contentUrl: `${stack.tab.origin}/`,
          tenantId: CONTOSO_TENANT_ID,
          userPrincipalName: CONTOSO_ADMIN_UPN,
          theme: 'dark',
          locale: 'en-US',
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
    await page
      .frameLocator('iframe[title="Cloud App Security tab"]')
      .getByRole('heading', { level: 1, name: 'Provision Service Account for Exchange Online' })
      .waitFor({ timeout: 20_000 });

    expect(await watch.events(page)).toEqual([]);
    expect(watch.console).toEqual([]);
    await context.close();
  }, 60_000);

  it('would catch a violation: an injected inline script is blocked and reported', async () => {
    const context = await stack.newContext();
    const watch = await watchViolations(context);
    const page = await openSignedIn(context, stack.tab.origin, FABRIKAM_ADMIN_UPN, FABRIKAM_ADMIN_PASSWORD);
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.casInjected = true;';
      document.head.append(script);
    });
    await expect
      .poll(async () => (await watch.events(page)).map((violation) => violation.directive))
      .toEqual(['script-src-elem']);
    await expect(
      page.evaluate(() => (window as unknown as { casInjected?: boolean }).casInjected),
    ).resolves.toBeUndefined();
    expect(watch.console.length).toBeGreaterThan(0);
    await context.close();
  });
});
