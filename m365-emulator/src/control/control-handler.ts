/**
 * The control API under `/_emulator/`: tests and developers shape tenants, consent state, app
 * credentials, keys, faults and throttling, and read statistics. Loopback callers only (checked by
 * the server before this handler runs).
 */
import {
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  emitsDirectoryRoles,
  GROUP_MEMBERSHIP_CLAIMS,
  TEAMS_WEB_CLIENT_ID,
  type AppRegistration,
  type CertificateCredential,
} from '../entra/app-registrations.js';
import { certificateCredential } from '../entra/client-assertions.js';
import { sendJson } from '../entra/http-replies.js';
import { ACCESS_TOKEN_LIFETIME_SECONDS } from '../entra/token-minting.js';
import { findFirstPartyResource } from '../entra/well-known-resources.js';
import { FaultRuleError, type FaultInjector, type FaultRuleInput } from '../faults/fault-injector.js';
import { CHANGE_NOTIFICATION_CONTROL_ROUTES } from '../subscriptions/change-notification-control.js';
import { TARGET_CONTROL_ROUTE_LABELS } from './targets-control-handler.js';
import type {
  AreaHandler,
  DirectoryRegistry,
  GroupInput,
  HttpContext,
  TenantDirectory,
  TenantSpec,
  UserInput,
} from '../contracts.js';
import type { EntraService } from '../entra/entra-service.js';
import type { RequestStats } from '../stats/request-stats.js';

/** The throttling knobs the control API exposes (the Graph half's throttling service satisfies it). */
export interface ThrottlingControl {
  settings(): { enabled: boolean; quotaMultiplier: number };
  configure(settings: Partial<{ enabled: boolean; quotaMultiplier: number }>): void;
  reset(): void;
}

/** Collaborators of the control API. */
export interface ControlDependencies {
  entra: EntraService;
  directories: DirectoryRegistry;
  faults: FaultInjector;
  stats: RequestStats;
  throttling?: ThrottlingControl;
  /** Other `/_emulator/` handlers (captured mail) tried before answering 404. */
  delegates?: readonly AreaHandler[];
  /** Shifts the emulator clock (tests expire tokens and secrets this way). */
  clock: { offsetMs(): number; advance(ms: number): void; now(): number };
  /** Describes the running emulator for `GET /_emulator`. */
  describe: () => Record<string, unknown>;
  /** Back to the start-up tenants, consent and app registrations, forgetting saved state (`POST /_emulator/reset`). */
  resetState?: () => Record<string, unknown>;
}

/** A refusal the control API reports as `{ error: { code, message } }`. */
class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string>;
type Body = Record<string, unknown>;
type Route = {
  method: string;
  path: RegExp;
  names: string[];
  run: (
    deps: ControlDependencies,
    params: Params,
    body: Body,
    ctx: HttpContext,
  ) => unknown | Promise<unknown>;
  status?: number;
};

const routes: Route[] = [];
/** Control routes as `METHOD /_emulator/...` (for the README and `GET /_emulator`). */
export const CONTROL_ROUTE_LABELS: string[] = [];

function route(method: string, pattern: string, run: Route['run'], status = 200): void {
  const names: string[] = [];
  const source = pattern.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  routes.push({ method, path: new RegExp(`^${source}/?$`), names, run, status });
  CONTROL_ROUTE_LABELS.push(`${method} ${pattern}`);
}

route('GET', '/_emulator', (deps) => ({
  ...deps.describe(),
  routes: [...CONTROL_ROUTE_LABELS, ...CHANGE_NOTIFICATION_CONTROL_ROUTES, ...TARGET_CONTROL_ROUTE_LABELS],
}));

// Everything saved across restarts back to start-up (tenants, consent, app registrations).
route('POST', '/_emulator/reset', (deps) => {
  if (!deps.resetState) throw new ControlError(404, 'notFound', 'Reset is not wired in this emulator.');
  return deps.resetState();
});

