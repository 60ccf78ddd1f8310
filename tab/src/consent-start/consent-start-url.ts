/**
 * The consent start page's address rules. Inside Teams the authentication window must start on a
 * domain of the manifest's `validDomains` (only the tab's), so it opens `/consent-start.html` on
 * the tab's origin, which forwards to Entra's admin-consent page — and only to our own consent
 * there: our `client_id`, answered at our callback `redirect_uri`. Anything else in `to` is
 * refused, so the page can never be used as an open redirect, nor to show an admin the consent
 * page of someone else's app under our name, nor to send a consent's answer to another site.
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
  | 'wrong_path'
  /** The admin-consent page, but not for our app (another or no `client_id`, or two of them). */
  | 'wrong_client'
  /** Our app's consent, but answered elsewhere than our callback (`redirect_uri`), or twice. */
  | 'wrong_redirect';

/** What "our own consent" is: where Entra is, our app's client id and our consent callback. */
export interface OwnConsent {
  /** Entra authority origin, e.g. https://login.microsoftonline.com or the emulator's. */
  readonly authority: string;
  /** Client ids of our consent apps (one per consent step); the URL must name one of them. */
  readonly clientIds: readonly string[];
  /** The API's consent callback, exactly as the API sends it (`…/api/consent/callback`). */
  readonly redirectUri: string;
}

/** The consent start page's URL on `tabOrigin` for an Entra admin-consent URL. */
export function consentStartUrl(consentUrl: string, tabOrigin: string): string {
  const start = new URL(CONSENT_START_PATH, tabOrigin);
  start.searchParams.set(CONSENT_START_PARAMETER, consentUrl);
  return start.toString();
}

/**
 * Accepts `raw` only as an `https:` URL on the authority's origin whose path ends with
 * `/v2.0/adminconsent`, with exactly one `client_id` (ours) and one `redirect_uri` (our
 * callback) — the only place the consent start page may send the admin.
 */
export function checkConsentUrl(raw: string | null, ours: OwnConsent): Result<URL, ConsentUrlProblem> {
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
    authorityOrigin = new URL(ours.authority).origin;
  } catch {
    return err('wrong_origin');
  }
  // User info never belongs in a sign-in address; refusing it keeps "on the authority" unambiguous.
  if (url.origin !== authorityOrigin || url.username !== '' || url.password !== '')
    return err('wrong_origin');
  if (!url.pathname.endsWith(ADMIN_CONSENT_PATH_SUFFIX)) return err('wrong_path');
  // Exactly one of each: with two, which one Entra reads is Entra's choice, not ours.
  const clientIds = url.searchParams.getAll('client_id');
  const ourIds = new Set(ours.clientIds.map((id) => id.toLowerCase()));
  if (clientIds.length !== 1 || !ourIds.has(clientIds[0]?.toLowerCase() ?? '')) return err('wrong_client');
  const redirects = url.searchParams.getAll('redirect_uri');
  if (redirects.length !== 1 || redirects[0] !== ours.redirectUri) return err('wrong_redirect');
  return ok(url);
}
