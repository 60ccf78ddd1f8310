/**
 * Security headers of every tab server response, set by helmet: a Content-Security-Policy under
 * which the tab runs (its own scripts only, Fluent's injected styles, MSAL talking to the authority,
 * teams-js inside the Teams hosts that may frame it), `nosniff` and a Referrer-Policy.
 */
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Microsoft 365 hosts that may frame the tab (Teams, the Microsoft 365 app, Outlook), as
 * Microsoft's tab requirements list them, including the `*.cloud.microsoft` domains they move to.
 */
export const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office365.com',
] as const;

/** Where teams-js fetches its list of valid host origins from. */
const TEAMS_JS_VALID_DOMAINS_ORIGIN = 'https://res.cdn.office.net';

/** Options of {@link createSecurityHeaders}. */
export interface SecurityHeadersOptions {
  /** Entra authority origin: msal-browser calls its token endpoint and may frame it silently. */
  readonly authority: string;
  /** Further origins of a Teams-like host that may frame the tab. */
  readonly frameAncestors?: readonly string[];
  /** Sends Strict-Transport-Security; off for localhost, where it would upgrade every local port. */
  readonly strictTransportSecurity: boolean;
}

/** Sets the headers on a response; resolves once they are set. */
export type SecurityHeaders = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Builds the tab's security headers (helmet, configured once). */
export function createSecurityHeaders(options: SecurityHeadersOptions): SecurityHeaders {
  const authority = new URL(options.authority).origin;
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        // The build has no inline script; teams-js, MSAL and React need no eval.
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        // Griffel (Fluent UI) injects <style> elements at run time and index.html has one inline rule.
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'", authority, TEAMS_JS_VALID_DOMAINS_ORIGIN],
        // msal-browser renews silently in a hidden iframe on the authority.
        'frame-src': ["'self'", authority],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'self'", ...TEAMS_FRAME_ANCESTORS, ...(options.frameAncestors ?? [])],
      },
    },
    // The consent and sign-in popups report back to their opener; a COOP would cut that link.
    crossOriginOpenerPolicy: false,
    // frame-ancestors decides who may frame the tab; X-Frame-Options cannot express the Teams hosts.
    xFrameOptions: false,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.strictTransportSecurity
      ? { maxAge: 31_536_000, includeSubDomains: false }
      : false,
  });
  return (req, res) =>
    new Promise((resolve, reject) =>
      middleware(req, res, (error?: unknown) => (error ? reject(toError(error)) : resolve())),
    );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
