/**
 * `npm run emulator`: starts the Microsoft 365 emulator alone on a fixed port and prints what a
 * developer needs to point the product (or msal-node and the Graph SDK) at it.
 */
import { developmentSignIns } from './directory/index.js';
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  DEVELOPMENT_CONSENT_APPS,
} from './entra/app-registrations.js';
import { startEmulator, type RunningEmulator } from './server.js';

const DEFAULT_PORT = 5443;

/** Reads `EMULATOR_PORT` (default 5443), failing clearly on a bad value. */
function portFromEnvironment(): number {
  const raw = process.env.EMULATOR_PORT;
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`EMULATOR_PORT must be a TCP port number (0–65535), got '${raw}'.`);
  }
  return port;
}

/** Reads `EMULATOR_PERSIST` (`on`, the default, or `off`), failing clearly on another value. */
function persistFromEnvironment(): boolean {
  const raw = (process.env.EMULATOR_PERSIST ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`EMULATOR_PERSIST must be 'on' or 'off', got '${process.env.EMULATOR_PERSIST ?? ''}'.`);
}

/** One banner line saying where state is kept and what was restored. */
function describeState(emulator: RunningEmulator): string[] {
  if (!emulator.statePath)
    return ['Saved state: off (EMULATOR_PERSIST=off): consent and changes last until Ctrl-C.'];
  const restored = emulator.restoredState;
  const summary = restored
    ? `restored ${restored.servicePrincipals} service principal(s), changes in ${restored.tenantsChanged} tenant(s), ${restored.tenantsAdded} added and ${restored.tenantsRemoved} removed tenant(s), ${restored.apps} changed app(s)`
    : 'nothing to restore';
  return [
    `Saved state:    ${emulator.statePath}  (${summary})`,
    '  Consent, app registration and directory changes survive restarts; POST /_emulator/reset forgets them.',
  ];
}

/** Starts the emulator and keeps it running until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const emulator = await startEmulator({
    port: portFromEnvironment(),
    throttling: process.env.EMULATOR_THROTTLING !== 'off',
    dataDir: process.env.EMULATOR_DATA_DIR || undefined,
    persist: persistFromEnvironment(),
  });
  const tenants = emulator.directories.list();
  const lines = [
    '',
    `Microsoft 365 emulator listening on ${emulator.origin}`,
    '',
    `CA certificate: ${emulator.caPath}`,
    `  Trust it:  NODE_EXTRA_CA_CERTS=${emulator.caPath} (msal-node, Graph SDK, fetch)`,
    '  or pass its contents as `ca` to your HTTPS agent; browsers: import it as a trusted root.',
    '',
    'Tenants:',
    ...tenants.map(
      (tenant) =>
        `  ${tenant.displayName.padEnd(10)} ${tenant.id}  ${tenant.defaultDomain}  (${tenant.userCount} users, ${tenant.groupCount} groups)`,
    ),
    '',
    'Development sign-ins:',
    ...developmentSignIns().map(
      (signIn) =>
        `  ${signIn.upn.padEnd(34)} ${signIn.password.padEnd(20)} ${signIn.role} (${signIn.tenant})`,
    ),
    '',
    'App registrations (development values, not secrets):',
    ...Object.values(DEVELOPMENT_CONSENT_APPS).flatMap((app) => [
      `  ${app.displayName}`,
      `                          client id ${app.clientId}  secret ${app.clientSecret}`,
    ]),
    `  Cloud App Security (single registration, tests only)`,
    `                          client id ${CLOUD_APP_SECURITY_CLIENT_ID}  secret ${CLOUD_APP_SECURITY_CLIENT_SECRET}`,
    `  Cloud App Security API  client id ${CLOUD_APP_SECURITY_API_CLIENT_ID}`,
    `                          scope     ${CLOUD_APP_SECURITY_API_ID_URI}/access_as_user`,
    '',
    `Authority (msal-node):  ${emulator.origin}/<tenant id | domain | organizations>  with knownAuthorities ['${emulator.host}']`,
    `Graph base URL:         ${emulator.origin}/v1.0  (Graph SDK: customHosts ['127.0.0.1'])`,
    `Control API:            ${emulator.origin}/_emulator  (loopback only; see m365-emulator/README.md)`,
    ...describeState(emulator),
    '',
    'Press Ctrl-C to stop.',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the emulator…`);
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
