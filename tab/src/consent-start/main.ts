/** Entry of `/consent-start.html` (a Vite page of its own, loaded as an external module script). */
import { runConsentStart } from './consent-start-page.js';
import type { TabConfig } from '../app/tab-host.js';

void runConsentStart({
  search: window.location.search,
  root: document.getElementById('consent-start') ?? document.body,
  async loadConfig() {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`/config.json answered ${response.status}.`);
    return (await response.json()) as TabConfig;
  },
  navigate: (url) => window.location.replace(url),
});
