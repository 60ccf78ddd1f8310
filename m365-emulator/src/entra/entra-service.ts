/**
 * State of the emulated Entra ID (apps, service principals, keys, browser sessions) and the helpers
 * every endpoint shares: resolving the `{tenant}` path segment and answering with Entra's error shapes.
 */
import {
  describeError,
  errorUri,
  stampError,
  tokenErrorBody,
  type AadstsError,
  type ErrorStamp,
} from './aadsts-errors.js';
import {
  AppRegistry,
  PUBLISHER_TENANT_ID,
  ServicePrincipalStore,
  type AppRegistryOptions,
} from './app-registrations.js';
import { sendHtml, sendJson } from './http-replies.js';
import { renderErrorPage } from './pages.js';
import { SignInState } from './sign-in-sessions.js';
import { SigningKeyRing, type SigningKey } from './signing-keys.js';
import { TokenMinter } from './token-minting.js';
import type {
  DirectoryRegistry,
  EmulatedTenant,
  EmulatedUser,
  HttpContext,
  TenantDirectory,
} from '../contracts.js';

/** What the `{tenant}` segment of an Entra URL designates. */
export type TenantTarget =
  | { kind: 'tenant'; segment: string; directory: TenantDirectory; tenant: EmulatedTenant }
  /** `common` or `organizations`: the signed-in user's home tenant decides. */
  | { kind: 'any'; segment: string }
  /** The tenant our app registrations live in (no directory: nobody signs in there). */
  | { kind: 'publisher'; segment: string }
  | { kind: 'unknown'; segment: string };

/** Options for {@link EntraService}. */
export interface EntraServiceOptions extends Omit<AppRegistryOptions, 'now'> {
  directories: DirectoryRegistry;
  /** Clock in ms since the epoch. */
  now: () => number;
  /** How long a rotated-out signing key stays in the JWKS (default 24 h). */
  signingKeyGraceMs?: number;
  /** The first signing key (see `loadOrCreateSigningKey`). */
  signingKey: SigningKey;
}

/** Display name of the publisher tenant (the one owning our app registrations). */
export const PUBLISHER_TENANT_NAME = 'Cloud App Security (publisher)';

/** The emulated Entra ID. */
export class EntraService {
  readonly directories: DirectoryRegistry;
  readonly apps: AppRegistry;
  readonly principals = new ServicePrincipalStore();
  readonly keys: SigningKeyRing;
  readonly minter: TokenMinter;
  readonly browser: SignInState;
  readonly now: () => number;

  constructor(options: EntraServiceOptions) {
    this.directories = options.directories;
    this.now = options.now;
    this.apps = new AppRegistry({ ...options, now: options.now() });
    this.keys = new SigningKeyRing({
      now: options.now,
      graceMs: options.signingKeyGraceMs,
      initialKey: options.signingKey,
    });
    this.minter = new TokenMinter({ keys: this.keys, now: options.now });
    this.browser = new SignInState(options.now);
  }

  /** Resolves `{tenant}`: a GUID or verified domain of an emulated tenant, `common`, `organizations`, or the publisher tenant. */
  resolveTenant(segment: string): TenantTarget {
    const key = decodeURIComponent(segment).toLowerCase();
    if (key === 'common' || key === 'organizations') return { kind: 'any', segment: key };
    if (key === PUBLISHER_TENANT_ID) return { kind: 'publisher', segment: key };
    const directory = this.directories.get(key);
    return directory
      ? { kind: 'tenant', segment: key, directory, tenant: directory.tenant }
      : { kind: 'unknown', segment };
  }

  /** A user with the tenant it belongs to, by ids (a session's). */
  findUser(tenantId: string, userId: string): { directory: TenantDirectory; user: EmulatedUser } | undefined {
    const directory = this.directories.get(tenantId);
    const user = directory?.getUser(userId);
    return directory && user ? { directory, user } : undefined;
  }

  /** A user by UPN: the UPN's domain names the tenant, as home-realm discovery does. */
  findUserByUpn(upn: string): { directory: TenantDirectory; user: EmulatedUser } | undefined {
    const domain = upn.slice(upn.lastIndexOf('@') + 1);
    const directory = domain ? this.directories.get(domain) : undefined;
    const user = directory?.findUserByUpn(upn);
    return directory && user ? { directory, user } : undefined;
  }

  /** Display name Entra quotes for a tenant target in messages. */
  tenantName(target: TenantTarget): string {
    if (target.kind === 'tenant') return target.tenant.displayName;
    if (target.kind === 'publisher') return PUBLISHER_TENANT_NAME;
    return target.segment;
  }
}

/** Answers a token-endpoint request with Entra's JSON error body and status. */
export function sendTokenError(ctx: HttpContext, error: AadstsError, now: number): void {
  const stamp = stampFor(ctx, now);
  sendJson(ctx.res, error.status, tokenErrorBody(error, stamp, ctx.origin), {
    'x-ms-request-id': stamp.traceId,
    'client-request-id': stamp.correlationId,
    'x-ms-ests-server': 'emulator',
  });
}

/** Shows Entra's error page (used when Entra cannot or must not redirect back to the app). */
export function sendErrorPage(
  ctx: HttpContext,
  error: AadstsError,
  now: number,
  page: { title?: string; explanation?: string; link?: { href: string; text: string } } = {},
): void {
  const stamp = stampFor(ctx, now);
  // Entra serves its error pages with 200: the browser shows them, nothing redirects (status unverified).
  sendHtml(
    ctx.res,
    200,
    renderErrorPage({
      title: page.title ?? 'Sign in',
      explanation: page.explanation ?? "Sorry, but we're having trouble signing you in.",
      code: error.code,
      message: error.message,
      traceId: stamp.traceId,
      correlationId: stamp.correlationId,
      timestamp: stamp.timestamp,
      link: page.link,
    }),
    { 'x-ms-request-id': stamp.traceId },
  );
}

/** Query parameters of an OAuth error redirect (`error`, `error_description` with trace lines, `error_uri`). */
export function errorRedirectParams(ctx: HttpContext, error: AadstsError, now: number): [string, string][] {
  const stamp = stampFor(ctx, now);
  return [
    ['error', error.error],
    ['error_description', describeError(error, stamp)],
    ['error_uri', errorUri(error.code, ctx.origin)],
  ];
}

/** Appends parameters to a redirect URI (keeping any query it already has), in the query or the fragment. */
export function withParams(
  uri: string,
  params: [string, string][],
  mode: 'query' | 'fragment' = 'query',
): string {
  const url = new URL(uri);
  if (mode === 'fragment') {
    url.hash = new URLSearchParams(params).toString();
    return url.toString();
  }
  for (const [name, value] of params) url.searchParams.append(name, value);
  return url.toString();
}

function stampFor(ctx: HttpContext, now: number): ErrorStamp {
  const header = ctx.req.headers['client-request-id'];
  return stampError(now, Array.isArray(header) ? header[0] : header);
}
