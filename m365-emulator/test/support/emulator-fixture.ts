/** Shared set-up of the contract tests: an emulator on a random port and helpers around it. */
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import {
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  startEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from '../../src/index.js';
import { emulatorControl } from './testing.js';

/** Starts an emulator for one test file (throttling off unless asked: these tests are about Entra). */
export function launchEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ throttling: false, ...options });
}

/** A msal-node confidential client for "Cloud App Security" against one tenant of the emulator. */
export function confidentialClient(
  emulator: RunningEmulator,
  tenant: string,
  auth: Partial<Configuration['auth']> = {},
): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: CLOUD_APP_SECURITY_CLIENT_ID,
      clientSecret: CLOUD_APP_SECURITY_CLIENT_SECRET,
      authority: emulator.authority(tenant),
      knownAuthorities: [emulator.host],
      ...auth,
    },
  });
}

/** Calls the control API and returns the parsed JSON (throws on a non-2xx answer). */
export function control<T = Record<string, unknown>>(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  return emulatorControl<T>(emulator.origin, method, path, body);
}

/** Decodes a JWT's header and payload without verifying it (tests assert on claims). */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header = '', payload = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}
