/**
 * `POST /{tenant}/oauth2/v2.0/token`: client credentials, authorization code (+PKCE) and refresh
 * token grants, with Entra's error codes. Unknown form fields and headers (msal's telemetry,
 * `x-client-SKU`, `client-request-id`, …) are accepted and ignored, as Entra does.
 */
import { createHash } from 'node:crypto';
import { aadsts, type AadstsError } from './aadsts-errors.js';
import {
  emitsDirectoryRoles,
  isRegisteredRedirectUri,
  PUBLISHER_TENANT_ID,
  type AppRegistration,
} from './app-registrations.js';
import { checkClientAssertion, JWT_BEARER_ASSERTION_TYPE } from './client-assertions.js';
import { sendTokenError, type EntraService, type TenantTarget } from './entra-service.js';
import { parseForm, sendJson } from './http-replies.js';
import { ACCESS_TOKEN_LIFETIME_SECONDS, clientInfo } from './token-minting.js';
import { findFirstPartyResource, MICROSOFT_GRAPH_RESOURCE } from './well-known-resources.js';
import type { EmulatedTenant, EmulatedUser, HttpContext } from '../contracts.js';

/** Scopes that ask for OpenID Connect artefacts rather than an API. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
/** Stand-in service principal id of our app in its own (publisher) tenant. */
const PUBLISHER_SERVICE_PRINCIPAL_ID = '0b1e55ed-ca5e-4c0d-9e1a-5ec0a55a5e00';

type Outcome = { ok: true; body: Record<string, unknown> } | { ok: false; error: AadstsError };

/** Handles the token endpoint for a resolved `{tenant}`. */
export async function serveToken(
  service: EntraService,
  ctx: HttpContext,
  target: TenantTarget,
): Promise<void> {
  const now = service.now();
  if (target.kind === 'unknown') return sendTokenError(ctx, aadsts(90002, { tenant: target.segment }), now);
  const form = parseForm(ctx.body);
  const basic = basicCredentials(ctx.req.headers.authorization);
  const clientId = form.get('client_id') ?? basic?.clientId ?? '';
  const secret: ClientAuthentication = {
    secret: form.get('client_secret') ?? basic?.secret ?? undefined,
    assertionType: form.get('client_assertion_type') ?? undefined,
    assertion: form.get('client_assertion') ?? undefined,
  };
  const grantType = form.get('grant_type');

  let outcome: Outcome;
  if (!grantType) outcome = fail(aadsts(900144, { parameter: 'grant_type' }));
  else if (!clientId) outcome = fail(aadsts(900144, { parameter: 'client_id' }));
  else {
    const app = service.apps.get(clientId);
    if (!app) outcome = fail(aadsts(700016, { appId: clientId, tenantName: service.tenantName(target) }));
    else if (grantType === 'client_credentials')
      outcome = await clientCredentials(service, target, app, form, secret);
    else if (grantType === 'authorization_code')
      outcome = await authorizationCode(service, ctx, app, form, secret);
    else if (grantType === 'refresh_token') outcome = await refreshToken(service, ctx, app, form, secret);
    else outcome = fail(aadsts(70003, { grantType }));
  }
  if (!outcome.ok) return sendTokenError(ctx, outcome.error, now);
  sendJson(ctx.res, 200, outcome.body, { 'x-ms-ests-server': 'emulator' });
}

async function clientCredentials(
  service: EntraService,
  target: Exclude<TenantTarget, { kind: 'unknown' }>,
  app: AppRegistration,
  form: URLSearchParams,
  secret: ClientAuthentication,
): Promise<Outcome> {
  const now = service.now();
  const credential = await checkCredential(service, app, secret, now);
  if (credential) return fail(credential);
  if (app.disabled) return fail(aadsts(7000112, { appId: app.appId, appName: app.displayName }));
  if (target.kind === 'any') return fail(aadsts(50059));

  const scope = form.get('scope');
  if (!scope) return fail(aadsts(900144, { parameter: 'scope' }));
  const scopes = scope.split(' ').filter(Boolean);
  const single = scopes.length === 1 ? scopes[0] : undefined;
  if (!single || !single.endsWith('/.default')) return fail(aadsts(1002012, { scope }));
  const resourceId = single.slice(0, -'/.default'.length);
  const resource = findFirstPartyResource(resourceId);
  const tenantName = service.tenantName(target);
  if (!resource) return fail(aadsts(500011, { resource: resourceId, tenantName }));

  let tenantId: string;
  let principalId: string;
  let roles: string[];
  if (target.kind === 'publisher') {
    // The app's home tenant always holds its principal, but nobody granted it anything there.
    tenantId = PUBLISHER_TENANT_ID;
    principalId = PUBLISHER_SERVICE_PRINCIPAL_ID;
    roles = [];
  } else {
    tenantId = target.tenant.id;
    const principal = service.principals.get(tenantId, app.appId);
    if (!principal) return fail(aadsts(7000229, { appId: app.appId, tenant: tenantId }));
    if (!principal.accountEnabled)
      return fail(aadsts(7000112, { appId: app.appId, appName: app.displayName }));
    principalId = principal.id;
    roles = [...(principal.appRoleAssignments.get(resource.appId) ?? [])];
  }
  const token = await service.minter.appOnlyToken({
    tenantId,
    audience: resource.identifierUri,
    appId: app.appId,
    appDisplayName: app.displayName,
    servicePrincipalId: principalId,
    roles,
  });
  return ok({
    token_type: 'Bearer',
    expires_in: token.expiresIn,
    ext_expires_in: token.expiresIn,
    access_token: token.token,
  });
}

