/**
 * The browser-facing Entra endpoints: `/authorize` (authorization code + PKCE), the sign-in form,
 * admin consent v1 and v2 with their consent page, and sign-out. Each request either shows a page
 * (sign-in, consent, an error Entra keeps to itself) or redirects back to a registered redirect URI.
 */
import { aadsts, type AadstsError } from './aadsts-errors.js';
import { isRegisteredRedirectUri, type AppRegistration } from './app-registrations.js';
import {
  errorRedirectParams,
  sendErrorPage,
  withParams,
  type EntraService,
  type TenantTarget,
} from './entra-service.js';
import { escapeHtml, parseForm, readCookie, redirect, sendHtml } from './http-replies.js';
import {
  renderConsentPage,
  renderSignedOutPage,
  renderSignInPage,
  type RequestedPermission,
} from './pages.js';
import { SESSION_COOKIE, type BrowserSession } from './sign-in-sessions.js';
import { clientInfo, isGlobalAdministrator } from './token-minting.js';
import {
  FIRST_PARTY_RESOURCES,
  findFirstPartyResource,
  MICROSOFT_GRAPH_RESOURCE,
} from './well-known-resources.js';
import type { EmulatedUser, HttpContext, TenantDirectory } from '../contracts.js';

/** Privileged Role Administrator may also grant application permissions. */
const PRIVILEGED_ROLE_ADMINISTRATOR_ROLE_ID = 'e8611ab8-c189-46e8-94e1-60213ab1f814';

/** Messages the sign-in page shows under the form, by AADSTS code. */
export const SIGN_IN_MESSAGES = {
  50034: 'This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.',
  50126: "Your account or password is incorrect. If you don't remember your password, reset it now.",
  50057: 'Your account has been disabled. Contact your admin to enable it, then try again.',
} as const;

interface SignedInUser {
  session: BrowserSession;
  directory: TenantDirectory;
  user: EmulatedUser;
}

/** `GET /{tenant}/oauth2/v2.0/authorize`: authorization code flow with PKCE, as msal-browser drives it. */
export async function serveAuthorize(
  service: EntraService,
  ctx: HttpContext,
  target: TenantTarget,
): Promise<void> {
  const now = service.now();
  const query = ctx.url.searchParams;
  if (target.kind === 'unknown' || target.kind === 'publisher') {
    return sendErrorPage(ctx, aadsts(90002, { tenant: target.segment }), now);
  }
  const app = requireApp(service, ctx, target, query.get('client_id'));
  if (!app) return;
  const redirectUri = query.get('redirect_uri') ?? app.spaRedirectUris[0] ?? app.webRedirectUris[0] ?? '';
  if (!isRegisteredRedirectUri(app, redirectUri)) {
    return sendErrorPage(ctx, aadsts(50011, { redirectUri, appId: app.appId }), now);
  }

  const state = query.get('state');
  const responseMode =
    query.get('response_mode') === 'fragment'
      ? 'fragment'
      : query.get('response_mode') === 'form_post'
        ? 'form_post'
        : 'query';
  const back = (params: [string, string][]): void => {
    const all: [string, string][] = state === null ? params : [...params, ['state', state]];
    if (responseMode === 'form_post') return sendHtml(ctx.res, 200, autoPostForm(redirectUri, all));
    redirect(ctx.res, withParams(redirectUri, all, responseMode));
  };
  const backWithError = (error: AadstsError): void => back(errorRedirectParams(ctx, error, now));

  const responseType = query.get('response_type') ?? '';
  if (responseType !== 'code') return backWithError(aadsts(700054, { parameter: responseType }));
  if (app.disabled) return backWithError(aadsts(7000112, { appId: app.appId, appName: app.displayName }));
  const challenge = query.get('code_challenge') ?? undefined;
  const method = query.get('code_challenge_method') ?? (challenge ? 'plain' : undefined);
  if (isRegisteredRedirectUri(app, redirectUri) === 'spa' && !challenge)
    return backWithError(aadsts(9002325));
  if (method && method !== 'S256' && method !== 'plain') return backWithError(aadsts(9002313));

  const signedIn = await requireSignIn(service, ctx, target);
  if (signedIn === 'login_required') return backWithError(aadsts(50058));
  if (!signedIn) return;
  if (target.kind === 'tenant' && signedIn.directory.tenant.id !== target.tenant.id) {
    return backWithError(foreignUserError(app, signedIn, target));
  }
  const scopes = (query.get('scope') ?? 'openid profile').split(' ').filter(Boolean);
  const code = service.browser.issueCode({
    clientId: app.appId,
    redirectUri,
    tenantId: signedIn.directory.tenant.id,
    userId: signedIn.user.id,
    scopes,
    codeChallenge: challenge,
    codeChallengeMethod: method,
    nonce: query.get('nonce') ?? undefined,
  });
  const params: [string, string][] = [['code', code]];
  if (query.get('client_info') === '1')
    params.push(['client_info', clientInfo(signedIn.user, signedIn.directory.tenant)]);
  params.push(['session_state', signedIn.session.id.slice(0, 36)]);
  back(params);
}

