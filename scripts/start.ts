/**
 * `npm start`: runs the whole product on loopback with embedded defaults — the Microsoft 365
 * emulator, the API, the worker (with the local mail capture), the bot and the tab — each as its
 * own process, wired to the others, with state in `.data/`. Prints where everything is, and on
 * Ctrl-C stops every process it started before exiting.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  DEVELOPMENT_CONSENT_APPS,
  developmentSignIns,
} from '@cas/m365-emulator';
import { consentAppEnvironment } from '@cas/microsoft365';
import { partEnvironment, type PartName } from './start-environment.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(process.env.CAS_DATA_DIR ?? join(root, '.data'));
const envName = process.env.TEAMSFX_ENV ?? 'local';
// Tests point this at a temporary file so they never touch a developer's secrets.
// Tests build into their own folder, so they never race the tab's own tests over tab/dist.
const tabDist = resolve(process.env.TAB_DIST_DIR ?? join(root, 'tab', 'dist'));
const userEnvFile = resolve(process.env.CAS_USER_ENV_FILE ?? join(root, 'env', `.env.${envName}.user`));

/** A port from the environment, or its default. */
function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 65_535) {
    console.error(`npm start: ${name} must be a TCP port (1–65535), got '${raw ?? ''}'.`);
    process.exit(2);
  }
  return value;
}

const ports = {
  emulator: port('EMULATOR_PORT', 5443),
  api: port('API_PORT', 3979),
  bot: port('BOT_PORT', 3978),
  tab: port('TAB_PORT', 53000),
  smtp: port('SMTP_PORT', 2525),
  mailViewer: port('MAIL_VIEWER_PORT', 3982),
};

/** Reads a dotenv file into an object; a missing file is empty. */
function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    Object.entries(parseEnv(readFileSync(path, 'utf8'))).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

/** The `.user` file holds secrets: readable by its owner only (mode 600), however it was made. */
function keepPrivate(path: string): void {
  if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

/** Makes sure a generated local secret exists in the git-ignored `.user` file; returns its value. */
function ensureLocalSecret(name: string): string {
  keepPrivate(userEnvFile);
  const current = readEnvFile(userEnvFile)[name];
  if (current !== undefined && current !== '') return current;
  const value = randomBytes(32).toString('base64');
  mkdirSync(dirname(userEnvFile), { recursive: true });
  const text = existsSync(userEnvFile) ? readFileSync(userEnvFile, 'utf8') : '';
  // Fill an empty `NAME=` line (as in the .sample) rather than adding a second definition.
  const emptyLine = new RegExp(`^${name}=[ \\t]*$`, 'm');
  if (emptyLine.test(text))
    writeFileSync(userEnvFile, text.replace(emptyLine, `${name}=${value}`), { mode: 0o600 });
  else
    appendFileSync(userEnvFile, `${text === '' || text.endsWith('\n') ? '' : '\n'}${name}=${value}\n`, {
      mode: 0o600,
    });
  keepPrivate(userEnvFile);
  return value;
}

/** True when any file under `dir` is newer than `since`. */
function changedSince(dir: string, since: number): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() ? changedSince(path, since) : statSync(path).mtimeMs > since) return true;
  }
  return false;
}

/** Builds the tab's assets unless the build is newer than every source. */
function buildTab(): void {
  const marker = join(tabDist, 'index.html');
  const builtAt = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const sources = [
    'src',
    'public',
    'vite.config.ts',
    // Every page of the build (the app, the consent start page inside Teams).
    ...readdirSync(join(root, 'tab')).filter((name) => name.endsWith('.html')),
  ].map((name) => join(root, 'tab', name));
  const stale =
    builtAt === 0 ||
    sources.some(
      (path) =>
        existsSync(path) &&
        (statSync(path).isDirectory() ? changedSince(path, builtAt) : statSync(path).mtimeMs > builtAt),
    ) ||
    changedSince(join(root, 'core', 'src'), builtAt);
  if (!stale) return;
  console.log('npm start: building the tab…');
  const build = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--logLevel',
      'warn',
      '--outDir',
      tabDist,
      '--emptyOutDir',
    ],
    {
      cwd: join(root, 'tab'),
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) {
    console.error('npm start: the tab build failed; fix the errors above and run it again.');
    process.exit(build.status ?? 1);
  }
}