async function authorizationCode(
  service: EntraService,
  ctx: HttpContext,
  app: AppRegistration,
  form: URLSearchParams,
  secret: ClientAuthentication,
): Promise<Outcome> {
  const now = service.now();
  const code = form.get('code');
  if (!code) return fail(aadsts(900144, { parameter: 'code' }));
  const grant = service.browser.code(code);
  if (!grant || grant.clientId !== app.appId) return fail(aadsts(9002313));
  if (grant.redeemed) return fail(aadsts(54005));
  if (grant.expiresAt <= now) return fail(aadsts(70008));
  const redirectUri = form.get('redirect_uri') ?? '';
  if (redirectUri !== grant.redirectUri) return fail(aadsts(500112, { redirectUri }));
  const confidential = isRegisteredRedirectUri(app, grant.redirectUri) === 'web';
  if (confidential) {
    const credential = await checkCredential(service, app, secret, now);
    if (credential) return fail(credential);
  }
  if (app.disabled) return fail(aadsts(7000112, { appId: app.appId, appName: app.displayName }));
  if (grant.codeChallenge) {
    const verifier = form.get('code_verifier');
    if (!verifier) return fail(aadsts(900144, { parameter: 'code_verifier' }));
    const computed =
      grant.codeChallengeMethod === 'plain'
        ? verifier
        : createHash('sha256').update(verifier).digest('base64url');
    if (computed !== grant.codeChallenge) return fail(aadsts(501481));
  }
  grant.redeemed = true;
  const found = service.findUser(grant.tenantId, grant.userId);
  if (!found) return fail(aadsts(70008));
  if (!found.user.accountEnabled) return fail(aadsts(50057));
  return issueUserTokens(service, ctx, {
    app,
    tenant: found.directory.tenant,
    user: found.user,
    scopes: grant.scopes,
    confidential,
    nonce: grant.nonce,
    wantsClientInfo: form.get('client_info') === '1',
  });
}

async function refreshToken(
  service: EntraService,
  ctx: HttpContext,
  app: AppRegistration,
  form: URLSearchParams,
  secret: ClientAuthentication,
): Promise<Outcome> {
  const now = service.now();
  const presented = form.get('refresh_token');
  if (!presented) return fail(aadsts(900144, { parameter: 'refresh_token' }));
  const grant = service.browser.redeemRefreshToken(presented);
  if (grant === 'expired') return fail(aadsts(700082));
  if (!grant || grant.clientId !== app.appId) return fail(aadsts(9002313));
  if (grant.confidential) {
    const credential = await checkCredential(service, app, secret, now);
    if (credential) return fail(credential);
  }
  if (app.disabled) return fail(aadsts(7000112, { appId: app.appId, appName: app.displayName }));
  const found = service.findUser(grant.tenantId, grant.userId);
  if (!found) return fail(aadsts(70008));
  if (!found.user.accountEnabled) return fail(aadsts(50057));
  const requested = form.get('scope')?.split(' ').filter(Boolean);
  return issueUserTokens(service, ctx, {
    app,
    tenant: found.directory.tenant,
    user: found.user,
    // A refresh may switch resource; offline_access stays so the client keeps a refresh token.
    scopes: requested && requested.length > 0 ? [...new Set([...requested, 'offline_access'])] : grant.scopes,
    confidential: grant.confidential,
    wantsClientInfo: form.get('client_info') === '1',
  });
}

/** What a delegated grant resolves to: one resource and the scopes on it. */
export type DelegatedResource =
  | { kind: 'api'; app: AppRegistration; scopes: string[]; scopeString: string }
  | { kind: 'graph'; scopes: string[]; scopeString: string };

