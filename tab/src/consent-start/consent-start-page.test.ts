// @vitest-environment jsdom
/** The consent start page in a DOM: forwards only to the checked consent URL, otherwise says why and stays. */
import { getByRole, queryByRole } from '@testing-library/dom';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runConsentStart } from './consent-start-page.js';
import { consentStartUrl } from './consent-start-url.js';

const AUTHORITY = 'https://127.0.0.1:5443';
const CLIENT_ID = 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a001';
const CALLBACK = 'https://localhost:53000/api/consent/callback';
const CONFIG = {
  authority: AUTHORITY,
  consentClientIds: ['other-step-app', CLIENT_ID],
  consentRedirectUri: CALLBACK,
};
const CONSENT_URL = `${AUTHORITY}/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=${CLIENT_ID}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s1`;

let root: HTMLElement;

beforeEach(() => {
  document.body.innerHTML = '<main id="consent-start"><p>Opening the Microsoft sign-in…</p></main>';
  root = document.getElementById('consent-start') as HTMLElement;
});

function searchFor(consentUrl: string): string {
  return new URL(consentStartUrl(consentUrl, 'https://localhost:53000')).search;
}

describe('runConsentStart', () => {
  it('replaces the page with the consent URL on the configured authority', async () => {
    const navigate = vi.fn<(url: string) => void>();
    const result = await runConsentStart({
      search: searchFor(CONSENT_URL),
      root,
      loadConfig: async () => CONFIG,
      navigate,
    });
    expect(result.ok).toBe(true);
    expect(navigate).toHaveBeenCalledExactlyOnceWith(CONSENT_URL);
    expect(queryByRole(root, 'alert')).toBeNull();
  });

  it.each([
    [
      'a foreign URL',
      searchFor('https://evil.example/common/v2.0/adminconsent'),
      'wrong_origin',
      "not on Microsoft's sign-in service",
    ],
    [
      'an http: URL',
      searchFor('http://127.0.0.1:5443/common/v2.0/adminconsent'),
      'not_https',
      'not a secure (https) address',
    ],
    ['a javascript: URL', searchFor('javascript:alert(1)'), 'not_https', 'not a secure (https) address'],
    ['no URL', '', 'missing', 'without a Microsoft sign-in address'],
    [
      'another page of the authority',
      searchFor(`${AUTHORITY}/common/oauth2/v2.0/authorize`),
      'wrong_path',
      "not Microsoft's admin consent page",
    ],
    [
      'another application’s admin consent',
      searchFor(CONSENT_URL.replace(CLIENT_ID, 'a11ce000-0000-4000-8000-00000000bad1')),
      'wrong_client',
      'not the consent to Cloud App Security',
    ],
    [
      'our consent answered to another site',
      searchFor(
        CONSENT_URL.replace(encodeURIComponent(CALLBACK), encodeURIComponent('https://evil.example/cb')),
      ),
      'wrong_redirect',
      'would send the answer somewhere other than Cloud App Security',
    ],
  ])('refuses %s: shows why and goes nowhere', async (_case, search, problem, words) => {
    const navigate = vi.fn<(url: string) => void>();
    const result = await runConsentStart({
      search,
      root,
      loadConfig: async () => CONFIG,
      navigate,
    });
    expect(result).toEqual({ ok: false, error: problem });
    expect(navigate).not.toHaveBeenCalled();
    const alert = getByRole(root, 'alert');
    expect(getByRole(alert, 'heading', { level: 1 }).textContent).toBe('This sign-in window cannot continue');
    expect(alert.textContent).toContain(words);
    expect(alert.textContent).toContain('click Click here again');
  });

  it('goes nowhere when the configuration does not name our consent', async () => {
    const navigate = vi.fn<(url: string) => void>();
    const result = await runConsentStart({
      search: searchFor(CONSENT_URL),
      root,
      loadConfig: async () => ({ authority: AUTHORITY }) as typeof CONFIG,
      navigate,
    });
    expect(result).toEqual({ ok: false, error: 'config_unavailable' });
    expect(navigate).not.toHaveBeenCalled();
  });

  it('goes nowhere when the configuration cannot be loaded', async () => {
    const navigate = vi.fn<(url: string) => void>();
    const result = await runConsentStart({
      search: searchFor(CONSENT_URL),
      root,
      loadConfig: () => Promise.reject(new Error('/config.json answered 502.')),
      navigate,
    });
    expect(result).toEqual({ ok: false, error: 'config_unavailable' });
    expect(navigate).not.toHaveBeenCalled();
    expect(getByRole(root, 'alert').textContent).toContain('configuration could not be loaded');
  });
});
