/**
 * Entry point: reads `/config.json`, runs inside Teams when a Teams host answers (SSO) and
 * otherwise in the browser (msal-browser sign-in), then renders the same app with the same API
 * client. Each host's library is loaded only where it is needed, keeping the first screen small.
 */
import { createRoot } from 'react-dom/client';
import { createApiClient } from './app/api-client.js';
import { App } from './app/App.js';
import { loadFluentTheme } from './app/use-fluent-theme.js';
import type { TabConfig, TabHost } from './app/tab-host.js';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  const config = (await (await fetch('/config.json')).json()) as TabConfig;
  // A top-level page is never inside Teams: skip teams-js entirely there.
  let host: TabHost | null =
    window.parent === window
      ? null
      : await (await import('./app/teams-host.js')).startTeamsHost(config.teamsHostOrigins);
  if (host === null) {
    const session = await (await import('./app/browser-host.js')).startBrowserSession(config);
    if (!session.signedIn) {
      const { SignIn } = await import('./app/SignIn.js');
      root.render(<SignIn onSignIn={session.signIn} />);
      return;
    }
    host = session.host;
  }
  document.documentElement.lang = host.locale;
  // A dark or high-contrast host gets its theme before the first paint, not a flash of light.
  await loadFluentTheme(host.theme());
  const api = createApiClient({ getToken: host.getToken });
  root.render(<App host={host} api={api} />);
}

void boot();
