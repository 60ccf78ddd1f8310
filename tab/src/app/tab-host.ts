/**
 * What the tab needs from where it runs — Teams (teams-js) or a plain browser (msal-browser):
 * a token for the API, the theme, the locale, a deep-link page id and a consent popup.
 */
import { consentResultSchema, type ConsentResult } from '@cas/contracts';

/** Fluent theme families the tab renders in (Teams' three themes). */
export type ThemeName = 'light' | 'dark' | 'contrast';

/** How a consent popup ended. */
export type ConsentOutcome =
  | { readonly kind: 'result'; readonly result: ConsentResult }
  | { readonly kind: 'closed' }
  | { readonly kind: 'blocked' };

/** A consent popup opened on a click, before the API told us where it goes. */
export interface ConsentWindow {
  /** Sends the popup to the consent URL and waits for its result. */
  navigate(url: string): Promise<ConsentOutcome>;
  /** Closes the popup (the API refused to start the step). */
  cancel(): void;
}

/** The tab's host. */
export interface TabHost {
  readonly kind: 'teams' | 'browser';
  /** BCP 47 locale for numbers and dates. */
  readonly locale: string;
  /** Page id of a deep link (Teams `subPageId`, or the URL hash in a browser). */
  readonly pageId: string | null;
  /** Signed-in user's principal name as the host knows it (display only). */
  readonly userPrincipalName: string | null;
  theme(): ThemeName;
  /** Calls `listener` on every theme change; returns the unsubscribe function. */
  onThemeChange(listener: (theme: ThemeName) => void): () => void;
  /** A bearer token for the API. */
  getToken(): Promise<string>;
  /** Opens the consent popup; call it synchronously from the click so no popup blocker interferes. */
  openConsentWindow(): ConsentWindow;
  /** Tells the host the tab finished loading (Teams' `app.notifySuccess`). */
  notifyLoaded(): void;
  /** Signs out (browser) — not offered inside Teams. */
  signOut?(): Promise<void>;
}

/** Runtime configuration served by the tab server at `/config.json`. */
export interface TabConfig {
  /** Entra authority origin, e.g. https://login.microsoftonline.com or the emulator's. */
  readonly authority: string;
  /** The API's app registration (SSO resource, SPA client for msal-browser). */
  readonly clientId: string;
  /** `api://…/access_as_user`. */
  readonly scope: string;
  /** Client id of the multi-tenant app admins consent to (the consent start page checks it). */
  readonly consentClientIds: readonly string[];
  /** The API's consent callback URL (the consent start page checks it). */
  readonly consentRedirectUri: string;
  /** Extra origins of a Teams-like host allowed to talk to teams-js. */
  readonly teamsHostOrigins?: readonly string[];
}

/** Maps Teams' theme names to ours ("default" is light). */
export function themeFromTeams(name: string | undefined): ThemeName {
  if (name === 'dark') return 'dark';
  if (name === 'contrast') return 'contrast';
  return 'light';
}

/** True when the message is the consent callback page's result, as its contract describes it. */
export function isConsentResult(data: unknown): data is ConsentResult {
  return consentResultSchema.safeParse(data).success;
}

/** Parses what teams-js `authenticate` resolved or rejected with (the callback page sends JSON). */
export function parseConsentResult(text: string): ConsentResult | null {
  try {
    const value: unknown = JSON.parse(text);
    return isConsentResult(value) ? value : null;
  } catch {
    return null;
  }
}
