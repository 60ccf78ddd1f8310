/** OpenID Connect discovery documents and the JWKS, per tenant, as Entra serves them. */
import { aadsts } from './aadsts-errors.js';
import { sendTokenError, type EntraService, type TenantTarget } from './entra-service.js';
import { sendJson } from './http-replies.js';
import { v1Issuer } from './token-minting.js';
import type { HttpContext } from '../contracts.js';

/** `GET /{tenant}/v2.0/.well-known/openid-configuration`. */
export function serveOpenIdConfiguration(
  service: EntraService,
  ctx: HttpContext,
  target: TenantTarget,
): void {
  if (target.kind === 'unknown')
    return sendTokenError(ctx, aadsts(90002, { tenant: target.segment }), service.now());
  // A named tenant's document uses its GUID everywhere; common/organizations keep the alias in the
  // endpoints and a `{tenantid}` placeholder in the issuer, exactly like Entra.
  const tenantPath = target.kind === 'any' ? target.segment : tenantIdOf(target);
  const base = `${ctx.origin}/${tenantPath}`;
  const issuerTenant = target.kind === 'any' ? '{tenantid}' : tenantIdOf(target);
  sendJson(ctx.res, 200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${ctx.origin}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    tenant_region_scope: target.kind === 'any' ? null : 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    // Graph is served by the emulator itself, on the same origin.
    msgraph_host: new URL(ctx.origin).host,
    rbac_url: 'https://pas.windows.net',
  });
}

/** `GET /{tenant}/.well-known/openid-configuration` (v1.0 endpoints, issuer on sts.windows.net). */
export function serveV1OpenIdConfiguration(
  service: EntraService,
  ctx: HttpContext,
  target: TenantTarget,
): void {
  if (target.kind === 'unknown')
    return sendTokenError(ctx, aadsts(90002, { tenant: target.segment }), service.now());
  const tenantPath = target.kind === 'any' ? target.segment : tenantIdOf(target);
  const base = `${ctx.origin}/${tenantPath}`;
  sendJson(ctx.res, 200, {
    token_endpoint: `${base}/oauth2/token`,
    jwks_uri: `${ctx.origin}/common/discovery/keys`,
    issuer: target.kind === 'any' ? 'https://sts.windows.net/{tenantid}/' : v1Issuer(tenantIdOf(target)),
    authorization_endpoint: `${base}/oauth2/authorize`,
    id_token_signing_alg_values_supported: ['RS256'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
  });
}

/** `GET /{tenant}/discovery/v2.0/keys` (and the v1 `/discovery/keys`): the published RS256 keys. */
export function serveKeys(service: EntraService, ctx: HttpContext, target: TenantTarget): void {
  if (target.kind === 'unknown')
    return sendTokenError(ctx, aadsts(90002, { tenant: target.segment }), service.now());
  // Keys are shared by all tenants, as Entra's are; clients may cache them for a day.
  sendJson(ctx.res, 200, service.keys.jwks(), { 'Cache-Control': 'max-age=86400, private' });
}

function tenantIdOf(target: TenantTarget): string {
  if (target.kind === 'tenant') return target.tenant.id;
  return target.segment;
}
