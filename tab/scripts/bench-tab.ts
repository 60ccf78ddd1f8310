/**
 * `npm run bench:tab`: builds the tab for production, then measures in headless Chromium on
 * loopback (emulator + API + tab server, as in the end-to-end tests) the JavaScript the first
 * screen loads (gzip, as served) and the time from navigation to an interactive Dashboard.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  DEFAULT_DATA_DIR,
  ensureTlsMaterial,
} from '@cas/m365-emulator';
import { openSignedIn, startStack } from '../e2e/support/stack.js';

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

const stack = await startStack();
try {
  const context = await stack.newContext();
  const page = await openSignedIn(context, stack.tab.origin, CONTOSO_ADMIN_UPN, CONTOSO_ADMIN_PASSWORD);
  const times: number[] = [];
  let initialJs = 0;
  let scripts = 0;
  for (let run = 0; run < RUNS; run += 1) {
    // A cold cache each time: every script is fetched again, as on a first visit.
    const session = await context.newCDPSession(page);
    await session.send('Network.clearBrowserCache');
    await session.detach();
    await page.goto(`${stack.tab.origin}/?run=${run}`);
    // Interactive: the tiles are rendered with data and the Provision action can take focus.
    await page.getByRole('button', { name: 'Provision Exchange Online' }).focus();
    const measured = await page.evaluate(() => {
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
    times.push(measured.interactiveMs);
    initialJs = measured.bytes;
    scripts = measured.count;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  console.log(
    `Initial JavaScript for the Dashboard (browser path, gzip as served): ${(initialJs / 1024).toFixed(1)} KiB in ${scripts} files (target ≤ 200 KB)`,
  );
  console.log(
    `Time to an interactive Dashboard (cold cache, ${RUNS} runs): median ${median.toFixed(0)} ms, best ${(times[0] ?? 0).toFixed(0)} ms, worst ${(times.at(-1) ?? 0).toFixed(0)} ms (target < 1 s)`,
  );
  await context.close();
} finally {
  await stack.close();
}