const files = { ...readEnvFile(join(root, 'env', `.env.${envName}`)), ...readEnvFile(userEnvFile) };
const secrets = {
  SECRET_DATA_ENCRYPTION_KEY: ensureLocalSecret('SECRET_DATA_ENCRYPTION_KEY'),
  SECRET_BOT_API_KEY: ensureLocalSecret('SECRET_BOT_API_KEY'),
};
const emulatorOrigin = `https://127.0.0.1:${ports.emulator}`;
const tabOrigin = `https://localhost:${ports.tab}`;
const apiOrigin = `http://127.0.0.1:${ports.api}`;
const caFile = join(dataDir, 'emulator', 'tls', 'ca.pem');

// Everything a part needs to reach the others locally. It wins over the env files, whose values
// describe the Teams Toolkit environment rather than this machine's ports.
const wiring: Record<string, string> = {
  DATA_DIR: dataDir,
  NODE_EXTRA_CA_CERTS: caFile,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  ...secrets,
  AAD_APP_OAUTH_AUTHORITY_HOST: emulatorOrigin,
  GRAPH_BASE_URL: emulatorOrigin,
  // Exchange Web Services, which Service Account probes while EWS_CONSENT_ENABLED.
  EWS_BASE_URL: emulatorOrigin,
  // The sign-in app (the tab's and the API's), then one consent app per consent step, as the
  // emulator registers them: development constants, not secrets (m365-emulator/README.md).
  AAD_APP_CLIENT_ID: CLOUD_APP_SECURITY_API_CLIENT_ID,
  ...consentAppEnvironment(DEVELOPMENT_CONSENT_APPS),
  SSO_APP_CLIENT_ID: CLOUD_APP_SECURITY_API_CLIENT_ID,
  AAD_APP_ID_URI: CLOUD_APP_SECURITY_API_ID_URI,
  EMULATOR_PORT: String(ports.emulator),
  EMULATOR_DATA_DIR: join(dataDir, 'emulator'),
  EMULATOR_PERSIST: 'on',
  API_HOST: '127.0.0.1',
  API_PORT: String(ports.api),
  TAB_ORIGIN: tabOrigin,
  // The tab server proxies /api, so the consent callback is on the tab's origin.
  API_PUBLIC_URL: tabOrigin,
  API_ORIGIN: apiOrigin,
  TAB_PORT: String(ports.tab),
  TAB_DIST_DIR: tabDist,
  TAB_TLS_CERT_FILE: join(dataDir, 'emulator', 'tls', 'server.pem'),
  TAB_TLS_KEY_FILE: join(dataDir, 'emulator', 'tls', 'server-key.pem'),
  // No Bot Framework registration locally: the explicit development setting (local clients only).
  BOT_AUTHENTICATION: 'none',
  BOT_ID: '',
  SECRET_BOT_PASSWORD: '',
  BOT_HOST: '127.0.0.1',
  BOT_PORT: String(ports.bot),
  SMTP_PORT: String(ports.smtp),
  MAIL_VIEWER_PORT: String(ports.mailViewer),
  // Graph change notifications (ADR 0014): the emulator posts to the API through the tab's /api
  // proxy, as Graph would to the public origin; subscriptions are looked after every 10 s locally.
  CHANGE_NOTIFICATION_URL: `${tabOrigin}/api/change-notifications`,
  CHANGE_SUBSCRIPTION_UPKEEP_SECONDS: '10',
};
if (process.env.DATABASE_URL) wiring.DATABASE_URL = process.env.DATABASE_URL;

/** One process of the product. */
interface Part {
  readonly name: PartName;
  readonly entry: string;
  /** Answers 2xx once the part is ready. */
  readonly health: string;
}

const parts: Part[] = [
  { name: 'api', entry: 'api/src/bin.ts', health: `${apiOrigin}/readyz` },
  { name: 'worker', entry: 'worker/src/bin.ts', health: `http://127.0.0.1:${ports.mailViewer}/` },
  { name: 'bot', entry: 'bot/src/main.ts', health: `http://127.0.0.1:${ports.bot}/healthz` },
  { name: 'tab', entry: 'tab/server/main.ts', health: `${tabOrigin}/config.json` },
];
const emulatorPart: Part = {
  name: 'emulator',
  entry: 'm365-emulator/src/main.ts',
  health: `${emulatorOrigin}/common/v2.0/.well-known/openid-configuration`,
};

