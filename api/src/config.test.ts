import { consentAppEnvironment } from '@cas/microsoft365';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadApiConfig } from './config.js';

const key = Buffer.alloc(32, 7).toString('base64');
const APPS = consentAppEnvironment({
  exchangeOnlineEws: { clientId: 'ews', clientSecret: 's1' },
  exchangeOnlineGraph: { clientId: 'exo', clientSecret: 's2' },
  sharePointOnlineGraph: { clientId: 'spo', clientSecret: 's3' },
  oneDriveGraph: { clientId: 'od', clientSecret: 's4' },
});

describe('loadApiConfig', () => {
  it('reads one credential per consent app; without EWS the EWS app is not required', () => {
    const config = loadApiConfig({ AAD_APP_CLIENT_ID: 'sign-in', ...APPS, SECRET_DATA_ENCRYPTION_KEY: key });
    expect(config.consentApps.sharePointOnlineGraph).toEqual({ clientId: 'spo', clientSecret: 's3' });
    const {
      EXCHANGE_EWS_APP_CLIENT_ID: _id,
      SECRET_EXCHANGE_EWS_APP_CLIENT_SECRET: _secret,
      ...graphOnly
    } = APPS;
    expect(() =>
      loadApiConfig({ AAD_APP_CLIENT_ID: 'sign-in', ...graphOnly, SECRET_DATA_ENCRYPTION_KEY: key }),
    ).toThrow(/EXCHANGE_EWS_APP_CLIENT_ID/);
    const config2 = loadApiConfig({
      AAD_APP_CLIENT_ID: 'sign-in',
      ...graphOnly,
      SECRET_DATA_ENCRYPTION_KEY: key,
      EWS_CONSENT_ENABLED: 'false',
    });
    expect(config2.consentApps.exchangeOnlineEws).toBeUndefined();
  });

  it('applies production defaults: Entra and Graph in the Microsoft cloud', () => {
    const config = loadApiConfig({
      AAD_APP_CLIENT_ID: 'api-client',
      ...APPS,
      SECRET_DATA_ENCRYPTION_KEY: key,
    });
    expect(config.AAD_APP_OAUTH_AUTHORITY_HOST).toBe('https://login.microsoftonline.com');
    expect(config.GRAPH_BASE_URL).toBe('https://graph.microsoft.com');
    expect(config.API_PORT).toBe(3979);
    expect(config.EWS_CONSENT_ENABLED).toBe(true);
  });

  it('names every bad variable at once', () => {
    let caught: unknown;
    try {
      loadApiConfig({ API_PORT: 'eighty', SECRET_DATA_ENCRYPTION_KEY: 'short', GRAPH_BASE_URL: 'not a url' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toContain('API_PORT');
    expect(problems).toContain('SECRET_DATA_ENCRYPTION_KEY');
    expect(problems).toContain('GRAPH_BASE_URL');
    expect(problems).toContain('AAD_APP_CLIENT_ID');
    // Every Graph app and, with EWS on by default, the EWS app.
    for (const name of ['EXCHANGE_EWS_APP', 'EXCHANGE_GRAPH_APP', 'SHAREPOINT_APP', 'ONEDRIVE_APP'])
      expect(problems).toContain(`${name}_CLIENT_ID`);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('reads EWS_CONSENT_ENABLED=%s as %s', (value, expected) => {
    const config = loadApiConfig({
      AAD_APP_CLIENT_ID: 'api-client',
      ...APPS,
      SECRET_DATA_ENCRYPTION_KEY: key,
      EWS_CONSENT_ENABLED: value,
    });
    expect(config.EWS_CONSENT_ENABLED).toBe(expected);
  });

  it('treats empty values from env files as unset', () => {
    const config = loadApiConfig({
      AAD_APP_CLIENT_ID: 'api-client',
      ...APPS,
      SECRET_DATA_ENCRYPTION_KEY: key,
      API_PORT: '',
    });
    expect(config.API_PORT).toBe(3979);
  });

  it('reads the rate limit settings: budgets, shared store and trusted proxies', () => {
    const base = {
      AAD_APP_CLIENT_ID: 'api-client',
      ...APPS,
      SECRET_DATA_ENCRYPTION_KEY: key,
    };
    expect(loadApiConfig(base)).toMatchObject({
      API_RATE_LIMIT_PER_USER_PER_MINUTE: 300,
      API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: 60,
      API_TRUSTED_PROXIES: ['loopback'],
    });
    expect(
      loadApiConfig({
        ...base,
        REDIS_URL: 'redis://127.0.0.1:6379/2',
        API_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8',
      }),
    ).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      API_TRUSTED_PROXIES: ['loopback', '10.0.0.0/8'],
    });
    let caught: unknown;
    try {
      loadApiConfig({
        ...base,
        REDIS_URL: 'http://cache',
        API_TRUSTED_PROXIES: 'the tab server',
        API_RATE_LIMIT_PER_USER_PER_MINUTE: '0',
      });
    } catch (error) {
      caught = error;
    }
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toContain('REDIS_URL');
    expect(problems).toContain('API_TRUSTED_PROXIES');
    expect(problems).toContain('API_RATE_LIMIT_PER_USER_PER_MINUTE');
  });
});
