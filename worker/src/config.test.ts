import { consentAppEnvironment, everyConsentApp } from '@cas/microsoft365';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig, WorkerConfigError } from './config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const minimal = {
  SECRET_DATA_ENCRYPTION_KEY: KEY,
  ...consentAppEnvironment(everyConsentApp({ clientId: 'app', clientSecret: 's' })),
};

describe('loadWorkerConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadWorkerConfig(minimal)).toMatchObject({
      DATA_DIR: '.data',
      SYNC_DAILY_TIME_UTC: '02:00',
      SYNC_DELTA_INTERVAL_MINUTES: 15,
      TOKEN_HEALTH_INTERVAL_MINUTES: 15,
      TOKEN_HEALTH_CONCURRENCY: 4,
      EWS_CONSENT_ENABLED: true,
      SMTP_PORT: 2525,
      MAIL_VIEWER_PORT: 3982,
      GRAPH_BASE_URL: 'https://graph.microsoft.com',
    });
  });

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('reads EWS_CONSENT_ENABLED=%s as %s, as the API does', (value, expected) => {
    expect(loadWorkerConfig({ ...minimal, EWS_CONSENT_ENABLED: value }).EWS_CONSENT_ENABLED).toBe(expected);
  });

  it('treats empty variables as unset', () => {
    expect(loadWorkerConfig({ ...minimal, DATABASE_URL: '', SMTP_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('names every bad variable at once', () => {
    const failure = (() => {
      try {
        loadWorkerConfig({
          SECRET_DATA_ENCRYPTION_KEY: 'short',
          SYNC_DAILY_TIME_UTC: '25:00',
          SMTP_URL: 'http://relay',
          SMTP_PORT: '99999',
        });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(WorkerConfigError);
    const names = (failure as WorkerConfigError).problems.map((problem) => problem.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'SECRET_DATA_ENCRYPTION_KEY',
        'EXCHANGE_EWS_APP_CLIENT_ID',
        'EXCHANGE_GRAPH_APP_CLIENT_ID',
        'SHAREPOINT_APP_CLIENT_ID',
        'ONEDRIVE_APP_CLIENT_ID',
        'SYNC_DAILY_TIME_UTC',
        'SMTP_URL',
        'SMTP_PORT',
      ]),
    );
  });
});
