/** Routes Entra ID URLs (`/{tenant}/…`) to their endpoints. */
import { serveKeys, serveOpenIdConfiguration, serveV1OpenIdConfiguration } from './discovery-endpoints.js';
import { sendHtml, sendJson } from './http-replies.js';
import {
  serveAdminConsent,
  serveAuthorize,
  serveConsentDecision,
  serveSignIn,
  serveSignOut,
} from './interactive-endpoints.js';
import { renderErrorHelpPage } from './pages.js';
import { serveToken } from './token-endpoint.js';
import type { AreaHandler, HttpContext } from '../contracts.js';
import type { EntraService, TenantTarget } from './entra-service.js';

interface EntraRoute {
  readonly method: 'GET' | 'POST';
  /** Path after `/{tenant}`. */
  readonly suffix: string;
  readonly serve: (service: EntraService, ctx: HttpContext, target: TenantTarget) => void | Promise<void>;
}

const ROUTES: readonly EntraRoute[] = [
  { method: 'GET', suffix: '/v2.0/.well-known/openid-configuration', serve: serveOpenIdConfiguration },
  { method: 'GET', suffix: '/.well-known/openid-configuration', serve: serveV1OpenIdConfiguration },
  { method: 'GET', suffix: '/discovery/v2.0/keys', serve: serveKeys },
  { method: 'GET', suffix: '/discovery/keys', serve: serveKeys },
  { method: 'GET', suffix: '/oauth2/v2.0/authorize', serve: serveAuthorize },
  { method: 'POST', suffix: '/oauth2/v2.0/token', serve: serveToken },
  { method: 'GET', suffix: '/oauth2/v2.0/logout', serve: (service, ctx) => serveSignOut(service, ctx) },
  {
    method: 'GET',
    suffix: '/v2.0/adminconsent',
    serve: (service, ctx, target) => serveAdminConsent(service, ctx, target, 'v2'),
  },
  {
    method: 'GET',
    suffix: '/adminconsent',
    serve: (service, ctx, target) => serveAdminConsent(service, ctx, target, 'v1'),
  },
  {
    method: 'POST',
    suffix: '/adminconsent/decision',
    serve: (service, ctx) => serveConsentDecision(service, ctx),
  },
  { method: 'POST', suffix: '/login', serve: serveSignIn },
];

/** Routes a browser may call from another origin (CORS), like Entra's discovery, keys and token endpoints. */
const CORS_SUFFIXES: ReadonlySet<string> = new Set([
  '/v2.0/.well-known/openid-configuration',
  '/.well-known/openid-configuration',
  '/discovery/v2.0/keys',
  '/discovery/keys',
  '/oauth2/v2.0/token',
]);

/** Every Entra route as `METHOD /{tenant}/suffix` (for the README and the stats labels). */
export const ENTRA_ROUTE_LABELS: readonly string[] = [
  ...ROUTES.map((route) => `${route.method} /{tenant}${route.suffix}`),
  'GET /error',
];

/** The stats label of an Entra URL, or undefined when the path is not Entra's. */
export function entraRouteLabel(method: string, pathname: string): string | undefined {
  if (pathname === '/error') return 'GET /error';
  const route = matchRoute(pathname);
  return route ? `${method} /{tenant}${route.route.suffix}` : undefined;
}

/** Creates the handler of the Entra area. */
export function createEntraHandler(service: EntraService): AreaHandler {
  return async (ctx) => {
    const { pathname } = ctx.url;
    if (pathname === '/error') {
      sendHtml(ctx.res, 200, renderErrorHelpPage(ctx.url.searchParams.get('code') ?? ''));
      return true;
    }
    const match = matchRoute(pathname);
    if (!match) return false;
    const { route, segment } = match;
    if (CORS_SUFFIXES.has(route.suffix)) {
      // Single-page apps (msal-browser) read discovery and keys and redeem codes cross-origin, as
      // Entra allows for these endpoints; the interactive pages stay same-origin only.
      if (ctx.req.method === 'OPTIONS') {
        ctx.res.writeHead(204, {
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Allow-Methods': `${route.method}, OPTIONS`,
          'Access-Control-Allow-Headers': ctx.req.headers['access-control-request-headers'] ?? 'content-type',
          'Access-Control-Max-Age': '86400',
          'Content-Length': 0,
        });
        ctx.res.end();
        return true;
      }
      ctx.res.setHeader('Access-Control-Allow-Origin', '*');
    }
    const method = ctx.req.method === 'HEAD' ? 'GET' : ctx.req.method;
    if (method !== route.method) {
      sendJson(
        ctx.res,
        405,
        {
          error: 'invalid_request',
          error_description: `The endpoint only accepts ${route.method} requests.`,
        },
        { Allow: route.method },
      );
      return true;
    }
    await route.serve(service, ctx, service.resolveTenant(segment));
    return true;
  };
}

function matchRoute(pathname: string): { route: EntraRoute; segment: string } | undefined {
  const slash = pathname.indexOf('/', 1);
  if (slash < 0) return undefined;
  const segment = pathname.slice(1, slash);
  const suffix = pathname.slice(slash).replace(/\/+$/, '');
  // `/v1.0/…` and `/_emulator/…` belong to other areas.
  if (!segment || segment === 'v1.0' || segment === 'beta' || segment.startsWith('_')) return undefined;
  const route = ROUTES.find((candidate) => candidate.suffix.toLowerCase() === suffix.toLowerCase());
  return route ? { route, segment } : undefined;
}