const children: ChildProcess[] = [];
let stopping = false;
mkdirSync(join(dataDir, 'logs'), { recursive: true });

/** Starts a part; its output goes to `.data/logs/<name>.log` and, prefixed, to this console. */
function launch(part: Part): ChildProcess {
  const log = createWriteStream(join(dataDir, 'logs', `${part.name}.log`), { flags: 'a' });
  const child = spawn(
    process.execPath,
    // restify still touches a deprecated Node binding; the warning says nothing a user can act on.
    ['--conditions=source', '--disable-warning=DEP0111', '--import', 'tsx', join(root, part.entry)],
    {
      cwd: root,
      // Each part gets the secrets it needs and no other (scripts/start-environment.ts). The
      // emulator creates the CA the others trust, so it must not be told to load it first.
      env: partEnvironment(part.name, {
        ...process.env,
        ...files,
        ...wiring,
        ...(part === emulatorPart ? { NODE_EXTRA_CA_CERTS: '' } : {}),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const forward = (chunk: Buffer): void => {
    log.write(chunk);
    if (process.env.CAS_START_QUIET !== '1') {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') console.log(`[${part.name}] ${line}`);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  child.on('exit', (code, signal) => {
    log.end();
    if (!stopping) {
      console.error(
        `npm start: ${part.name} stopped (${signal ?? `exit code ${code}`}); stopping the rest. Its log: ${join(dataDir, 'logs', `${part.name}.log`)}`,
      );
      stop(1);
    }
  });
  children.push(child);
  return child;
}

/** GET over HTTP(S), trusting the emulator's CA; resolves with the status or 0 when unreachable. */
function probe(url: string): Promise<number> {
  return new Promise((resolvePromise) => {
    const target = new URL(url);
    if (target.protocol === 'http:') {
      fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (response) => resolvePromise(response.status),
        () => resolvePromise(0),
      );
      return;
    }
    const ca = existsSync(caFile) ? readFileSync(caFile) : undefined;
    const req = httpsRequest(target, { ca, timeout: 2000 }, (response) => {
      response.resume();
      resolvePromise(response.statusCode ?? 0);
    });
    req.on('error', () => resolvePromise(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Waits until a part answers its health URL, failing after `seconds`. */
async function waitFor(part: Part, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (stopping) return;
    const status = await probe(part.health);
    if (status >= 200 && status < 300) return;
    await new Promise((wake) => setTimeout(wake, 300));
  }
  console.error(`npm start: ${part.name} did not become ready at ${part.health} within ${seconds} s.`);
  stop(1);
}

/** Stops every child (SIGTERM, then SIGKILL after 10 s) and exits once they are all gone. */
function stop(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  if (running.length === 0) process.exit(exitCode);
  let left = running.length;
  const force = setTimeout(() => running.forEach((child) => child.kill('SIGKILL')), 10_000);
  for (const child of running) {
    child.once('exit', () => {
      left -= 1;
      if (left === 0) {
        clearTimeout(force);
        process.exit(exitCode);
      }
    });
    child.kill('SIGTERM');
  }
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

buildTab();
launch(emulatorPart);
await waitFor(emulatorPart, 60);
for (const part of parts) launch(part);
await Promise.all(parts.map((part) => waitFor(part, 90)));
if (!stopping) {
  const signIns = developmentSignIns();
  console.log(
    [
      '',
      'Cloud App Security is running locally.',
      '',
      `  Tab (open this)      ${tabOrigin}`,
      `  API                  ${apiOrigin}   (also at ${tabOrigin}/api; description at /api/openapi.json)`,
      `  Bot                  http://127.0.0.1:${ports.bot}/api/messages   (try it: npm run playground)`,
      `  Captured email       http://127.0.0.1:${ports.mailViewer}   (SMTP on 127.0.0.1:${ports.smtp})`,
      `  Microsoft 365        ${emulatorOrigin}   (local emulator of Entra ID and Graph)`,
      '',
      'Sign in with:',
      ...signIns.map(
        (signIn) =>
          `  ${signIn.upn.padEnd(34)} ${signIn.password.padEnd(20)} ${signIn.role} (${signIn.tenant})`,
      ),
      '',
      `Your browser must trust one local certificate authority: ${caFile}`,
      '  (import it once as a trusted root; docs/troubleshooting.md shows how per browser).',
      `State lives in ${dataDir} (npm run reset wipes it); logs in ${join(dataDir, 'logs')}.`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}