// Tenants.
route('GET', '/_emulator/tenants', (deps) => ({ value: deps.directories.list() }));
route(
  'POST',
  '/_emulator/tenants',
  (deps, _params, body) => deps.directories.create(tenantSpec(body)).tenant,
  201,
);
route('GET', '/_emulator/tenants/{tenant}', (deps, params) => {
  const directory = tenant(deps, params);
  return {
    ...directory.tenant,
    servicePrincipals: deps.entra.principals.list(directory.tenant.id).map(describePrincipal),
  };
});
route('POST', '/_emulator/tenants/{tenant}/reset', (deps, params) => {
  const id = tenant(deps, params).tenant.id;
  deps.entra.principals.dropTenant(id);
  return deps.directories.reset(id)?.tenant;
});
route('DELETE', '/_emulator/tenants/{tenant}', (deps, params) => {
  const id = tenant(deps, params).tenant.id;
  deps.entra.principals.dropTenant(id);
  deps.directories.remove(id);
  return { deleted: id };
});

// Users, groups and memberships (delta queries report these changes).
route(
  'POST',
  '/_emulator/tenants/{tenant}/users',
  (deps, params, body) => tenant(deps, params).createUser(body as UserInput),
  201,
);
route('GET', '/_emulator/tenants/{tenant}/users/{user}', (deps, params) => user(deps, params));
route('PATCH', '/_emulator/tenants/{tenant}/users/{user}', (deps, params, body) =>
  tenant(deps, params).updateUser(user(deps, params).id, body as UserInput),
);
route('DELETE', '/_emulator/tenants/{tenant}/users/{user}', (deps, params) => {
  const id = user(deps, params).id;
  tenant(deps, params).deleteUser(id);
  return { deleted: id };
});
route(
  'POST',
  '/_emulator/tenants/{tenant}/groups',
  (deps, params, body) => tenant(deps, params).createGroup(body as GroupInput),
  201,
);
route('GET', '/_emulator/tenants/{tenant}/groups/{group}', (deps, params) => group(deps, params));
route('PATCH', '/_emulator/tenants/{tenant}/groups/{group}', (deps, params, body) =>
  tenant(deps, params).updateGroup(group(deps, params).id, body as GroupInput),
);
route('DELETE', '/_emulator/tenants/{tenant}/groups/{group}', (deps, params) => {
  const id = group(deps, params).id;
  tenant(deps, params).deleteGroup(id);
  return { deleted: id };
});
route('POST', '/_emulator/tenants/{tenant}/groups/{group}/members', (deps, params, body) => {
  const memberId = requiredString(body, 'id');
  const directory = tenant(deps, params);
  const groupId = group(deps, params).id;
  const member = directory.getUser(memberId)?.id ?? directory.getGroup(memberId)?.id;
  if (!member) throw new ControlError(404, 'notFound', `No user or group '${memberId}'.`);
  return { added: directory.addMember(groupId, member) };
});
route('DELETE', '/_emulator/tenants/{tenant}/groups/{group}/members/{member}', (deps, params) => {
  const directory = tenant(deps, params);
  const memberId = directory.getUser(param(params, 'member'))?.id ?? param(params, 'member');
  return { removed: directory.removeMember(group(deps, params).id, memberId) };
});

// Consent state: service principals of our apps in a tenant.
route('GET', '/_emulator/tenants/{tenant}/service-principals', (deps, params) => ({
  value: deps.entra.principals.list(tenant(deps, params).tenant.id).map(describePrincipal),
}));
route('PUT', '/_emulator/tenants/{tenant}/service-principals/{app}', (deps, params, body) => {
  // Same effect as an admin accepting the consent page, without the browser.
  const app = appOf(deps, params);
  const grants = body.grants === undefined ? registrationGrants(app) : grantsFromBody(body.grants);
  return describePrincipal(
    deps.entra.principals.grant(tenant(deps, params).tenant.id, app, grants, deps.clock.now()),
  );
});
route('PATCH', '/_emulator/tenants/{tenant}/service-principals/{app}', (deps, params, body) => {
  const principal = principalOf(deps, params);
  if (typeof body.accountEnabled === 'boolean') principal.accountEnabled = body.accountEnabled;
  return describePrincipal(principal);
});
route('DELETE', '/_emulator/tenants/{tenant}/service-principals/{app}', (deps, params) => {
  const principal = principalOf(deps, params);
  deps.entra.principals.remove(principal.tenantId, principal.appId);
  return { deleted: principal.id };
});
route('POST', '/_emulator/tenants/{tenant}/service-principals/{app}/revoke-consent', (deps, params) => {
  const principal = principalOf(deps, params);
  deps.entra.principals.removeRoles(principal.tenantId, principal.appId);
  return describePrincipal(principal);
});
route('POST', '/_emulator/tenants/{tenant}/service-principals/{app}/remove-roles', (deps, params, body) => {
  const principal = principalOf(deps, params);
  const resource = typeof body.resource === 'string' ? resourceAppId(body.resource) : undefined;
  const roles = Array.isArray(body.roles)
    ? body.roles.filter((role): role is string => typeof role === 'string')
    : undefined;
  deps.entra.principals.removeRoles(principal.tenantId, principal.appId, resource, roles);
  return describePrincipal(principal);
});

