/**
 * Runs the whole API the way `npm start` does — `startApi` with a configuration pointing at an
 * in-process emulator and a temporary SQLite store — and drives it like the tab would: SSO tokens
 * from the emulator, the consent popup's sign-in and consent forms, JSON calls over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  startEmulator,
  type RunningEmulator,
} from '@cas/m365-emulator';
import { emulatorControl, FormBrowser, pageText } from '@cas/m365-emulator/testing';
import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { loadApiConfig } from '../config.js';
import { createLogger } from '../http/logger.js';
import { startApi, type RunningApi } from '../main.js';
import { consentOutcomeOf, readAnswer, type CheckedAnswer } from './contract-check.js';
import type { ServiceId } from '@cas/core';

/** A JSON answer of the API, checked against its route's contract. */
export type ApiAnswer<T = Record<string, unknown>> = CheckedAnswer<T>;

/** A running emulator + API pair with helpers. */
export interface ApiHarness {
  readonly emulator: RunningEmulator;
  /** The current API; replaced by `freshApi`. */
  readonly api: RunningApi;
  /** Every log line the API wrote, as text. */
  readonly logLines: string[];
  /** Every response body the harness received, as text. */
  readonly responseBodies: string[];
  /** The bot credential key configured on the API (base64). */
  readonly botKey: string;
  control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  ssoToken(tenantId: string, upn: string): Promise<string>;
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<ApiAnswer<T>>;
  /** Runs one consent step through the popup; returns the result the popup page reports. */
  consentStep(
    token: string,
    startPath: string,
    upn: string,
    password: string,
    button?: 'Accept' | 'Cancel',
  ): Promise<Record<string, unknown>>;
  /** Grants every consent step of a service as the given admin. */
  consentService(token: string, service: ServiceId, upn: string, password: string): Promise<void>;
  /** Replaces the API by a new one over an empty store (a clean slate per test). */
  freshApi(): Promise<void>;
  /**
   * Replaces the API by a new process over the same store (as an operator's restart), with these
   * variables changed (e.g. `EWS_CONSENT_ENABLED`).
   */
  restartApi(environment: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts an emulator and the API wired to it. */
export async function startApiHarness(
  options: { ewsEnabled?: boolean; environment?: Record<string, string> } = {},
): Promise<ApiHarness> {
  const emulator = await startEmulator({ port: 0, throttling: false });
  const dataDirs: string[] = [];
  const logLines: string[] = [];
  const responseBodies: string[] = [];
  const botKey = randomBytes(32).toString('base64');
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    }),
  );

  let current: { dataDir: string; key: string } | undefined;

  async function launch(restart?: Record<string, string>): Promise<RunningApi> {
    const kept = restart === undefined ? undefined : current;
    const dataDir = kept?.dataDir ?? mkdtempSync(join(tmpdir(), 'cas-api-'));
    if (kept === undefined) dataDirs.push(dataDir);
    const key = kept?.key ?? randomBytes(32).toString('base64');
    current = { dataDir, key };
    const port = await freePort();
    const config = loadApiConfig({
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      // The emulator accepts the registered localhost callback on any port, like Entra does.
      API_PUBLIC_URL: `http://localhost:${port}`,
      TAB_ORIGIN: 'https://localhost:53000',
      AAD_APP_OAUTH_AUTHORITY_HOST: emulator.origin,
      GRAPH_BASE_URL: emulator.origin,
      EWS_BASE_URL: emulator.origin,
      AAD_APP_CLIENT_ID: CLOUD_APP_SECURITY_CLIENT_ID,
      // One registration stands in for every consent app: these tests are not about the split.
      ...consentAppEnvironment(
        everyConsentApp({
          clientId: CLOUD_APP_SECURITY_CLIENT_ID,
          clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
        }),
      ),
      SSO_APP_CLIENT_ID: CLOUD_APP_SECURITY_API_CLIENT_ID,
      AAD_APP_ID_URI: CLOUD_APP_SECURITY_API_ID_URI,
      DATA_DIR: dataDir,
      SECRET_DATA_ENCRYPTION_KEY: key,
      SECRET_BOT_API_KEY: botKey,
      EWS_CONSENT_ENABLED: String(options.ewsEnabled ?? true),
      LOG_LEVEL: 'debug',
      ...options.environment,
      ...restart,
    });
    return startApi(config, { logger });
  }
  let api = await launch();

  const control = (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> =>
    emulatorControl(emulator.origin, method, path, body);

  async function call<T>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<ApiAnswer<T>> {
    const response = await fetch(`${api.origin}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = await readAnswer<T>(response, method);
    responseBodies.push(answer.text);
    return answer;
  }

  async function consentStep(
    token: string,
    startPath: string,
    upn: string,
    password: string,
    button: 'Accept' | 'Cancel' = 'Accept',
  ): Promise<Record<string, unknown>> {
    const started = await call<{ url: string }>('POST', startPath, token);
    if (started.status !== 200) throw new Error(`consent start failed: ${started.text}`);
    const browser = new FormBrowser(emulator.origin);
    const signIn = await browser.open(started.body.url);
    const consentPage = await browser.submit(signIn, { loginfmt: upn, passwd: password }, 'Sign in');
    const done = await browser.submit(consentPage, {}, button);
    if (!done.callback) throw new Error(`no redirect: ${pageText(done.html).slice(0, 300)}`);
    // The redirect names localhost; the API listens on 127.0.0.1.
    const landing = new URL(done.callback);
    landing.hostname = '127.0.0.1';
    const page = (await readAnswer(await fetch(landing))).text;
    responseBodies.push(page);
    return consentOutcomeOf(page) as unknown as Record<string, unknown>;
  }

  return {
    emulator,
    get api() {
      return api;
    },
    logLines,
    responseBodies,
    botKey,
    control,
    async ssoToken(tenantId, upn) {
      return String((await control('POST', `/tenants/${tenantId}/sso-token`, { upn })).token);
    },
    call,
    consentStep,
    async consentService(token, service, upn, password) {
      const steps =
        service === 'exchangeOnline' && options.ewsEnabled !== false
          ? ['exchangeWebServices', 'microsoftGraph']
          : ['microsoftGraph'];
      for (const step of steps) {
        const result = await consentStep(token, `/api/services/${service}/consent/${step}`, upn, password);
        if (result.ok !== true)
          throw new Error(`consent ${service}/${step} failed: ${JSON.stringify(result)}`);
      }
    },
    async freshApi() {
      await api.close();
      api = await launch();
    },
    async restartApi(environment) {
      await api.close();
      api = await launch(environment);
    },
    async close() {
      await api.close();
      await emulator.close();
      for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
