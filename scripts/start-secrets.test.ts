// `npm start` and its secrets, as a person runs it: the local secrets file is readable by its
// owner only (mode 600, narrowed when it was wider), each process holds only the secrets its
// configuration reads (read from the running processes' own environment), a secret of the
// developer's shell reaches none of them, and no part's log carries a secret or a token.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { CONTOSO_ADMIN_UPN, CONTOSO_TENANT_ID, DEVELOPMENT_CONSENT_APPS } from '@cas/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'cas-start-secrets-'));
const userEnvFile = join(dataDir, 'env.local.user');
const DEVELOPER_SECRET = 'a-token-of-the-developers-shell';
/** The consent apps' client secrets (the emulator's development values). */
const CONSENT_APP_SECRETS = [
  'SECRET_EXCHANGE_EWS_APP_CLIENT_SECRET',
  'SECRET_EXCHANGE_GRAPH_APP_CLIENT_SECRET',
  'SECRET_SHAREPOINT_APP_CLIENT_SECRET',
  'SECRET_ONEDRIVE_APP_CLIENT_SECRET',
];
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
let child: ChildProcess | undefined;
let output = '';
const ports: Record<string, number> = {};

/** Each part's entry script, as `npm start` runs it. */
const ENTRIES = {
  emulator: 'm365-emulator/src/main.ts',
  api: 'api/src/bin.ts',
  worker: 'worker/src/bin.ts',
  bot: 'bot/src/main.ts',
  tab: 'tab/server/main.ts',
} as const;
type PartName = keyof typeof ENTRIES;
const environments = new Map<PartName, Record<string, string>>();
/** Tokens sent to the API while it ran. */
const logsTokens: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process whose ancestry leads to `pid`, with its command line. */
function descendants(pid: number): { pid: number; cmdline: string }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: { pid: number; cmdline: string }[] = [];
  for (const candidate of parents.keys()) {
    for (let up = parents.get(candidate); up !== undefined && up > 1; up = parents.get(up)) {
      if (up === pid) {
        try {
          found.push({
            pid: candidate,
            cmdline: readFileSync(`/proc/${candidate}/cmdline`, 'utf8').replaceAll('\0', ' '),
          });
        } catch {
          // Gone meanwhile.
        }
        break;
      }
    }
  }
  return found;
}