// The token Teams SSO (`authentication.getAuthToken`) would hand the tab.
route('POST', '/_emulator/tenants/{tenant}/sso-token', async (deps, params, body, ctx) => {
  const directory = tenant(deps, params);
  const upn = requiredString(body, 'upn');
  const found = directory.findUserByUpn(upn);
  if (!found) throw new ControlError(404, 'notFound', `No user '${upn}' in ${directory.tenant.displayName}.`);
  if (!found.accountEnabled) throw new ControlError(400, 'accountDisabled', `User '${upn}' is disabled.`);
  const api = deps.entra.apps.get(
    typeof body.audience === 'string' ? body.audience : CLOUD_APP_SECURITY_API_CLIENT_ID,
  );
  if (!api) throw new ControlError(404, 'notFound', 'Unknown audience app.');
  const minted = await deps.entra.minter.userTokenV2({
    tenant: directory.tenant,
    user: found,
    clientId: typeof body.clientId === 'string' ? body.clientId : TEAMS_WEB_CLIENT_ID,
    confidentialClient: false,
    scopes: api.oauth2Scopes.length > 0 ? [...api.oauth2Scopes] : ['access_as_user'],
    audienceAppId: api.appId,
    issuerOrigin: ctx.origin,
    directoryRoles: emitsDirectoryRoles(api.groupMembershipClaims),
  });
  return { token: minted.token, expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, claims: minted.claims };
});

// App registrations in the publisher tenant.
route('GET', '/_emulator/apps', (deps) => ({ value: deps.entra.apps.list().map(describeApp) }));
route('POST', '/_emulator/apps/reset', (deps) => {
  deps.entra.apps.reset();
  return { value: deps.entra.apps.list().map(describeApp) };
});
route('GET', '/_emulator/apps/{app}', (deps, params) => describeApp(appOf(deps, params)));
route('PATCH', '/_emulator/apps/{app}', (deps, params, body) => {
  const app = appOf(deps, params);
  if (typeof body.disabled === 'boolean') app.disabled = body.disabled;
  if (body.groupMembershipClaims !== undefined) {
    const claims = GROUP_MEMBERSHIP_CLAIMS.find((value) => value === body.groupMembershipClaims);
    if (claims === undefined) {
      throw new ControlError(
        400,
        'invalidInput',
        `groupMembershipClaims must be one of ${GROUP_MEMBERSHIP_CLAIMS.join(', ')}.`,
      );
    }
    app.groupMembershipClaims = claims;
  }
  if (body.webRedirectUris !== undefined)
    app.webRedirectUris = uriList(body.webRedirectUris, 'webRedirectUris');
  if (body.spaRedirectUris !== undefined)
    app.spaRedirectUris = uriList(body.spaRedirectUris, 'spaRedirectUris');
  return describeApp(app);
});
route('POST', '/_emulator/apps/{app}/redirect-uris', (deps, params, body) => {
  const app = appOf(deps, params);
  const uri = uriList([requiredString(body, 'uri')], 'uri')[0] ?? '';
  const list = body.type === 'spa' ? app.spaRedirectUris : app.webRedirectUris;
  if (!list.includes(uri)) list.push(uri);
  return describeApp(app);
});
route('POST', '/_emulator/apps/{app}/secrets/expire', (deps, params, body) => {
  const app = appOf(deps, params);
  const secretId = typeof body.secretId === 'string' ? body.secretId : undefined;
  if (!deps.entra.apps.expireSecrets(app.appId, deps.clock.now() - 1000, secretId)) {
    throw new ControlError(404, 'notFound', 'No such secret.');
  }
  return describeApp(app);
});
route('POST', '/_emulator/apps/{app}/certificates', (deps, params, body) => {
  // The public part of a certificate, as uploaded under Certificates & secrets.
  const app = appOf(deps, params);
  let credential;
  try {
    credential = certificateCredential(requiredString(body, 'certificatePem'));
  } catch (error) {
    if (error instanceof ControlError) throw error;
    throw new ControlError(400, 'invalidInput', 'certificatePem must be a PEM X.509 certificate.');
  }
  app.certificates = [...app.certificates, credential];
  return describeCertificate(credential);
});
route('DELETE', '/_emulator/apps/{app}/certificates/{certificate}', (deps, params) => {
  const app = appOf(deps, params);
  const id = param(params, 'certificate');
  if (!app.certificates.some((candidate) => candidate.id === id))
    throw new ControlError(404, 'notFound', 'No such certificate.');
  app.certificates = app.certificates.filter((candidate) => candidate.id !== id);
  return { deleted: id };
});
route('POST', '/_emulator/apps/{app}/secrets/rotate', (deps, params, body) => {
  const app = appOf(deps, params);
  const days = typeof body.lifetimeDays === 'number' ? body.lifetimeDays : undefined;
  const secret = deps.entra.apps.rotateSecret(app.appId, {
    now: deps.clock.now(),
    lifetimeMs: days === undefined ? undefined : days * 24 * 3600 * 1000,
    keepOld: body.keepOld === true,
  });
  return {
    secretId: secret?.id,
    secretText: secret?.value,
    endDateTime: new Date(secret?.endDateTime ?? 0).toISOString(),
  };
});

