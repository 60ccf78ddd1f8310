import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, loadBotConfig } from './config.js';

const key = randomBytes(32).toString('base64');
const minimal = { SECRET_BOT_API_KEY: key, SECRET_DATA_ENCRYPTION_KEY: key };
/** What `npm start` adds: the development setting and the local emulator as authority. */
const local = {
  ...minimal,
  BOT_AUTHENTICATION: 'none',
  AAD_APP_OAUTH_AUTHORITY_HOST: 'https://127.0.0.1:5443',
};

describe('loadBotConfig', () => {
  it('runs locally with the explicit development setting: loopback, port 3978, authentication none', () => {
    const config = loadBotConfig(local);
    expect(config).toMatchObject({
      BOT_AUTHENTICATION: 'none',
      BOT_HOST: '127.0.0.1',
      BOT_PORT: 3978,
      API_ORIGIN: 'http://127.0.0.1:3979',
    });
  });

  it('defaults to Bot Framework authentication and the production authority', () => {
    const config = loadBotConfig({ ...minimal, BOT_ID: 'app', SECRET_BOT_PASSWORD: 'p', BOT_TENANT_ID: 't' });
    expect(config).toMatchObject({
      BOT_AUTHENTICATION: 'botFramework',
      AAD_APP_OAUTH_AUTHORITY_HOST: 'https://login.microsoftonline.com',
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadBotConfig({ ...local, BOT_ID: '', BOT_PORT: '' }).BOT_PORT).toBe(3978);
  });

  it.each([
    [{}, 'BOT_ID: required with Bot Framework authentication'],
    [{ BOT_HOST: '0.0.0.0' }, 'BOT_ID: required with Bot Framework authentication'],
    [{ BOT_AUTHENTICATION: 'none' }, 'BOT_AUTHENTICATION: none is refused with the authority'],
    [
      { BOT_AUTHENTICATION: 'none', AAD_APP_OAUTH_AUTHORITY_HOST: 'https://login.microsoftonline.us' },
      'BOT_AUTHENTICATION: none is refused with the authority',
    ],
    [
      {
        BOT_AUTHENTICATION: 'none',
        AAD_APP_OAUTH_AUTHORITY_HOST: 'https://127.0.0.1:5443',
        BOT_HOST: '0.0.0.0',
      },
      'BOT_HOST: 0.0.0.0 is not a loopback address',
    ],
    [{ BOT_AUTHENTICATION: 'off' }, 'BOT_AUTHENTICATION'],
    [{ BOT_ID: 'app', BOT_TENANT_ID: 't' }, 'SECRET_BOT_PASSWORD: required with BOT_ID'],
    [{ BOT_ID: 'app', SECRET_BOT_PASSWORD: 'p' }, 'BOT_TENANT_ID: required with BOT_ID'],
    [{ SECRET_BOT_API_KEY: 'c2hvcnQ=' }, 'SECRET_BOT_API_KEY'],
    [{ BOT_PORT: '70000' }, 'BOT_PORT'],
    [{ API_ORIGIN: 'ftp://x' }, 'API_ORIGIN'],
  ])('refuses %j', (variables, problem) => {
    expect(() => loadBotConfig({ ...minimal, ...variables })).toThrow(ConfigError);
    try {
      loadBotConfig({ ...minimal, ...variables });
    } catch (error) {
      expect((error as ConfigError).problems.join('\n')).toContain(problem);
    }
  });

  it('names every bad variable at once', () => {
    expect(() => loadBotConfig({})).toThrow(/SECRET_BOT_API_KEY[\s\S]*SECRET_DATA_ENCRYPTION_KEY/);
  });

  it('accepts a SingleTenant registration on any host', () => {
    const config = loadBotConfig({
      ...minimal,
      BOT_ID: 'app',
      SECRET_BOT_PASSWORD: 'p',
      BOT_TENANT_ID: 't',
      BOT_HOST: '0.0.0.0',
    });
    expect(config.BOT_HOST).toBe('0.0.0.0');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.5', false],
    ['bot.example.com', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
