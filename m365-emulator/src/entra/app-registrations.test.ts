import { describe, expect, it } from 'vitest';
import {
  AppRegistry,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  redirectUrisMatch,
} from './app-registrations.js';

describe('redirectUrisMatch', () => {
  it.each([
    ['https://app.example/cb', 'https://app.example/cb', true],
    ['https://app.example/cb', 'https://app.example/cb/', false],
    ['https://app.example/cb', 'https://app.example:8443/cb', false],
    ['https://localhost/api/consent/callback', 'https://localhost:7443/api/consent/callback', true],
    ['https://localhost/api/consent/callback', 'http://localhost:7443/api/consent/callback', false],
    ['https://localhost/api/consent/callback', 'https://localhost:7443/api/consent/other', false],
    ['http://127.0.0.1/cb', 'http://127.0.0.1:50123/cb', true],
    ['https://localhost/cb', 'https://127.0.0.1:7443/cb', false],
    ['https://localhost/cb', 'not a url', false],
  ])('%s vs %s → %s', (registered, presented, expected) => {
    expect(redirectUrisMatch(registered, presented)).toBe(expected);
  });
});

describe('AppRegistry.checkSecret', () => {
  const now = Date.UTC(2025, 0, 1);
  it.each([
    ['the development secret', CLOUD_APP_SECURITY_CLIENT_SECRET, now, 'valid'],
    ['no secret', undefined, now, 'missing'],
    ['another value', 'nope', now, 'wrong'],
    [
      'the secret after its expiry',
      CLOUD_APP_SECURITY_CLIENT_SECRET,
      now + 800 * 24 * 3600 * 1000,
      'expired',
    ],
  ])('%s → %s', (_name, secret, at, expected) => {
    const registry = new AppRegistry({ now });
    const app = registry.get(CLOUD_APP_SECURITY_CLIENT_ID);
    expect(app && registry.checkSecret(app, secret, at)).toBe(expected);
  });

  it('rotating replaces the old secret unless asked to keep it, and reset restores it', () => {
    const registry = new AppRegistry({ now });
    const app = registry.get(CLOUD_APP_SECURITY_CLIENT_ID);
    const fresh = registry.rotateSecret(CLOUD_APP_SECURITY_CLIENT_ID, { now });
    expect(app && registry.checkSecret(app, CLOUD_APP_SECURITY_CLIENT_SECRET, now)).toBe('wrong');
    expect(app && registry.checkSecret(app, fresh?.value, now)).toBe('valid');
    registry.reset();
    const restored = registry.get(CLOUD_APP_SECURITY_CLIENT_ID);
    expect(restored && registry.checkSecret(restored, CLOUD_APP_SECURITY_CLIENT_SECRET, now)).toBe('valid');
  });
});