// Signing keys.
route('GET', '/_emulator/keys', (deps) => ({
  active: deps.entra.keys.active.kid,
  published: deps.entra.keys.published().map((key) => ({
    kid: key.kid,
    createdAt: new Date(key.createdAt).toISOString(),
    retiredAt: key.retiredAt === undefined ? null : new Date(key.retiredAt).toISOString(),
  })),
}));
route('POST', '/_emulator/keys/rotate', async (deps, _params, body) => {
  const grace = typeof body.graceSeconds === 'number' ? body.graceSeconds * 1000 : undefined;
  const { active, previous } = await deps.entra.keys.rotate(grace);
  return { active: active.kid, previous: previous.kid };
});

// Fault injection.
route('GET', '/_emulator/faults', (deps) => ({ value: deps.faults.list() }));
route(
  'POST',
  '/_emulator/faults',
  (deps, _params, body) => deps.faults.add(body as unknown as FaultRuleInput),
  201,
);
route('PUT', '/_emulator/faults', (deps, _params, body) => {
  if (!Array.isArray(body.value)) throw new ControlError(400, 'invalidInput', 'Send { "value": [rules] }.');
  return { value: deps.faults.replace(body.value as FaultRuleInput[]) };
});
route('DELETE', '/_emulator/faults', (deps) => {
  deps.faults.clear();
  return { value: [] };
});
route('DELETE', '/_emulator/faults/{id}', (deps, params) => {
  if (!deps.faults.remove(param(params, 'id')))
    throw new ControlError(404, 'notFound', 'No such fault rule.');
  return { value: deps.faults.list() };
});

// Statistics.
route('GET', '/_emulator/stats', (deps) => deps.stats.snapshot());
route('DELETE', '/_emulator/stats', (deps) => {
  deps.stats.reset();
  return deps.stats.snapshot();
});

// Throttling.
route('GET', '/_emulator/throttling', (deps) => throttlingOf(deps).settings());
route('PATCH', '/_emulator/throttling', (deps, _params, body) => {
  const throttling = throttlingOf(deps);
  const settings: Partial<{ enabled: boolean; quotaMultiplier: number }> = {};
  if (typeof body.enabled === 'boolean') settings.enabled = body.enabled;
  if (typeof body.quotaMultiplier === 'number' && body.quotaMultiplier > 0)
    settings.quotaMultiplier = body.quotaMultiplier;
  throttling.configure(settings);
  return throttling.settings();
});
route('POST', '/_emulator/throttling/reset', (deps) => {
  throttlingOf(deps).reset();
  return throttlingOf(deps).settings();
});

