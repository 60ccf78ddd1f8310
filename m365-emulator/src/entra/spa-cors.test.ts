/**
 * Contract: a single-page app (msal-browser in the tab) reads discovery and keys and redeems codes
 * from another origin, so those endpoints answer CORS (preflight included); the interactive pages do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTOSO_TENANT_ID, startEmulator, type RunningEmulator } from '../index.js';

const TAB_ORIGIN = 'https://localhost:53000';
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

describe('CORS for single-page apps', () => {
  it.each([
    ['GET', `/${CONTOSO_TENANT_ID}/v2.0/.well-known/openid-configuration`],
    ['GET', '/organizations/v2.0/.well-known/openid-configuration'],
    ['GET', `/${CONTOSO_TENANT_ID}/discovery/v2.0/keys`],
    ['POST', `/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`],
  ])('%s %s allows any origin', async (method, path) => {
    const response = await fetch(`${emulator.origin}${path}`, {
      method,
      headers: {
        Origin: TAB_ORIGIN,
        ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'POST' ? { body: 'grant_type=authorization_code' } : {}),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers the token endpoint preflight with the requested headers', async () => {
    const response = await fetch(`${emulator.origin}/${CONTOSO_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'OPTIONS',
      headers: {
        Origin: TAB_ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-client-sku',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type,x-client-sku');
  });

  it('keeps the interactive pages same-origin', async () => {
    const response = await fetch(`${emulator.origin}/${CONTOSO_TENANT_ID}/oauth2/v2.0/authorize`, {
      headers: { Origin: TAB_ORIGIN },
      redirect: 'manual',
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${emulator.origin}/${CONTOSO_TENANT_ID}/oauth2/v2.0/authorize`, {
      method: 'OPTIONS',
      headers: { Origin: TAB_ORIGIN, 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(405);
  });
});