/** Splits requested scopes into the single resource they target (Entra issues one token per resource). */
export function resolveDelegatedResource(
  service: EntraService,
  requested: readonly string[],
): DelegatedResource | AadstsError {
  const resourceScopes = requested.filter((scope) => !OIDC_SCOPES.has(scope.toLowerCase()));
  const oidc = requested.filter(
    (scope) => OIDC_SCOPES.has(scope.toLowerCase()) && scope !== 'offline_access',
  );
  const apiScopes: { app: AppRegistration; name: string }[] = [];
  const graphScopes: string[] = [];
  for (const scope of resourceScopes) {
    const slash = scope.lastIndexOf('/');
    const prefix = slash > 0 ? scope.slice(0, slash) : '';
    const name = slash > 0 ? scope.slice(slash + 1) : scope;
    const api = prefix ? service.apps.findByIdentifier(prefix) : undefined;
    if (api) {
      const granted = name === '.default' ? api.oauth2Scopes : [name];
      for (const value of granted) {
        if (!api.oauth2Scopes.includes(value)) return aadsts(70011, { scope });
        apiScopes.push({ app: api, name: value });
      }
    } else if (!prefix || findFirstPartyResource(prefix)?.identifierUri === MICROSOFT_GRAPH_RESOURCE) {
      graphScopes.push(name === '.default' ? 'User.Read' : name);
    } else {
      return aadsts(70011, { scope });
    }
  }
  const apis = new Set(apiScopes.map((scope) => scope.app.appId));
  if (apis.size > 1 || (apis.size === 1 && graphScopes.length > 0))
    return aadsts(70011, { scope: requested.join(' ') });
  const first = apiScopes[0];
  if (first) {
    const scopes = [...new Set(apiScopes.map((scope) => scope.name))];
    const prefix = first.app.identifierUris[0] ?? first.app.appId;
    return {
      kind: 'api',
      app: first.app,
      scopes,
      scopeString: scopes.map((name) => `${prefix}/${name}`).join(' '),
    };
  }
  // Only OpenID scopes: Entra still returns an access token, for Microsoft Graph with User.Read.
  const scopes = [...new Set([...(graphScopes.length > 0 ? graphScopes : ['User.Read']), ...oidc])];
  return { kind: 'graph', scopes, scopeString: scopes.join(' ') };
}

interface UserTokenRequest {
  app: AppRegistration;
  tenant: EmulatedTenant;
  user: EmulatedUser;
  scopes: readonly string[];
  confidential: boolean;
  nonce?: string;
  wantsClientInfo: boolean;
}

async function issueUserTokens(
  service: EntraService,
  ctx: HttpContext,
  request: UserTokenRequest,
): Promise<Outcome> {
  const resource = resolveDelegatedResource(service, request.scopes);
  if ('code' in resource) return fail(resource);
  const userInput = {
    tenant: request.tenant,
    user: request.user,
    clientId: request.app.appId,
    confidentialClient: request.confidential,
    scopes: resource.scopes,
  };
  const access =
    resource.kind === 'api'
      ? await service.minter.userTokenV2({
          ...userInput,
          audienceAppId: resource.app.appId,
          issuerOrigin: ctx.origin,
          directoryRoles: emitsDirectoryRoles(resource.app.groupMembershipClaims),
        })
      : await service.minter.graphUserToken(userInput);
  const lower = request.scopes.map((scope) => scope.toLowerCase());
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: resource.scopeString,
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    access_token: access.token,
  };
  if (lower.includes('offline_access')) {
    body.refresh_token = service.browser.issueRefreshToken({
      clientId: request.app.appId,
      tenantId: request.tenant.id,
      userId: request.user.id,
      scopes: request.scopes,
      confidential: request.confidential,
    });
  }
  if (lower.includes('openid')) {
    const id = await service.minter.idToken({
      tenant: request.tenant,
      user: request.user,
      clientId: request.app.appId,
      nonce: request.nonce,
      issuerOrigin: ctx.origin,
    });
    body.id_token = id.token;
  }
  if (request.wantsClientInfo) body.client_info = clientInfo(request.user, request.tenant);
  return ok(body);
}

/** How a confidential client authenticated: a client secret, or a signed client assertion. */
interface ClientAuthentication {
  secret: string | undefined;
  assertionType: string | undefined;
  assertion: string | undefined;
}

/**
 * The credential check every confidential grant runs first: a certificate-signed client
 * assertion when one is sent, else the secret (wrong, expired or missing).
 */
async function checkCredential(
  service: EntraService,
  app: AppRegistration,
  presented: ClientAuthentication,
  now: number,
): Promise<AadstsError | undefined> {
  if (presented.assertion !== undefined || presented.assertionType !== undefined) {
    if (presented.assertionType !== JWT_BEARER_ASSERTION_TYPE)
      return aadsts(900144, { parameter: 'client_assertion_type' });
    if (!presented.assertion) return aadsts(900144, { parameter: 'client_assertion' });
    return checkClientAssertion(app, presented.assertion, now);
  }
  switch (service.apps.checkSecret(app, presented.secret, now)) {
    case 'missing':
      return aadsts(7000218);
    case 'wrong':
      return aadsts(7000215, { appId: app.appId });
    case 'expired':
      return aadsts(7000222, { appId: app.appId });
    case 'valid':
      return undefined;
  }
}

function basicCredentials(header: string | undefined): { clientId: string; secret: string } | undefined {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

function ok(body: Record<string, unknown>): Outcome {
  return { ok: true, body };
}

function fail(error: AadstsError): Outcome {
  return { ok: false, error };
}