// Clock.
route('GET', '/_emulator/clock', (deps) => clockView(deps));
route('POST', '/_emulator/clock', (deps, _params, body) => {
  const seconds = body.advanceSeconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds))
    throw new ControlError(400, 'invalidInput', 'advanceSeconds must be a number.');
  deps.clock.advance(seconds * 1000);
  return clockView(deps);
});

/** Creates the control API handler (answers every `/_emulator/…` path). */
export function createControlHandler(deps: ControlDependencies): AreaHandler {
  return async (ctx) => {
    const { pathname } = ctx.url;
    if (pathname !== '/_emulator' && !pathname.startsWith('/_emulator/')) return false;
    for (const delegate of deps.delegates ?? []) if (await delegate(ctx)) return true;
    const method = ctx.req.method ?? 'GET';
    let pathMatched = false;
    for (const candidate of routes) {
      const match = candidate.path.exec(pathname);
      if (!match) continue;
      pathMatched = true;
      if (candidate.method !== method) continue;
      const params: Params = {};
      candidate.names.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1] ?? '')));
      try {
        const result = await candidate.run(deps, params, parseBody(ctx.body), ctx);
        sendJson(ctx.res, candidate.status ?? 200, result ?? {});
      } catch (error) {
        sendControlError(ctx, error);
      }
      return true;
    }
    sendJson(ctx.res, pathMatched ? 405 : 404, {
      error: {
        code: pathMatched ? 'methodNotAllowed' : 'notFound',
        message: `${method} ${pathname} is not a control route.`,
      },
    });
    return true;
  };
}

function sendControlError(ctx: HttpContext, error: unknown): void {
  if (error instanceof ControlError) {
    return sendJson(ctx.res, error.status, { error: { code: error.code, message: error.message } });
  }
  if (error instanceof FaultRuleError)
    return sendJson(ctx.res, 400, { error: { code: 'invalidInput', message: error.message } });
  // The directory reports refusals with a `code` (invalidInput, conflict, notFound, cycle).
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const status = { invalidInput: 400, conflict: 409, notFound: 404, cycle: 409 }[code ?? ''];
  if (status && error instanceof Error)
    return sendJson(ctx.res, status, { error: { code, message: error.message } });
  sendJson(ctx.res, 500, {
    error: { code: 'internalError', message: error instanceof Error ? error.message : String(error) },
  });
}

function parseBody(body: Buffer): Body {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ControlError(400, 'invalidJson', 'The body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ControlError(400, 'invalidInput', 'The body must be a JSON object.');
  return parsed as Body;
}

function param(params: Params, name: string): string {
  return params[name] ?? '';
}

function tenant(deps: ControlDependencies, params: Params): TenantDirectory {
  const key = param(params, 'tenant');
  const directory = deps.directories.get(key);
  if (!directory) throw new ControlError(404, 'tenantNotFound', `No tenant '${key}'.`);
  return directory;
}

function user(deps: ControlDependencies, params: Params) {
  const key = param(params, 'user');
  const found = tenant(deps, params).getUser(key);
  if (!found) throw new ControlError(404, 'notFound', `No user '${key}'.`);
  return found;
}

function group(deps: ControlDependencies, params: Params) {
  const key = param(params, 'group');
  const found = tenant(deps, params).getGroup(key);
  if (!found) throw new ControlError(404, 'notFound', `No group '${key}'.`);
  return found;
}

function appOf(deps: ControlDependencies, params: Params): AppRegistration {
  const key = param(params, 'app');
  const app = deps.entra.apps.get(key);
  if (!app) throw new ControlError(404, 'notFound', `No app registration '${key}'.`);
  return app;
}

function principalOf(deps: ControlDependencies, params: Params) {
  const tenantId = tenant(deps, params).tenant.id;
  const app = appOf(deps, params);
  const principal = deps.entra.principals.get(tenantId, app.appId);
  if (!principal)
    throw new ControlError(404, 'notFound', `${app.displayName} has no service principal in ${tenantId}.`);
  return principal;
}

function throttlingOf(deps: ControlDependencies): ThrottlingControl {
  if (!deps.throttling) throw new ControlError(404, 'notFound', 'Throttling is not wired in this emulator.');
  return deps.throttling;
}

function tenantSpec(body: Body): TenantSpec {
  const seed = requiredString(body, 'seed');
  const users = typeof body.users === 'number' ? body.users : NaN;
  const groups = typeof body.groups === 'number' ? body.groups : NaN;
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(groups) || groups < 0) {
    throw new ControlError(400, 'invalidInput', 'users (≥ 1) and groups (≥ 0) must be integers.');
  }
  const spec: TenantSpec = { seed, users, groups };
  if (typeof body.id === 'string') spec.id = body.id;
  if (typeof body.displayName === 'string') spec.displayName = body.displayName;
  if (typeof body.defaultDomain === 'string') spec.defaultDomain = body.defaultDomain;
  return spec;
}

