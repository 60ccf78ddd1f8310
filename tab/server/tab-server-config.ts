/**
 * The tab server's configuration from the environment (names as in `env/` and `teamsapp.yml`),
 * with local defaults: the emulator as authority, its CA's leaf certificate, the API on 3979.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TabServerOptions } from './tab-server.js';

/** The API's app registration in the local emulator (a development constant, not a secret). */
const LOCAL_API_CLIENT_ID = 'a91c0de5-7ab0-4a11-8e55-5ec0a55a0002';
/**
 * The consent apps (one per consent step) and their client id variables, with the emulator's
 * development registrations as defaults (constants too, m365-emulator/README.md).
 */
const CONSENT_APP_CLIENT_IDS: readonly (readonly [string, string])[] = [
  ['EXCHANGE_EWS_APP_CLIENT_ID', 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a011'],
  ['EXCHANGE_GRAPH_APP_CLIENT_ID', 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a012'],
  ['SHAREPOINT_APP_CLIENT_ID', 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a013'],
  ['ONEDRIVE_APP_CLIENT_ID', 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a014'],
];

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The tab server's configuration was invalid; the message names every bad variable. */
export class TabConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid tab configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'TabConfigError';
  }
}

/** Reads TAB_PORT, API_ORIGIN, AAD_APP_OAUTH_AUTHORITY_HOST, SSO_APP_CLIENT_ID / AAD_APP_CLIENT_ID, AAD_APP_ID_URI, the consent apps' <APP>_CLIENT_ID, API_PUBLIC_URL / TAB_ORIGIN, TAB_TLS_CERT_FILE, TAB_TLS_KEY_FILE, TAB_DIST_DIR. */
export function loadTabServerOptions(
  environment: Record<string, string | undefined> = process.env,
): TabServerOptions {
  const get = (name: string): string | undefined =>
    environment[name] === '' ? undefined : environment[name];
  const problems: string[] = [];
  const port = Number(get('TAB_PORT') ?? '53000');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push('TAB_PORT: must be a port number (0-65535)');
  const urlOf = (name: string, fallback: string): string => {
    const value = get(name) ?? fallback;
    try {
      return new URL(value).origin;
    } catch {
      problems.push(`${name}: must be a URL`);
      return fallback;
    }
  };
  const apiOrigin = urlOf('API_ORIGIN', 'http://127.0.0.1:3979');
  const authority = urlOf('AAD_APP_OAUTH_AUTHORITY_HOST', 'https://127.0.0.1:5443');
  const clientId = get('SSO_APP_CLIENT_ID') ?? get('AAD_APP_CLIENT_ID') ?? LOCAL_API_CLIENT_ID;
  const idUri = get('AAD_APP_ID_URI') ?? `api://localhost/${clientId}`;
  // The consents the start page may forward to: our consent apps' client ids and the API's
  // callback, built from the same variables the API builds them from (API_PUBLIC_URL, else TAB_ORIGIN).
  const consentClientIds = CONSENT_APP_CLIENT_IDS.map(([name, local]) => get(name) ?? local);
  const apiPublicOrigin = urlOf('API_PUBLIC_URL', urlOf('TAB_ORIGIN', `https://localhost:${port}`));
  const certFile = get('TAB_TLS_CERT_FILE') ?? `${repoRoot}.data/emulator/tls/server.pem`;
  const keyFile = get('TAB_TLS_KEY_FILE') ?? `${repoRoot}.data/emulator/tls/server-key.pem`;
  const read = (name: string, path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      problems.push(`${name}: cannot read ${path} (start the emulator once to create the local certificate)`);
      return '';
    }
  };
  const cert = read('TAB_TLS_CERT_FILE', certFile);
  const key = read('TAB_TLS_KEY_FILE', keyFile);
  if (problems.length > 0) throw new TabConfigError(problems);
  return {
    port,
    apiOrigin,
    distDir: get('TAB_DIST_DIR') ?? `${repoRoot}tab/dist`,
    tls: { cert, key },
    config: {
      authority,
      clientId,
      scope: `${idUri}/access_as_user`,
      consentClientIds,
      consentRedirectUri: `${apiPublicOrigin}/api/consent/callback`,
    },
  };
}
