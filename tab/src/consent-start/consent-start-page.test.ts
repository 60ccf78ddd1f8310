// @vitest-environment jsdom
/** The consent start page in a DOM: forwards only to the checked consent URL, otherwise says why and stays. */
import { getByRole, queryByRole } from '@testing-library/dom';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runConsentStart } from './consent-start-page.js';
import { consentStartUrl } from './consent-start-url.js';

const AUTHORITY = 'https://127.0.0.1:5443';
const CONSENT_URL = `${AUTHORITY}/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=abc&state=s1`;

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
      loadConfig: async () => ({ authority: AUTHORITY }),
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
  ])('refuses %s: shows why and goes nowhere', async (_case, search, problem, words) => {
    const navigate = vi.fn<(url: string) => void>();
    const result = await runConsentStart({
      search,
      root,
      loadConfig: async () => ({ authority: AUTHORITY }),
      navigate,
    });
    expect(result).toEqual({ ok: false, error: problem });
    expect(navigate).not.toHaveBeenCalled();
    const alert = getByRole(root, 'alert');
    expect(getByRole(alert, 'heading', { level: 1 }).textContent).toBe('This sign-in window cannot continue');
    expect(alert.textContent).toContain(words);
    expect(alert.textContent).toContain('click Click here again');
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
