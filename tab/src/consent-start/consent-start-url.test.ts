/** The consent start page's address rules: only Entra's admin-consent page on the configured authority. */
import { describe, expect, it } from 'vitest';
import { CONSENT_START_PATH, checkConsentUrl, consentStartUrl } from './consent-start-url.js';

const AUTHORITY = 'https://login.microsoftonline.com';
const TENANT = '3c1ef2b6-0c2d-4a5e-9a54-6a3f0a1c2d3e';
const CONSENT_URL = `${AUTHORITY}/${TENANT}/v2.0/adminconsent?client_id=abc&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&redirect_uri=https%3A%2F%2Ftab.contoso.com%2Fapi%2Fconsent%2Fcallback&state=s1`;

describe('checkConsentUrl', () => {
  it.each([
    ['the admin-consent URL the API returns', CONSENT_URL, AUTHORITY],
    ['the authority given with a trailing slash', CONSENT_URL, `${AUTHORITY}/`],
    [
      'the emulator as authority',
      'https://127.0.0.1:5443/common/v2.0/adminconsent?state=s',
      'https://127.0.0.1:5443',
    ],
  ])('accepts %s', (_case, raw, authority) => {
    const checked = checkConsentUrl(raw, authority);
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
    expect(checkConsentUrl(raw, AUTHORITY)).toEqual({ ok: false, error: problem });
  });

  it('refuses everything when the configured authority is not a URL', () => {
    expect(checkConsentUrl(CONSENT_URL, 'not a url')).toEqual({ ok: false, error: 'wrong_origin' });
  });
});

describe('consentStartUrl', () => {
  it('puts the consent URL, encoded, on the start page of the tab origin', () => {
    const start = new URL(consentStartUrl(CONSENT_URL, 'https://tab.contoso.com'));
    expect(start.origin).toBe('https://tab.contoso.com');
    expect(start.pathname).toBe(CONSENT_START_PATH);
    expect(start.search).not.toContain('&state=');
    expect(start.searchParams.get('to')).toBe(CONSENT_URL);
    expect(checkConsentUrl(start.searchParams.get('to'), AUTHORITY).ok).toBe(true);
  });
});
