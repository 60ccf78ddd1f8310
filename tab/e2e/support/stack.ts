/**
 * The real product for end-to-end tests: the Microsoft 365 emulator, the API (`startApi` over a
 * temporary SQLite store), optionally the worker (`startWorker` on the same store: sync runs and
 * the token health monitor, mail to a local capture), the tab server over a fresh production
 * build, and Chromium driven by playwright-core (which Chromium: `./browser.ts`).
 */
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadApiConfig, startApi, type RunningApi } from '@cas/api';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  DEVELOPMENT_CONSENT_APPS,
  DEFAULT_DATA_DIR,
  ensureTlsMaterial,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl } from '@cas/m365-emulator/testing';
import { consentAppEnvironment } from '@cas/microsoft365';
import {
  loadWorkerConfig,
  startMailCapture,
  startWorker,
  type MailCapture,
  type RunningWorker,
} from '@cas/worker';
import { startTabServer, type RunningTabServer } from '../../server/index.js';
import { launchTestBrowser } from './browser.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const TAB_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the tab for production into a fresh folder (the same `vite build` as `npm run build`). */
export function buildTab(outDir: string): void {
  const result = spawnSync(
    process.execPath,
    [
      fileURLToPath(new URL('../../../node_modules/vite/bin/vite.js', import.meta.url)),
      'build',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: TAB_ROOT, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Everything an end-to-end test drives. */
export interface Stack {
  readonly emulator: RunningEmulator;
  readonly api: RunningApi;
  /** The worker, when started (`startStack({ worker: true })`). */
  readonly worker: RunningWorker | undefined;
  readonly tab: RunningTabServer;
  readonly browser: Browser;
  /** A fresh browser profile that trusts the local CA's leaf (and nothing else extra). */
  newContext(options?: { colorScheme?: 'light' | 'dark'; locale?: string }): Promise<BrowserContext>;
  /** Calls the emulator's control API. */
  control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** A finished build to serve; default a fresh build in a temporary folder. */
  readonly distDir?: string;
  /**
   * Also runs the worker on the API's store: sync runs are picked up at once; the token health
   * monitor's interval is a day, so a test runs `stack.worker.health.checkTenant()` when it wants.
   */
  readonly worker?: boolean;
}

/** Starts emulator, API, tab server (over `distDir`, built when missing), the worker if asked, and Chromium. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const temp = mkdtempSync(join(tmpdir(), 'cas-tab-e2e-'));
  const distDir = options.distDir ?? join(temp, 'dist');
  if (options.distDir === undefined) buildTab(distDir);
  const emulator = await startEmulator({ port: 0, throttling: false });
  const tls = ensureTlsMaterial({ dir: join(DEFAULT_DATA_DIR, 'tls') });
  const tabPort = await freePort();
  const apiPort = await freePort();
  const tabOrigin = `https://localhost:${tabPort}`;
  const dataDir = join(temp, 'data');
  const encryptionKey = randomBytes(32).toString('base64');
  const api = await startApi(
    loadApiConfig({
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      TAB_ORIGIN: tabOrigin,
      AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      // Service Account asks the emulator's EWS whether the EWS token still works (issue 17).
      EWS_BASE_URL: emulator.origin,
      AAD_APP_CLIENT_ID: CLOUD_APP_SECURITY_API_CLIENT_ID,
      // One registration per consent step, as in production (docs/adr/0013).
      ...consentAppEnvironment(DEVELOPMENT_CONSENT_APPS),
      SSO_APP_CLIENT_ID: CLOUD_APP_SECURITY_API_CLIENT_ID,
      AAD_APP_ID_URI: CLOUD_APP_SECURITY_API_ID_URI,
      DATA_DIR: dataDir,
      SECRET_DATA_ENCRYPTION_KEY: encryptionKey,
      LOG_LEVEL: process.env['E2E_API_LOG_LEVEL'] ?? 'silent',
    }),
  );
  let mail: MailCapture | undefined;
  let worker: RunningWorker | undefined;
  if (options.worker) {
    // Our own mail capture: notification email never reaches a developer's running capture.
    mail = await startMailCapture({ directory: join(temp, 'mail'), smtpPort: 0, viewerPort: 0 });
    worker = await startWorker(
      loadWorkerConfig({
        DATA_DIR: dataDir,
        SECRET_DATA_ENCRYPTION_KEY: encryptionKey,
        AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
        GRAPH_BASE_URL: emulator.origin,
        ...consentAppEnvironment(DEVELOPMENT_CONSENT_APPS),
        SMTP_URL: mail.smtpUrl,
        SYNC_POLL_INTERVAL_SECONDS: '0.2',
        SYNC_DELTA_INTERVAL_MINUTES: '1440',
        TOKEN_HEALTH_INTERVAL_MINUTES: '1440',
        EMAIL_DELIVERY_INTERVAL_SECONDS: '1',
        LOG_LEVEL: process.env['E2E_WORKER_LOG_LEVEL'] ?? 'silent',
      }),
    );
  }
  const tab = await startTabServer({
    port: tabPort,
    apiOrigin: api.origin,
    distDir,
    tls: { cert: tls.certPem, key: tls.keyPem },
    config: {
      authority: emulator.origin,
      clientId: CLOUD_APP_SECURITY_API_CLIENT_ID,
      scope: `${CLOUD_APP_SECURITY_API_ID_URI}/access_as_user`,
      consentClientIds: Object.values(DEVELOPMENT_CONSENT_APPS).map((app) => app.clientId),
      consentRedirectUri: `${tabOrigin}/api/consent/callback`,
    },
  });
  // Trust exactly the local CA's leaf by its public key, the way a person trusts the CA once.
  const spki = createHash('sha256')
    .update(createPublicKey(tls.certPem).export({ type: 'spki', format: 'der' }))
    .digest('base64');
  const { browser } = await launchTestBrowser([`--ignore-certificate-errors-spki-list=${spki}`]);
  return {
    emulator,
    api,
    worker,
    tab,
    browser,
    newContext: (contextOptions = {}) =>
      browser.newContext({
        locale: contextOptions.locale ?? 'en-US',
        colorScheme: contextOptions.colorScheme ?? 'light',
        viewport: { width: 1280, height: 900 },
      }),
    control: (method, path, body) => emulatorControl(emulator.origin, method, path, body),
    async close() {
      await browser.close();
      await tab.close();
      await worker?.close();
      await mail?.close();
      await api.close();
      await emulator.close();
      rmSync(temp, { recursive: true, force: true });
    },
  };
}

/**
 * Where screenshots go when the run refreshes them (`UPDATE_SCREENSHOTS=1`): docs/screenshots/,
 * created if needed; null on an ordinary run.
 */
export function screenshotsDir(): string | null {
  if (process.env['UPDATE_SCREENSHOTS'] !== '1') return null;
  const dir = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Fills the emulator's Microsoft sign-in page. */
export async function signInOnMicrosoftPage(page: Page, upn: string, password: string): Promise<void> {
  await page.getByLabel('Email, phone, or Skype').fill(upn);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens the tab in a browser and signs in through msal-browser's redirect; waits for `landing` (an h1). */
export async function openSignedIn(
  context: BrowserContext,
  origin: string,
  upn: string,
  password: string,
  path = '/',
  landing = 'Dashboard',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}${path}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await signInOnMicrosoftPage(page, upn, password);
  await page.getByRole('heading', { level: 1, name: landing }).waitFor();
  return page;
}
