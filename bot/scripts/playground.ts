/**
 * `npm run playground`: the Microsoft 365 Agents Playground against the local bot, playing
 * Contoso's Global Administrator from the local Microsoft 365 emulator, for a person to try the
 * bot in a browser. Start the emulator, API and bot first (`npm start`).
 *
 * Variables: BOT_ENDPOINT (default http://127.0.0.1:3978/api/messages), TEAMSAPPTESTER_PORT
 * (default 56150), EMULATOR_ORIGIN (default https://127.0.0.1:5443), PLAYGROUND_USER_UPN (default
 * admin@contoso.onmicrosoft.com), TEAMSAPPTESTER_BROWSER (`none` to not open a browser).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { playgroundConfigYaml } from '../e2e/playground-config.js';
import type { PlaygroundUser } from '../e2e/playground-config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const botEndpoint = process.env.BOT_ENDPOINT ?? 'http://127.0.0.1:3978/api/messages';
const port = process.env.TEAMSAPPTESTER_PORT ?? '56150';
const emulatorOrigin = process.env.EMULATOR_ORIGIN ?? 'https://127.0.0.1:5443';
const upn = process.env.PLAYGROUND_USER_UPN ?? 'admin@contoso.onmicrosoft.com';
const caPath = join(root, '.data/emulator/tls/ca.pem');

/** GET a control-API path of the emulator, trusting its local CA. */
function emulatorGet<T>(path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const ca = existsSync(caPath) ? readFileSync(caPath) : undefined;
    const call = request(new URL(`/_emulator${path}`, emulatorOrigin), { ca, timeout: 3_000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        response.statusCode === 200
          ? resolve(JSON.parse(body) as T)
          : reject(new Error(`${response.statusCode} ${body}`)),
      );
    });
    call.on('timeout', () => call.destroy(new Error('timed out')));
    call.on('error', reject);
    call.end();
  });
}

async function signedInUser(): Promise<{ tenantId: string; user: PlaygroundUser }> {
  const domain = upn.split('@')[1] ?? '';
  const tenant = await emulatorGet<{ id: string }>(`/tenants/${encodeURIComponent(domain)}`);
  const user = await emulatorGet<{ id: string; displayName: string }>(
    `/tenants/${encodeURIComponent(tenant.id)}/users/${encodeURIComponent(upn)}`,
  );
  return {
    tenantId: tenant.id,
    user: { aadObjectId: user.id, name: user.displayName, userPrincipalName: upn },
  };
}

let identity: { tenantId: string; user: PlaygroundUser };
try {
  identity = await signedInUser();
} catch (error) {
  console.error(
    `Could not read ${upn} from the Microsoft 365 emulator at ${emulatorOrigin} (${error instanceof Error ? error.message : String(error)}).\n` +
      'Start it first (npm start, or npm run emulator), so the bot acts for a real Global Administrator.',
  );
  process.exit(1);
}

const health = await fetch(new URL('/healthz', botEndpoint)).catch(() => undefined);
if (health?.ok !== true) console.warn(`The bot does not answer at ${botEndpoint} yet; start it (npm start).`);

const workDir = join(root, '.data/playground');
mkdirSync(workDir, { recursive: true });
const configPath = join(workDir, '.m365agentsplayground.yml');
writeFileSync(configPath, playgroundConfigYaml(identity.tenantId, identity.user));
console.log(`Playground: http://127.0.0.1:${port} as ${upn} (tenant ${identity.tenantId}) → ${botEndpoint}`);

const cli = createRequire(import.meta.url).resolve('@microsoft/m365agentsplayground/cli.js');
const child = spawn(
  process.execPath,
  [
    cli,
    'start',
    '--port',
    port,
    '--app-endpoint',
    botEndpoint,
    '--channel-id',
    'msteams',
    '--disable-telemetry',
  ],
  {
    cwd: workDir,
    env: {
      ...process.env,
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
      TEAMSAPPTESTER_LOGFILE: join(workDir, 'playground.log'),
    },
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