/** `GET /{tenant}/v2.0/adminconsent` (`version` v2) and `GET /{tenant}/adminconsent` (v1). */
export async function serveAdminConsent(
  service: EntraService,
  ctx: HttpContext,
  target: TenantTarget,
  version: 'v1' | 'v2',
): Promise<void> {
  const now = service.now();
  const query = ctx.url.searchParams;
  if (target.kind === 'unknown' || target.kind === 'publisher') {
    return sendErrorPage(ctx, aadsts(90002, { tenant: target.segment }), now);
  }
  const app = requireApp(service, ctx, target, query.get('client_id'));
  if (!app) return;
  const redirectUri = query.get('redirect_uri') ?? app.webRedirectUris[0] ?? '';
  if (isRegisteredRedirectUri(app, redirectUri) !== 'web') {
    return sendErrorPage(ctx, aadsts(50011, { redirectUri, appId: app.appId }), now);
  }
  if (app.disabled)
    return sendErrorPage(ctx, aadsts(7000112, { appId: app.appId, appName: app.displayName }), now);

  const state = query.get('state') ?? undefined;
  const backWithError = (error: AadstsError): void => {
    const params: [string, string][] = [...errorRedirectParams(ctx, error, now), ['admin_consent', 'True']];
    if (state !== undefined) params.push(['state', state]);
    redirect(ctx.res, withParams(redirectUri, params));
  };

  const requested = version === 'v2' ? requestedGrants(app, query.get('scope')) : allGrants(app);
  if ('code' in requested) return backWithError(requested);

  const signedIn = await requireSignIn(service, ctx, target);
  if (signedIn === 'login_required') return backWithError(aadsts(50058));
  if (!signedIn) return;
  if (target.kind === 'tenant' && signedIn.directory.tenant.id !== target.tenant.id) {
    return backWithError(foreignUserError(app, signedIn, target));
  }
  if (!canGrantApplicationPermissions(signedIn.user)) {
    return sendErrorPage(ctx, aadsts(90094), now, {
      title: 'Need admin approval',
      explanation: `${app.displayName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
      link: { href: restartWithSignIn(ctx), text: 'Have an admin account? Sign in with that account' },
    });
  }

  const consent = service.browser.beginConsent({
    sessionId: signedIn.session.id,
    version,
    clientId: app.appId,
    redirectUri,
    state,
    tenantId: signedIn.directory.tenant.id,
    grants: requested.grants,
    delegated: requested.delegated,
    grantedScope: requested.scope,
  });
  sendHtml(
    ctx.res,
    200,
    renderConsentPage({
      action: `/${target.segment}/adminconsent/decision`,
      consentId: consent.id,
      appName: app.displayName,
      signedInAs: signedIn.user.userPrincipalName,
      permissions: describePermissions(requested),
      switchAccountHref: restartWithSignIn(ctx),
    }),
  );
}

/** `POST /{tenant}/adminconsent/decision`: the consent page's **Accept** or **Cancel**. */
export function serveConsentDecision(service: EntraService, ctx: HttpContext): void {
  const now = service.now();
  const form = parseForm(ctx.body);
  const consent = service.browser.takeConsent(form.get('ctx'));
  const session = service.browser.session(readCookie(ctx.req, SESSION_COOKIE));
  // The decision must come from the browser that was shown the page.
  if (!consent || !session || session.id !== consent.sessionId) return sendErrorPage(ctx, aadsts(50089), now);
  const app = service.apps.get(consent.clientId);
  if (!app) return sendErrorPage(ctx, aadsts(50089), now);

  const params: [string, string][] = [];
  if (form.get('decision') === 'accept') {
    service.principals.grant(consent.tenantId, app, consent.grants, now, consent.delegated);
    params.push(['admin_consent', 'True'], ['tenant', consent.tenantId]);
    if (consent.version === 'v2') params.push(['scope', consent.grantedScope]);
  } else {
    // Declined: no `tenant` parameter, so a callback cannot mistake it for a grant.
    params.push(...errorRedirectParams(ctx, aadsts(65004), now), ['admin_consent', 'True']);
  }
  if (consent.state !== undefined) params.push(['state', consent.state]);
  redirect(ctx.res, withParams(consent.redirectUri, params));
}

/** `POST /{tenant}/login`: checks the sign-in form and replays the interrupted request. */
export function serveSignIn(service: EntraService, ctx: HttpContext, target: TenantTarget): void {
  const now = service.now();
  const form = parseForm(ctx.body);
  const interaction = service.browser.interaction(form.get('ctx'));
  if (!interaction) return sendErrorPage(ctx, aadsts(50089), now);
  const upn = (form.get('loginfmt') ?? form.get('login') ?? '').trim();
  const password = form.get('passwd') ?? '';
  const again = (code: keyof typeof SIGN_IN_MESSAGES): void =>
    sendHtml(
      ctx.res,
      200,
      renderSignInPage({
        action: `/${target.segment}/login`,
        ctx: interaction.id,
        upn,
        error: { code, text: SIGN_IN_MESSAGES[code] },
      }),
    );

  const found = service.findUserByUpn(upn);
  if (!found) return again(50034);
  if (found.user.password === null || found.user.password !== password) return again(50126);
  if (!found.user.accountEnabled) return again(50057);

  service.browser.closeSession(readCookie(ctx.req, SESSION_COOKIE));
  const session = service.browser.openSession(found.directory.tenant.id, found.user.id);
  interaction.completedBySession = session.id;
  redirect(ctx.res, withParams(`${ctx.origin}${interaction.returnPath}`, [['sso_nonce', interaction.id]]), {
    'Set-Cookie': `${SESSION_COOKIE}=${encodeURIComponent(session.id)}; Path=/; Secure; HttpOnly; SameSite=None`,
  });
}

/** `GET /{tenant}/oauth2/v2.0/logout`: ends the browser session. */
export function serveSignOut(service: EntraService, ctx: HttpContext): void {
  service.browser.closeSession(readCookie(ctx.req, SESSION_COOKIE));
  const clear = { 'Set-Cookie': `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0` };
  const target = ctx.url.searchParams.get('post_logout_redirect_uri');
  if (target) {
    const state = ctx.url.searchParams.get('state');
    return redirect(ctx.res, state ? withParams(target, [['state', state]]) : target, clear);
  }
  sendHtml(ctx.res, 200, renderSignedOutPage(), clear);
}

/**
 * Returns the signed-in user, or answers with the sign-in page (undefined) — or, for
 * `prompt=none`, reports that a sign-in would be needed.
 */
async function requireSignIn(
  service: EntraService,
  ctx: HttpContext,
  target: TenantTarget,
): Promise<SignedInUser | 'login_required' | undefined> {
  const query = ctx.url.searchParams;
  const session = service.browser.session(readCookie(ctx.req, SESSION_COOKIE));
  const found = session ? service.findUser(session.tenantId, session.userId) : undefined;
  const usable = session && found && found.user.accountEnabled ? { session, ...found } : undefined;
  const prompt = query.get('prompt');
  const justSignedIn =
    usable && service.browser.interaction(query.get('sso_nonce'))?.completedBySession === usable.session.id;
  const forceSignIn = (prompt === 'login' || prompt === 'select_account') && !justSignedIn;
  if (usable && !forceSignIn) return usable;
  if (prompt === 'none') return 'login_required';

  // Replay the request without our own marker, so a second sign-in starts clean.
  const replay = new URL(ctx.url.toString());
  replay.searchParams.delete('sso_nonce');
  const interaction = service.browser.beginInteraction(`${replay.pathname}${replay.search}`);
  sendHtml(
    ctx.res,
    200,
    renderSignInPage({
      action: `/${target.segment}/login`,
      ctx: interaction.id,
      upn: query.get('login_hint') ?? undefined,
    }),
  );
  return undefined;
}

/** The current request again, forcing the sign-in page ("use another account"). */
function restartWithSignIn(ctx: HttpContext): string {
  const url = new URL(`${ctx.origin}${ctx.url.pathname}${ctx.url.search}`);
  url.searchParams.delete('sso_nonce');
  url.searchParams.set('prompt', 'login');
  return url.toString();
}

function requireApp(
  service: EntraService,
  ctx: HttpContext,
  target: TenantTarget,
  clientId: string | null,
): AppRegistration | undefined {
  const now = service.now();
  if (!clientId) {
    sendErrorPage(ctx, aadsts(900144, { parameter: 'client_id' }), now);
    return undefined;
  }
  const app = service.apps.get(clientId);
  if (!app)
    sendErrorPage(ctx, aadsts(700016, { appId: clientId, tenantName: service.tenantName(target) }), now);
  return app;
}

function foreignUserError(
  app: AppRegistration,
  signedIn: SignedInUser,
  target: TenantTarget & { kind: 'tenant' },
): AadstsError {
  return aadsts(50020, {
    upn: signedIn.user.userPrincipalName,
    tenant: signedIn.directory.tenant.id,
    tenantName: target.tenant.displayName,
    appId: app.appId,
    appName: app.displayName,
  });
}

function canGrantApplicationPermissions(user: EmulatedUser): boolean {
  return (
    isGlobalAdministrator(user) ||
    user.directoryRoleTemplateIds.includes(PRIVILEGED_ROLE_ADMINISTRATOR_ROLE_ID)
  );
}

interface RequestedGrants {
  /** Application permissions: resource app id → role values. */
  grants: Map<string, string[]>;
  /** Delegated permissions, granted for all users: resource app id → scope values. */
  delegated: Map<string, string[]>;
  /** The permissions as v2 reports them back: `https://graph.microsoft.com/User.Read.All …`. */
  scope: string;
}

/**
 * Every permission of the registration, on every resource it names: what v1 and a v2 `/.default`
 * request consent to ("all scopes found in the required permissions, both user and app"). The
 * resource named in `/.default` does not narrow it, which is why one registration per consent step
 * is the only way to ask for one service's permissions alone (docs/adr/0013).
 */
function allGrants(app: AppRegistration): RequestedGrants {
  const grants = new Map<string, string[]>();
  const delegated = new Map<string, string[]>();
  for (const access of app.requiredResourceAccess) {
    if (access.roles.length > 0) grants.set(access.resourceAppId, [...access.roles]);
    if (access.scopes && access.scopes.length > 0) delegated.set(access.resourceAppId, [...access.scopes]);
  }
  return { grants, delegated, scope: scopeString(grants, delegated) };
}

/**
 * v2: `<resource>/.default` consents to the whole registration (see {@link allGrants}); other
 * scopes are dynamic and, as in Entra, always delegated: application permissions can only be asked
 * for through `/.default`. `.default` cannot be mixed with dynamic scopes (AADSTS70011).
 */
function requestedGrants(app: AppRegistration, scope: string | null): RequestedGrants | AadstsError {
  if (!scope) return aadsts(900144, { parameter: 'scope' });
  const items = scope
    .split(' ')
    .filter(Boolean)
    .filter((item) => !['openid', 'profile', 'email', 'offline_access'].includes(item.toLowerCase()));
  if (items.length === 0) return aadsts(70011, { scope });
  const resourceOf = (item: string) => {
    const slash = item.lastIndexOf('/');
    return slash > 0
      ? { resource: findFirstPartyResource(item.slice(0, slash)), name: item.slice(slash + 1) }
      : { resource: findFirstPartyResource(MICROSOFT_GRAPH_RESOURCE), name: item };
  };
  const defaults = items.filter((item) => item.endsWith('/.default'));
  if (defaults.length > 0) {
    if (defaults.length !== items.length) return aadsts(70011, { scope });
    for (const item of defaults) if (!resourceOf(item).resource) return aadsts(70011, { scope: item });
    const all = allGrants(app);
    return all.grants.size + all.delegated.size === 0 ? aadsts(70011, { scope }) : all;
  }
  const delegated = new Map<string, string[]>();
  for (const item of items) {
    const { resource, name } = resourceOf(item);
    if (!resource || !name) return aadsts(70011, { scope: item });
    delegated.set(resource.appId, [...new Set([...(delegated.get(resource.appId) ?? []), name])]);
  }
  const grants = new Map<string, string[]>();
  return { grants, delegated, scope: scopeString(grants, delegated) };
}

function scopeString(
  grants: ReadonlyMap<string, readonly string[]>,
  delegated: ReadonlyMap<string, readonly string[]>,
): string {
  const parts: string[] = [];
  for (const map of [grants, delegated]) {
    for (const [resourceAppId, values] of map) {
      const resource = FIRST_PARTY_RESOURCES.find((candidate) => candidate.appId === resourceAppId);
      for (const value of values) parts.push(`${resource?.identifierUri ?? resourceAppId}/${value}`);
    }
  }
  return [...new Set(parts)].join(' ');
}

function describePermissions(requested: RequestedGrants): RequestedPermission[] {
  const lines: RequestedPermission[] = [];
  const add = (map: ReadonlyMap<string, readonly string[]>, kind: 'application' | 'delegated'): void => {
    for (const [resourceAppId, values] of map) {
      const resource = FIRST_PARTY_RESOURCES.find((candidate) => candidate.appId === resourceAppId);
      for (const value of values) {
        const definition =
          kind === 'application'
            ? resource?.appRoles.find((candidate) => candidate.value === value)
            : undefined;
        lines.push({
          resource: resource?.displayName ?? resourceAppId,
          value,
          kind,
          displayName: definition?.displayName ?? value,
          description: definition?.description ?? '',
        });
      }
    }
  };
  add(requested.grants, 'application');
  add(requested.delegated, 'delegated');
  return lines;
}

function autoPostForm(action: string, params: [string, string][]): string {
  const fields = params
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!DOCTYPE html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(action)}">${fields}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}
