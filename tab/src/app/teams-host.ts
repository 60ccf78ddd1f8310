/**
 * The Teams host: teams-js context (tenant, user, theme, locale, deep-link page id), SSO token for
 * the API, consent through `authentication.authenticate` (starting on `/consent-start.html`), live
 * theme changes.
 */
import { app, authentication } from '@microsoft/teams-js';
import { consentStartUrl } from '../consent-start/consent-start-url.js';
import {
  parseConsentResult,
  themeFromTeams,
  type ConsentOutcome,
  type TabHost,
  type ThemeName,
} from './tab-host.js';

/** How long a framed page waits for a Teams host before deciding it runs in a plain browser. */
const FRAMED_INITIALIZE_TIMEOUT_MS = 5_000;

/**
 * Initializes teams-js. Resolves to the Teams host, or null outside Teams: on a top-level page
 * teams-js rejects at once; in a foreign frame it would wait 60 s, so we stop earlier.
 */
export async function startTeamsHost(validMessageOrigins: readonly string[] = []): Promise<TabHost | null> {
  if (window.parent === window) return null;
  try {
    await Promise.race([
      app.initialize([...validMessageOrigins]),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('No Teams host answered.')), FRAMED_INITIALIZE_TIMEOUT_MS),
      ),
    ]);
  } catch {
    return null;
  }
  const context = await app.getContext();
  let theme: ThemeName = themeFromTeams(context.app.theme);
  const listeners = new Set<(theme: ThemeName) => void>();
  app.registerOnThemeChangeHandler((name) => {
    theme = themeFromTeams(name);
    listeners.forEach((listener) => listener(theme));
  });
  return {
    kind: 'teams',
    locale: context.app.locale || 'en-US',
    pageId: context.page.subPageId || null,
    userPrincipalName: context.user?.userPrincipalName ?? null,
    theme: () => theme,
    onThemeChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getToken: () => authentication.getAuthToken(),
    openConsentWindow: () => ({
      // Teams opens and watches the popup itself; nothing to open before the URL is known.
      async navigate(url): Promise<ConsentOutcome> {
        // Teams opens an authentication window only on a domain of the manifest's validDomains
        // (the tab's own), so it starts on our consent start page, which forwards to Entra.
        const start = consentStartUrl(url, window.location.origin);
        try {
          const text = await authentication.authenticate({ url: start, width: 600, height: 700 });
          const result = parseConsentResult(text);
          return result ? { kind: 'result', result } : { kind: 'closed' };
        } catch (error) {
          const result = parseConsentResult(error instanceof Error ? error.message : String(error));
          return result ? { kind: 'result', result } : { kind: 'closed' };
        }
      },
      cancel: () => undefined,
    }),
    notifyLoaded: () => void app.notifySuccess(),
  };
}
