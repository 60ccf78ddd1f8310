/**
 * `npm run bench:tab`: builds the tab for production, then measures in headless Chromium on
 * loopback (emulator + API + tab server, as in the end-to-end tests) the JavaScript the first
 * screen loads (gzip, as served) and the time from navigation to an interactive Dashboard — in a
 * browser (msal-browser) and inside the Teams-like host of the end-to-end tests (teams-js, SSO).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_TENANT_ID,
  DEFAULT_DATA_DIR,
  ensureTlsMaterial,
} from '@cas/m365-emulator';
import { openSignedIn, startStack } from '../e2e/support/stack.js';
import { TEAMS_HOST_URL, teamsHostPage } from '../e2e/support/teams-host-page.js';
import type { Frame, Page } from 'playwright-core';

const RUNS = 10;

// The API checks tokens against the emulator over HTTPS: Node must trust its CA from the start
// (next to any CA file already configured).
if (process.env['CAS_BENCH_CHILD'] !== '1') {
  const { caPath, caPem } = ensureTlsMaterial({ dir: join(DEFAULT_DATA_DIR, 'tls') });
  let trusted = caPath;
  const existing = process.env['NODE_EXTRA_CA_CERTS'];
  if (existing && existing !== caPath) {
    trusted = join(DEFAULT_DATA_DIR, 'tls', 'ca-bundle.pem');
    writeFileSync(trusted, `${readFileSync(existing, 'utf8').trim()}\n${caPem}`);
  }
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: trusted, CAS_BENCH_CHILD: '1' },
  });
  process.exit(child.status ?? 1);
}

/** What one load of the Dashboard fetched and how long it took to become interactive. */
interface Measured {
  readonly interactiveMs: number;
  readonly bytes: number;
  readonly count: number;
}

/** Reads the JavaScript fetched (gzip bytes as served) and the time since navigation, in `frame`. */
function measure(frame: Frame): Promise<Measured> {
  return frame.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation');
    const js = performance
      .getEntriesByType('resource')
      .filter((entry): entry is PerformanceResourceTiming => entry.name.endsWith('.js'));
    return {
      interactiveMs: performance.now() - (navigation?.startTime ?? 0),
      bytes: js.reduce((sum, entry) => sum + entry.encodedBodySize, 0),
      count: js.length,
    };
  });
}

/** Loads the Dashboard `runs` times with a cold cache; `open` navigates and returns the tab's frame. */
async function bench(page: Page, runs: number, open: (run: number) => Promise<Frame>): Promise<Measured[]> {
  const results: Measured[] = [];
  for (let run = 0; run < runs; run += 1) {
    // A cold cache each time: every script is fetched again, as on a first visit.
    const session = await page.context().newCDPSession(page);
    await session.send('Network.clearBrowserCache');
    await session.detach();
    const frame = await open(run);
    // Interactive: the tiles are rendered with data and the Provision action can take focus.
    await frame.getByRole('button', { name: 'Provision Exchange Online' }).focus();
    results.push(await measure(frame));
  }
  return results;
}

function report(label: string, results: readonly Measured[]): void {
  const times = results.map((result) => result.interactiveMs).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const last = results.at(-1) ?? { bytes: 0, count: 0 };
  console.log(
    `${label}: initial JavaScript (gzip as served) ${(last.bytes / 1024).toFixed(1)} KiB = ${(last.bytes / 1000).toFixed(1)} KB in ${last.count} files (target ≤ 200 KB); interactive Dashboard, cold cache, ${times.length} runs: median ${median.toFixed(0)} ms, best ${(times[0] ?? 0).toFixed(0)} ms, worst ${(times.at(-1) ?? 0).toFixed(0)} ms (target < 1 s)`,
  );
}

const stack = await startStack();
try {
  const browserContext = await stack.newContext();
  const page = await openSignedIn(
    browserContext,
    stack.tab.origin,
    CONTOSO_ADMIN_UPN,
    CONTOSO_ADMIN_PASSWORD,
  );
  report(
    'Browser (msal-browser)',
    await bench(page, RUNS, async (run) => {
      await page.goto(`${stack.tab.origin}/?run=${run}`);
      return page.mainFrame();
    }),
  );
  await browserContext.close();

  // Inside the Teams-like host of the end-to-end tests: teams-js and SSO instead of msal-browser.
  const teamsContext = await stack.newContext();
  await teamsContext.grantPermissions(['local-network-access'], { origin: 'https://teams.microsoft.com' });
  await teamsContext.route('https://res.cdn.office.net/**', (route) => route.abort());
  await teamsContext.route(TEAMS_HOST_URL, (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: teamsHostPage({
        contentUrl: `${stack.tab.origin}/`,
        tenantId: CONTOSO_TENANT_ID,
        userPrincipalName: CONTOSO_ADMIN_UPN,
        theme: 'default',
        locale: 'en-US',
      }),
    }),
  );
  const host = await teamsContext.newPage();
  await host.exposeFunction('casMintSsoToken', async () => {
    const answer = await stack.control<{ token: string }>('POST', `/tenants/${CONTOSO_TENANT_ID}/sso-token`, {
      upn: CONTOSO_ADMIN_UPN,
    });
    return answer.token;
  });
  report(
    'Inside Teams (teams-js, SSO)',
    await bench(host, RUNS, async () => {
      await host.goto(TEAMS_HOST_URL);
      const frame = await (
        await host.waitForSelector('iframe[title="Cloud App Security tab"]')
      ).contentFrame();
      if (!frame) throw new Error('The host page has no tab frame.');
      await frame.waitForURL(`${stack.tab.origin}/**`);
      return frame;
    }),
  );
  await teamsContext.close();
} finally {
  await stack.close();
}
