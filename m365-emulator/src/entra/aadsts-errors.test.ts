import { describe, expect, it } from 'vitest';
import { aadsts, describeError, entraTimestamp, tokenErrorBody, type AadstsCode } from './aadsts-errors.js';

describe('aadsts', () => {
  it.each<[AadstsCode, string, number, string]>([
    [
      7000215,
      'invalid_client',
      401,
      "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'app-1'.",
    ],
    [
      7000222,
      'invalid_client',
      401,
      "AADSTS7000222: The provided client secret keys for app 'app-1' are expired.",
    ],
    [
      7000229,
      'invalid_client',
      401,
      'AADSTS7000229: The client application app-1 is missing service principal in the tenant tid-1.',
    ],
    [
      700016,
      'unauthorized_client',
      400,
      "AADSTS700016: Application with identifier 'app-1' was not found in the directory 'Contoso'.",
    ],
    [
      7000112,
      'unauthorized_client',
      400,
      "AADSTS7000112: Application 'app-1'(Cloud App Security) is disabled.",
    ],
    [90002, 'invalid_request', 400, "AADSTS90002: Tenant 'tid-1' not found."],
    [65004, 'access_denied', 400, 'AADSTS65004: User declined to consent to access the app.'],
    [
      50011,
      'invalid_request',
      400,
      "AADSTS50011: The redirect URI 'https://x/cb' specified in the request does not match",
    ],
  ])('%s → %s, HTTP %s, message starting "%s"', (code, error, status, messageStart) => {
    const result = aadsts(code, {
      appId: 'app-1',
      appName: 'Cloud App Security',
      tenant: 'tid-1',
      tenantName: 'Contoso',
      redirectUri: 'https://x/cb',
    });
    expect(result).toMatchObject({ code, error, status });
    expect(result.message.startsWith(messageStart.replace(/\.$/, ''))).toBe(true);
  });

  it('formats error_description with the three trace lines separated by CRLF', () => {
    const stamp = { traceId: 't-1', correlationId: 'c-1', timestamp: '2024-05-01 12:34:56Z' };
    expect(describeError(aadsts(65004), stamp)).toBe(
      'AADSTS65004: User declined to consent to access the app.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2024-05-01 12:34:56Z',
    );
  });

  it('builds the token error body with error_codes and error_uri', () => {
    const stamp = { traceId: 't-1', correlationId: 'c-1', timestamp: '2024-05-01 12:34:56Z' };
    expect(tokenErrorBody(aadsts(90002, { tenant: 'x' }), stamp, 'https://127.0.0.1:5443')).toMatchObject({
      error: 'invalid_request',
      error_codes: [90002],
      timestamp: '2024-05-01 12:34:56Z',
      trace_id: 't-1',
      correlation_id: 'c-1',
      error_uri: 'https://127.0.0.1:5443/error?code=90002',
    });
  });

  it.each([
    [Date.UTC(2024, 4, 1, 12, 34, 56, 789), '2024-05-01 12:34:56Z'],
    [0, '1970-01-01 00:00:00Z'],
  ])('entraTimestamp(%s) = %s', (ms, text) => {
    expect(entraTimestamp(ms)).toBe(text);
  });
});
