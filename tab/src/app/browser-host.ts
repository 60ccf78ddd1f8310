/**
 * The browser host: msal-browser sign-in (authorization code + PKCE, redirect) against the
 * configured authority, consent in a popup window that answers with `postMessage`.
 */
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from '@azure/msal-browser';
import { openPopupConsentWindow } from './popup-consent-window.js';
import type { TabConfig, TabHost, ThemeName } from './tab-host.js';

/** A browser session: signed in, or waiting for the admin to click Sign in. */
export type BrowserSession =
  { readonly signedIn: true; readonly host: TabHost } | { readonly signedIn: false; signIn(): Promise<void> };

/** Signs in with msal-browser (finishing a redirect if one is in progress). */
export async function startBrowserSession(config: TabConfig): Promise<BrowserSession> {
  const authorityHost = new URL(config.authority).host;
  const pca = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: `${config.authority.replace(/\/$/, '')}/organizations`,
      knownAuthorities: [authorityHost],
      redirectUri: `${window.location.origin}/`,
      postLogoutRedirectUri: `${window.location.origin}/`,
    },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await pca.initialize();
  const redirect = await pca.handleRedirectPromise();
  const account: AccountInfo | undefined = redirect?.account ?? pca.getAllAccounts()[0];
  const request = { scopes: [config.scope] };
  if (!account) {
    return { signedIn: false, signIn: () => pca.loginRedirect({ ...request, prompt: 'select_account' }) };
  }
  pca.setActiveAccount(account);
  const hashPage = window.location.hash.replace(/^#\/?/, '');
  return {
    signedIn: true,
    host: {
      kind: 'browser',
      locale: navigator.language || 'en-US',
      pageId: hashPage === '' ? null : hashPage,
      userPrincipalName: account.username,
      theme: browserTheme,
      onThemeChange(listener) {
        const query = window.matchMedia('(prefers-color-scheme: dark)');
        const changed = (): void => listener(browserTheme());
        query.addEventListener('change', changed);
        return () => query.removeEventListener('change', changed);
      },
      async getToken() {
        try {
          return (await pca.acquireTokenSilent({ ...request, account })).accessToken;
        } catch (error) {
          if (error instanceof InteractionRequiredAuthError) await pca.acquireTokenRedirect(request);
          throw error;
        }
      },
      openConsentWindow: openPopupConsentWindow,
      notifyLoaded: () => undefined,
      signOut: () => pca.logoutRedirect({ account }),
    },
  };
}

/** Light or dark from `?theme=` (screenshots, tests) or the system preference. */
function browserTheme(): ThemeName {
  const requested = new URLSearchParams(window.location.search).get('theme');
  if (requested === 'light' || requested === 'dark' || requested === 'contrast') return requested;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