function requiredString(body: Body, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new ControlError(400, 'invalidInput', `${name} is required.`);
  return value;
}

function uriList(value: unknown, name: string): string[] {
  if (!Array.isArray(value))
    throw new ControlError(400, 'invalidInput', `${name} must be a list of absolute URIs.`);
  return value.map((item) => {
    if (typeof item !== 'string' || !URL.canParse(item))
      throw new ControlError(400, 'invalidInput', `${name} must hold absolute URIs.`);
    return item;
  });
}

function resourceAppId(identifier: string): string {
  const resource = findFirstPartyResource(identifier);
  if (!resource) throw new ControlError(400, 'invalidInput', `Unknown resource '${identifier}'.`);
  return resource.appId;
}

function registrationGrants(app: AppRegistration): Map<string, string[]> {
  return new Map(app.requiredResourceAccess.map((access) => [access.resourceAppId, [...access.roles]]));
}

function grantsFromBody(value: unknown): Map<string, string[]> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ControlError(
      400,
      'invalidInput',
      'grants must map a resource (URI or app id) to a list of roles.',
    );
  }
  const grants = new Map<string, string[]>();
  for (const [resource, roles] of Object.entries(value)) {
    if (!Array.isArray(roles))
      throw new ControlError(400, 'invalidInput', `grants['${resource}'] must be a list.`);
    grants.set(
      resourceAppId(resource),
      roles.filter((role): role is string => typeof role === 'string'),
    );
  }
  return grants;
}

function describePrincipal(principal: {
  id: string;
  appId: string;
  tenantId: string;
  displayName: string;
  accountEnabled: boolean;
  appRoleAssignments: Map<string, Set<string>>;
  delegatedGrants: Map<string, Set<string>>;
}) {
  return {
    id: principal.id,
    appId: principal.appId,
    tenantId: principal.tenantId,
    displayName: principal.displayName,
    accountEnabled: principal.accountEnabled,
    appRoleAssignments: Object.fromEntries(
      [...principal.appRoleAssignments].map(([resource, roles]) => [resource, [...roles]]),
    ),
    delegatedGrants: Object.fromEntries(
      [...principal.delegatedGrants].map(([resource, scopes]) => [resource, [...scopes]]),
    ),
  };
}

function describeCertificate(certificate: CertificateCredential) {
  return {
    id: certificate.id,
    thumbprint: Buffer.from(certificate.x5t, 'base64url').toString('hex').toUpperCase(),
    thumbprintSha256: Buffer.from(certificate.x5tS256, 'base64url').toString('hex').toUpperCase(),
    startDateTime: new Date(certificate.startDateTime).toISOString(),
    endDateTime: new Date(certificate.endDateTime).toISOString(),
  };
}

function describeApp(app: AppRegistration) {
  return {
    appId: app.appId,
    displayName: app.displayName,
    disabled: app.disabled,
    webRedirectUris: app.webRedirectUris,
    spaRedirectUris: app.spaRedirectUris,
    identifierUris: app.identifierUris,
    oauth2Scopes: app.oauth2Scopes,
    groupMembershipClaims: app.groupMembershipClaims,
    requiredResourceAccess: app.requiredResourceAccess,
    certificates: app.certificates.map(describeCertificate),
    // Development secrets are shown in full: they are documented constants or were minted by this API.
    secrets: app.secrets.map((secret) => ({
      id: secret.id,
      hint: secret.hint,
      secretText: secret.value,
      endDateTime: new Date(secret.endDateTime).toISOString(),
    })),
  };
}

function clockView(deps: ControlDependencies) {
  return { now: new Date(deps.clock.now()).toISOString(), offsetSeconds: deps.clock.offsetMs() / 1000 };
}
