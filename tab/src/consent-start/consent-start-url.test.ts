/** The consent start page's address rules: only Entra's admin-consent page on the configured authority. */
import { describe, expect, it } from 'vitest';
import { CONSENT_START_PATH, checkConsentUrl, consentStartUrl } from './consent-start-url.js';

const AUTHORITY = 'https://login.microsoftonline.com';
const TENANT = '3c1ef2b6-0c2d-4a5e-9a54-6a3f0a1c2d3e';
const CLIENT_ID = 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a001';
const CALLBACK = 'https://tab.contoso.com/api/consent/callback';
const OURS = { authority: AUTHORITY, clientIds: ['another-step-app', CLIENT_ID], redirectUri: CALLBACK };
const CONSENT_URL = `${AUTHORITY}/${TENANT}/v2.0/adminconsent?client_id=${CLIENT_ID}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=https%3A%2F%2Ftab.contoso.com%2Fapi%2Fconsent%2Fcallback&state=s1`;
const EMULATOR = 'https://127.0.0.1:5443';
const EMULATOR_CONSENT_URL = `${EMULATOR}/common/v2.0/adminconsent?client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s`;

/** The consent URL with one query parameter replaced (or removed with null). */
function withParameter(name: string, value: string | null): string {
  const url = new URL(CONSENT_URL);
  if (value === null) url.searchParams.delete(name);
  else url.searchParams.set(name, value);
  return url.toString();
}

describe('checkConsentUrl', () => {
  it.each([
    ['the admin-consent URL the API returns', CONSENT_URL, AUTHORITY],
    ['the authority given with a trailing slash', CONSENT_URL, `${AUTHORITY}/`],
    ['the emulator as authority', EMULATOR_CONSENT_URL, EMULATOR],
  ])('accepts %s', (_case, raw, authority) => {
    const checked = checkConsentUrl(raw, { ...OURS, authority });
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.value.toString()).toBe(new URL(raw).toString());
  });

  it.each([
    ['missing', null, 'missing'],
    ['empty', '', 'missing'],
    ['blank', '   ', 'missing'],
    ['relative', '/common/v2.0/adminconsent', 'invalid'],
    ['not a URL', 'login.microsoftonline.com/common/v2.0/adminconsent', 'invalid'],
    ['http:', `http://login.microsoftonline.com/${TENANT}/v2.0/adminconsent`, 'not_https'],
    ['javascript:', 'javascript:alert(document.domain)//v2.0/adminconsent', 'not_https'],
    ['data:', 'data:text/html,<script>alert(1)</script>', 'not_https'],
    ['another origin', `https://evil.example/${TENANT}/v2.0/adminconsent`, 'wrong_origin'],
    [
      'a look-alike host',
      `https://login.microsoftonline.com.evil.example/${TENANT}/v2.0/adminconsent`,
      'wrong_origin',
    ],
    ['another port', `https://login.microsoftonline.com:8443/${TENANT}/v2.0/adminconsent`, 'wrong_origin'],
    ['user info', `https://evil@login.microsoftonline.com/${TENANT}/v2.0/adminconsent`, 'wrong_origin'],
    ['the authorize endpoint', `${AUTHORITY}/${TENANT}/oauth2/v2.0/authorize?client_id=abc`, 'wrong_path'],
    ['the v1 admin-consent endpoint', `${AUTHORITY}/${TENANT}/adminconsent?client_id=abc`, 'wrong_path'],
    ['the path only in the query', `${AUTHORITY}/logout?next=/v2.0/adminconsent`, 'wrong_path'],
  ])('refuses %s', (_case, raw, problem) => {
    expect(checkConsentUrl(raw, OURS)).toEqual({ ok: false, error: problem });
  });

  it.each([
    [
      'another application’s consent',
      withParameter('client_id', 'a11ce000-0000-4000-8000-00000000bad1'),
      'wrong_client',
    ],
    ['a consent without client_id', withParameter('client_id', null), 'wrong_client'],
    [
      'a second client_id after ours',
      `${CONSENT_URL}&client_id=a11ce000-0000-4000-8000-00000000bad1`,
      'wrong_client',
    ],
    [
      'a redirect to someone else’s site',
      withParameter('redirect_uri', 'https://evil.example/api/consent/callback'),
      'wrong_redirect',
    ],
    [
      'a redirect to another page of our site',
      withParameter('redirect_uri', 'https://tab.contoso.com/steal'),
      'wrong_redirect',
    ],
    ['a consent without redirect_uri', withParameter('redirect_uri', null), 'wrong_redirect'],
    [
      'a second redirect_uri after ours',
      `${CONSENT_URL}&redirect_uri=${encodeURIComponent('https://evil.example/')}`,
      'wrong_redirect',
    ],
  ])('the consent start page forwards only to our own consent: refuses %s', (_case, raw, problem) => {
    expect(checkConsentUrl(raw, OURS)).toEqual({ ok: false, error: problem });
  });

  it('takes our client id in any letter case, as Entra does', () => {
    expect(checkConsentUrl(withParameter('client_id', CLIENT_ID.toUpperCase()), OURS).ok).toBe(true);
  });

  it('refuses everything when the configured authority is not a URL', () => {
    expect(checkConsentUrl(CONSENT_URL, { ...OURS, authority: 'not a url' })).toEqual({
      ok: false,
      error: 'wrong_origin',
    });
  });
});

describe('consentStartUrl', () => {
  it('puts the consent URL, encoded, on the start page of the tab origin', () => {
    const start = new URL(consentStartUrl(CONSENT_URL, 'https://tab.contoso.com'));
    expect(start.origin).toBe('https://tab.contoso.com');
    expect(start.pathname).toBe(CONSENT_START_PATH);
    expect(start.search).not.toContain('&state=');
    expect(start.searchParams.get('to')).toBe(CONSENT_URL);
    expect(checkConsentUrl(start.searchParams.get('to'), OURS).ok).toBe(true);
  });
});