/** POSTs JSON to the emulator, trusting the CA this run of `npm start` created. */
function postOverTls(url: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const ca = readFileSync(join(dataDir, 'emulator', 'tls', 'ca.pem'));
    const req = httpsRequest(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The environment a running process was started with. */
function environmentOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(
    entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

beforeAll(async () => {
  for (const name of ['EMULATOR_PORT', 'API_PORT', 'BOT_PORT', 'TAB_PORT', 'SMTP_PORT', 'MAIL_VIEWER_PORT'])
    ports[name] = await freePort();
  // A secrets file someone made by hand, readable by everyone: npm start must narrow it.
  writeFileSync(userEnvFile, 'SECRET_DATA_ENCRYPTION_KEY=\n');
  chmodSync(userEnvFile, 0o644);
  child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(ports).map(([name, value]) => [name, String(value)])),
      CAS_DATA_DIR: dataDir,
      CAS_USER_ENV_FILE: userEnvFile,
      CAS_START_QUIET: '1',
      TAB_DIST_DIR: join(dataDir, 'tab-dist'),
      DATABASE_URL: '',
      LOG_LEVEL: 'debug',
      // As a developer's shell may hold them.
      SECRET_OF_ANOTHER_PROJECT: DEVELOPER_SECRET,
      GITHUB_TOKEN: DEVELOPER_SECRET,
    },
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const deadline = Date.now() + 240_000;
  while (!output.includes('Press Ctrl-C to stop.') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((wake) => setTimeout(wake, 500));
  }
  expect(output).toContain('Cloud App Security is running locally.');
  const running = descendants(child.pid ?? 0);
  for (const [part, entry] of Object.entries(ENTRIES) as [PartName, string][]) {
    const process = running.find((candidate) => candidate.cmdline.includes(entry));
    if (process) environments.set(part, environmentOf(process.pid));
  }
  // Some traffic for the logs: a signed-in call through the tab's proxy, and a refused one.
  const minted = JSON.parse(
    await postOverTls(
      `https://127.0.0.1:${ports.EMULATOR_PORT}/_emulator/tenants/${CONTOSO_TENANT_ID}/sso-token`,
      { upn: CONTOSO_ADMIN_UPN },
    ),
  ) as { token: string };
  const api = `http://127.0.0.1:${ports.API_PORT}`;
  await (
    await fetch(`${api}/api/provisioning`, { headers: { authorization: `Bearer ${minted.token}` } })
  ).text();
  await (
    await fetch(`${api}/api/provisioning`, {
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    })
  ).text();
  logsTokens.push(minted.token);
}, 300_000);

afterAll(async () => {
  const pid = child?.pid;
  if (pid !== undefined && groupAlive(pid)) {
    process.kill(-pid, 'SIGINT');
    const settled = Date.now() + 20_000;
    while (groupAlive(pid) && Date.now() < settled) await new Promise((wake) => setTimeout(wake, 200));
    if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('npm start keeps secrets where they belong', () => {
  it('writes the local secrets file readable by its owner only (mode 600), narrowing a wider one', () => {
    expect((statSync(userEnvFile).mode & 0o777).toString(8)).toBe('600');
    expect(parseEnv(readFileSync(userEnvFile, 'utf8')).SECRET_DATA_ENCRYPTION_KEY).toMatch(
      /^[A-Za-z0-9+/]{43}=$/,
    );
  });

  it('gives each process only the secrets it needs', () => {
    const secretsOf = (part: PartName): string[] =>
      Object.entries(environments.get(part) ?? {})
        .filter(([name, value]) => name.startsWith('SECRET_') && value !== '')
        .map(([name]) => name)
        .sort();
    expect([...environments.keys()].sort()).toEqual(['api', 'bot', 'emulator', 'tab', 'worker']);
    expect({
      emulator: secretsOf('emulator'),
      api: secretsOf('api'),
      worker: secretsOf('worker'),
      bot: secretsOf('bot'),
      tab: secretsOf('tab'),
    }).toEqual({
      emulator: [],
      api: [...CONSENT_APP_SECRETS, 'SECRET_BOT_API_KEY', 'SECRET_DATA_ENCRYPTION_KEY'].sort(),
      worker: [...CONSENT_APP_SECRETS, 'SECRET_DATA_ENCRYPTION_KEY'].sort(),
      bot: ['SECRET_BOT_API_KEY', 'SECRET_DATA_ENCRYPTION_KEY'],
      tab: [],
    });
  });

  it('lets no value of a secret reach a part that does not need it, under any name', () => {
    const api = environments.get('api') ?? {};
    const values = {
      encryptionKey: api.SECRET_DATA_ENCRYPTION_KEY ?? '',
      botKey: api.SECRET_BOT_API_KEY ?? '',
      clientSecret: DEVELOPMENT_CONSENT_APPS.sharePointOnlineGraph.clientSecret,
      developer: DEVELOPER_SECRET,
    };
    expect(values.encryptionKey).not.toBe('');
    const holders = (value: string): string[] =>
      [...environments.entries()]
        .filter(([, environment]) => Object.values(environment).some((each) => each.includes(value)))
        .map(([part]) => part)
        .sort();
    expect({
      encryptionKey: holders(values.encryptionKey),
      botKey: holders(values.botKey),
      clientSecret: holders(values.clientSecret),
      developer: holders(values.developer),
    }).toEqual({
      encryptionKey: ['api', 'bot', 'worker'],
      botKey: ['api', 'bot'],
      clientSecret: ['api', 'worker'],
      developer: [],
    });
  });

  it("leaves no secret and no token in any part's log", () => {
    const api = environments.get('api') ?? {};
    const logs = readdirSync(join(dataDir, 'logs')).map((name) => ({
      name,
      text: readFileSync(join(dataDir, 'logs', name), 'utf8'),
    }));
    expect(logs.map((log) => log.name).sort()).toEqual([
      'api.log',
      'bot.log',
      'emulator.log',
      'tab.log',
      'worker.log',
    ]);
    const secrets = [
      api.SECRET_DATA_ENCRYPTION_KEY ?? '',
      api.SECRET_BOT_API_KEY ?? '',
      ...Object.values(DEVELOPMENT_CONSENT_APPS).map((app) => app.clientSecret),
    ];
    for (const log of logs) {
      // The emulator prints its own development secret on purpose: a published constant of it.
      const published = Object.values(DEVELOPMENT_CONSENT_APPS).map((app) => app.clientSecret);
      const relevant = log.name === 'emulator.log' ? secrets.filter((s) => !published.includes(s)) : secrets;
      expect({ log: log.name, secrets: relevant.filter((secret) => log.text.includes(secret)) }).toEqual({
        log: log.name,
        secrets: [],
      });
      const signatures = logsTokens.map((token) => token.split('.')[2] ?? token);
      expect({
        log: log.name,
        token: JWT.test(log.text) || signatures.some((s) => log.text.includes(s)),
      }).toEqual({
        log: log.name,
        token: false,
      });
    }
  });
});
