// The headers every tab server answer carries: a Content-Security-Policy that allows the tab's own
// scripts only and the Teams hosts as frame ancestors, `nosniff` and a Referrer-Policy — on the
// app, its static files, the runtime configuration, the refusals and the proxied API alike.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DATA_DIR, ensureTlsMaterial } from '@cas/m365-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTabServer, type RunningTabServer } from './tab-server.js';

const AUTHORITY = 'https://127.0.0.1:5443';
let tab: RunningTabServer;
let ca: string;
let temp: string;

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'cas-tab-headers-'));
  const distDir = join(temp, 'dist');
  mkdirSync(join(distDir, 'assets'), { recursive: true });
  writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>tab</title>');
  writeFileSync(join(distDir, 'assets', 'index-abc.js'), 'console.log(1);');
  const tls = ensureTlsMaterial({ dir: join(DEFAULT_DATA_DIR, 'tls') });
  ca = tls.caPem;
  tab = await startTabServer({
    port: 0,
    // Nothing listens there: the proxy's own 502 must carry the headers too.
    apiOrigin: 'http://127.0.0.1:9',
    distDir,
    tls: { cert: tls.certPem, key: tls.keyPem },
    config: {
      authority: AUTHORITY,
      clientId: 'client',
      scope: 'api://x/access_as_user',
      consentClientIds: ['client'],
      consentRedirectUri: 'https://localhost:53000/api/consent/callback',
      teamsHostOrigins: ['https://host.example'],
    },
  });
}, 60_000);

afterAll(async () => {
  await tab?.close();
  if (temp) rmSync(temp, { recursive: true, force: true });
});

function headersOf(
  path: string,
  server: RunningTabServer = tab,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(`https://localhost:${server.port}${path}`, { ca }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The policy as directive → sources. */
function directives(policy: unknown): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of String(policy ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) map.set(name, sources);
  }
  return map;
}

describe('the tab server sends security headers', () => {
  it.each([['/'], ['/dashboard'], ['/assets/index-abc.js'], ['/config.json'], ['/api/me'], ['/%E0']])(
    '%s carries a real Content-Security-Policy, nosniff and a Referrer-Policy',
    async (path) => {
      const { headers } = await headersOf(path);
      const policy = directives(headers['content-security-policy']);
      expect(policy.get('default-src')).toEqual(["'self'"]);
      // Only our own files run: no inline script, no eval, no plugin content, no <base> rewrite.
      expect(policy.get('script-src')).toEqual(["'self'"]);
      expect(policy.get('object-src')).toEqual(["'none'"]);
      expect(policy.get('base-uri')).toEqual(["'none'"]);
      // MSAL talks to the authority, nothing else leaves the origin.
      expect(policy.get('connect-src')).toContain(AUTHORITY);
      // Teams, the Microsoft 365 app and Outlook (Microsoft's tab requirements), plus the configured host.
      expect(policy.get('frame-ancestors')).toEqual([
        "'self'",
        'https://teams.microsoft.com',
        'https://*.teams.microsoft.com',
        'https://*.cloud.microsoft',
        'https://*.microsoft365.com',
        'https://*.office.com',
        'https://outlook.office365.com',
        'https://host.example',
      ]);
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      // Not on localhost: it would switch every local port of the machine to HTTPS.
      expect(headers['strict-transport-security']).toBeUndefined();
    },
  );

  it('a deployment on its own host name also sends Strict-Transport-Security', async () => {
    const tls = ensureTlsMaterial({ dir: join(DEFAULT_DATA_DIR, 'tls') });
    const deployed = await startTabServer({
      port: 0,
      publicHost: 'tab.contoso.example',
      apiOrigin: 'http://127.0.0.1:9',
      distDir: join(temp, 'dist'),
      tls: { cert: tls.certPem, key: tls.keyPem },
      config: {
        authority: AUTHORITY,
        clientId: 'client',
        scope: 'api://x/access_as_user',
        consentClientIds: ['client'],
        consentRedirectUri: 'https://tab.contoso.example/api/consent/callback',
      },
    });
    try {
      const { headers } = await headersOf('/', deployed);
      expect(headers['strict-transport-security']).toBe('max-age=31536000');
    } finally {
      await deployed.close();
    }
  });
});
