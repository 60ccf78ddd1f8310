/**
 * The consent start page's address rules. Inside Teams the authentication window must start on a
 * domain of the manifest's `validDomains` (only the tab's), so it opens `/consent-start.html` on
 * the tab's origin, which forwards to Entra's admin-consent page — and only there: anything else
 * in `to` is refused, so the page can never be used as an open redirect.
 */
import { err, ok, type Result } from '@cas/core';

/** Path of the consent start page in the tab build (a Vite entry next to index.html). */
export const CONSENT_START_PATH = '/consent-start.html';

/** Query parameter of the consent start page that carries the Entra admin-consent URL. */
export const CONSENT_START_PARAMETER = 'to';

/** Path suffix of Entra's v2 admin-consent endpoint (`/{tenant}/v2.0/adminconsent`). */
const ADMIN_CONSENT_PATH_SUFFIX = '/v2.0/adminconsent';

/** Why a consent URL was refused. */
export type ConsentUrlProblem =
  /** No `to` parameter, or an empty one. */
  | 'missing'
  /** Not an absolute URL. */
  | 'invalid'
  /** Not `https:` (e.g. `http:`, `javascript:`, `data:`). */
  | 'not_https'
  /** Not on the configured authority (another host, port, or user info in the address). */
  | 'wrong_origin'
  /** On the authority, but not its admin-consent page. */
  | 'wrong_path';

/** The consent start page's URL on `tabOrigin` for an Entra admin-consent URL. */
export function consentStartUrl(consentUrl: string, tabOrigin: string): string {
  const start = new URL(CONSENT_START_PATH, tabOrigin);
  start.searchParams.set(CONSENT_START_PARAMETER, consentUrl);
  return start.toString();
}

/**
 * Accepts `raw` only as an `https:` URL on the authority's origin whose path ends with
 * `/v2.0/adminconsent` — the only place the consent start page may send the admin.
 */
export function checkConsentUrl(raw: string | null, authority: string): Result<URL, ConsentUrlProblem> {
  if (raw === null || raw.trim() === '') return err('missing');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return err('invalid');
  }
  if (url.protocol !== 'https:') return err('not_https');
  let authorityOrigin: string;
  try {
    authorityOrigin = new URL(authority).origin;
  } catch {
    return err('wrong_origin');
  }
  // User info never belongs in a sign-in address; refusing it keeps "on the authority" unambiguous.
  if (url.origin !== authorityOrigin || url.username !== '' || url.password !== '')
    return err('wrong_origin');
  if (!url.pathname.endsWith(ADMIN_CONSENT_PATH_SUFFIX)) return err('wrong_path');
  return ok(url);
}
