/**
 * App registrations held in the emulator's "publisher" tenant (where our multi-tenant apps live),
 * and the service principals that admin consent creates in customer tenants.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { EXCHANGE_ONLINE_APP_ID, MICROSOFT_GRAPH_APP_ID } from './well-known-resources.js';

/** Tenant id of the publisher tenant that owns our app registrations (it has no directory of its own). */
export const PUBLISHER_TENANT_ID = '0b1e55ed-ca5e-4c0d-9e1a-5ec0a55a0000';
/**
 * Client id of "Cloud App Security", a single multi-tenant registration holding every permission of
 * every service. The product no longer uses it (one registration per consent step, see
 * docs/adr/0013-one-app-registration-per-consent-step.md); the emulator keeps it because it shows
 * why: its `/.default` consent grants every service at once. Tests that need any one app use it too.
 */
export const CLOUD_APP_SECURITY_CLIENT_ID = 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a001';
/** Development client secret of "Cloud App Security": a fixed, documented value, not a real secret. */
export const CLOUD_APP_SECURITY_CLIENT_SECRET = 'Dev8Q~CloudAppSecurity.EmulatorOnly.NotASecret';
/** Id (not value) of the development client secret. */
export const CLOUD_APP_SECURITY_CLIENT_SECRET_ID = '5ec2e7a1-0000-4000-8000-c1a5ec00a001';

/** The product's consent apps: one multi-tenant registration per consent step (ADR 0013). */
export const CONSENT_APP_KEYS = [
  'exchangeOnlineEws',
  'exchangeOnlineGraph',
  'sharePointOnlineGraph',
  'oneDriveGraph',
] as const;

/** One of {@link CONSENT_APP_KEYS}. */
export type ConsentAppKey = (typeof CONSENT_APP_KEYS)[number];

/** A consent app as the emulator registers it: ids, development secret and permissions. */
export interface DevelopmentConsentApp {
  readonly clientId: string;
  readonly displayName: string;
  /** Development client secret: a fixed, documented value, not a real secret. */
  readonly clientSecret: string;
  readonly clientSecretId: string;
  readonly requiredResourceAccess: readonly RequiredResourceAccess[];
}

// Least privilege, matching core's consent requirements: GroupMember.Read.All rather than
// Group.Read.All (group search, members and group delta need nothing more, and it does not expose
// group conversations). RoleManagement.Read.Directory (read-only) lets the API check that the Teams
// user acting through the bot holds Global Administrator (docs/api.md, "Bot credential"). No
// Mail.Send: our own notification email goes out through our SMTP relay.
const DIRECTORY_ROLES = ['User.Read.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory'];

/** The development registrations of the consent apps, by key. */
export const DEVELOPMENT_CONSENT_APPS: Readonly<Record<ConsentAppKey, DevelopmentConsentApp>> = {
  exchangeOnlineEws: {
    clientId: 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a011',
    displayName: 'Cloud App Security for Exchange Online (EWS)',
    clientSecret: 'Dev8Q~ExchangeOnlineEws.EmulatorOnly.NotASecret',
    clientSecretId: '5ec2e7a1-0000-4000-8000-c1a5ec00a011',
    requiredResourceAccess: [{ resourceAppId: EXCHANGE_ONLINE_APP_ID, roles: ['full_access_as_app'] }],
  },
  exchangeOnlineGraph: {
    clientId: 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a012',
    displayName: 'Cloud App Security for Exchange Online',
    clientSecret: 'Dev8Q~ExchangeOnlineGraph.EmulatorOnly.NotASecret',
    clientSecretId: '5ec2e7a1-0000-4000-8000-c1a5ec00a012',
    requiredResourceAccess: [
      { resourceAppId: MICROSOFT_GRAPH_APP_ID, roles: [...DIRECTORY_ROLES, 'Mail.ReadWrite'] },
    ],
  },
  sharePointOnlineGraph: {
    clientId: 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a013',
    displayName: 'Cloud App Security for SharePoint Online',
    clientSecret: 'Dev8Q~SharePointOnlineGraph.EmulatorOnly.NotASecret',
    clientSecretId: '5ec2e7a1-0000-4000-8000-c1a5ec00a013',
    requiredResourceAccess: [
      { resourceAppId: MICROSOFT_GRAPH_APP_ID, roles: [...DIRECTORY_ROLES, 'Sites.Read.All'] },
    ],
  },
  oneDriveGraph: {
    clientId: 'c1a5ec00-7e57-4c0a-9d1e-5ecc0a55a014',
    displayName: 'Cloud App Security for OneDrive',
    clientSecret: 'Dev8Q~OneDriveGraph.EmulatorOnly.NotASecret',
    clientSecretId: '5ec2e7a1-0000-4000-8000-c1a5ec00a014',
    requiredResourceAccess: [
      { resourceAppId: MICROSOFT_GRAPH_APP_ID, roles: [...DIRECTORY_ROLES, 'Files.Read.All'] },
    ],
  },
};
/** Client id of our API's own app (the SSO resource of the tab). */
export const CLOUD_APP_SECURITY_API_CLIENT_ID = 'a91c0de5-7ab0-4a11-8e55-5ec0a55a0002';
/** Application ID URI of our API's app. */
export const CLOUD_APP_SECURITY_API_ID_URI = `api://localhost/${CLOUD_APP_SECURITY_API_CLIENT_ID}`;
/** Delegated scope the tab asks for on our API. */
export const ACCESS_AS_USER_SCOPE = 'access_as_user';
/** Microsoft Teams web client id (pre-authorised for Teams SSO, the `azp` of SSO tokens). */
export const TEAMS_WEB_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';
/** Microsoft Teams desktop/mobile client id (also pre-authorised for Teams SSO). */
export const TEAMS_DESKTOP_CLIENT_ID = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';
/**
 * Default consent callbacks of "Cloud App Security". Entra ignores the port of localhost redirect
 * URIs, so these match the API on any port.
 */
export const DEFAULT_CONSENT_REDIRECT_URIS: readonly string[] = [
  'https://localhost/api/consent/callback',
  'http://localhost/api/consent/callback',
];
/** Default SPA redirect URIs of our API's app (the tab served on any localhost port). */
export const DEFAULT_TAB_REDIRECT_URIS: readonly string[] = [
  'https://localhost/',
  'https://localhost/auth-end.html',
  'http://localhost/',
  'http://localhost/auth-end.html',
];
/** Lifetime of the development secret: two years, like the longest the Entra portal recommends. */
const DEFAULT_SECRET_LIFETIME_MS = 730 * 24 * 3600 * 1000;

/** A client secret (password credential) of an app registration. */
export interface ClientSecret {
  readonly id: string;
  readonly value: string;
  /** First three characters, as the portal shows them. */
  readonly hint: string;
  /** Expiry in ms since the epoch. */
  endDateTime: number;
}

/** A certificate (key credential) of an app registration: only its public part is uploaded. */
export interface CertificateCredential {
  readonly id: string;
  /** Base64url SHA-1 thumbprint of the DER certificate (the `x5t` of assertions signed with it). */
  readonly x5t: string;
  /** Base64url SHA-256 thumbprint (`x5t#S256`, what msal-node sends with `thumbprintSha256`). */
  readonly x5tS256: string;
  /** The public key, PEM (SPKI). */
  readonly publicKeyPem: string;
  /** Validity in ms since the epoch, from the certificate itself. */
  readonly startDateTime: number;
  endDateTime: number;
}

/** Permissions an app asks for on one resource (its manifest's `requiredResourceAccess`). */
export interface RequiredResourceAccess {
  readonly resourceAppId: string;
  /** Application permissions (`Role`). */
  readonly roles: readonly string[];
  /** Delegated permissions (`Scope`); none of our consent apps asks for any. */
  readonly scopes?: readonly string[];
}

/** Values of an app manifest's `groupMembershipClaims` (which group and role claims tokens carry). */
export const GROUP_MEMBERSHIP_CLAIMS = [
  'None',
  'SecurityGroup',
  'DirectoryRole',
  'ApplicationGroup',
  'All',
] as const;

/** One value of {@link GROUP_MEMBERSHIP_CLAIMS}. */
export type GroupMembershipClaims = (typeof GROUP_MEMBERSHIP_CLAIMS)[number];

/**
 * Whether access tokens for an API registered with this setting carry `wids`: Entra emits the
 * user's directory roles only when the resource's manifest asks for them (`DirectoryRole` or `All`).
 */
export function emitsDirectoryRoles(claims: GroupMembershipClaims): boolean {
  return claims === 'DirectoryRole' || claims === 'All';
}

/** An app registration in the publisher tenant. */
export interface AppRegistration {
  readonly appId: string;
  readonly displayName: string;
  secrets: ClientSecret[];
  /** Uploaded certificates (key credentials) a `client_assertion` may be signed with. */
  certificates: CertificateCredential[];
  /** Web redirect URIs (confidential client: code redemption needs the secret). */
  webRedirectUris: string[];
  /** SPA redirect URIs (public client: PKCE, no secret). */
  spaRedirectUris: string[];
  readonly requiredResourceAccess: readonly RequiredResourceAccess[];
  /** Application ID URIs, when the app exposes an API. */
  readonly identifierUris: readonly string[];
  /** Delegated scopes the app exposes. */
  readonly oauth2Scopes: readonly string[];
  /** Clients allowed to get tokens for this API without a consent prompt (Teams SSO). */
  readonly preAuthorizedClientIds: readonly string[];
  /** The manifest's `groupMembershipClaims`: decides whether user tokens for this API carry `wids`. */
  groupMembershipClaims: GroupMembershipClaims;
  /** Disabled by its publisher: every token request fails with AADSTS7000112. */
  disabled: boolean;
}

/** Options for {@link AppRegistry}. */
export interface AppRegistryOptions {
  /** Consent callbacks of "Cloud App Security" (default {@link DEFAULT_CONSENT_REDIRECT_URIS}). */
  consentRedirectUris?: readonly string[];
  /** SPA redirect URIs of the API's app (default {@link DEFAULT_TAB_REDIRECT_URIS}). */
  tabRedirectUris?: readonly string[];
  /** Expiry of the development secret in ms since the epoch (default two years from `now`). */
  secretExpiresAt?: number;
  /** Current time in ms since the epoch. */
  now: number;
}

/** Outcome of checking a presented client secret. */
export type SecretCheck = 'valid' | 'missing' | 'wrong' | 'expired';

/** The app registrations of the publisher tenant. */
export class AppRegistry {
  readonly #apps = new Map<string, AppRegistration>();
  readonly #options: AppRegistryOptions;

  constructor(options: AppRegistryOptions) {
    this.#options = options;
    this.reset();
  }

  /** Restores the registrations as they were at start (secrets, redirect URIs, enabled). */
  reset(): void {
    const options = this.#options;
    this.#apps.clear();
    this.#apps.set(CLOUD_APP_SECURITY_CLIENT_ID, {
      appId: CLOUD_APP_SECURITY_CLIENT_ID,
      displayName: 'Cloud App Security',
      secrets: [
        {
          id: CLOUD_APP_SECURITY_CLIENT_SECRET_ID,
          value: CLOUD_APP_SECURITY_CLIENT_SECRET,
          hint: CLOUD_APP_SECURITY_CLIENT_SECRET.slice(0, 3),
          endDateTime: options.secretExpiresAt ?? options.now + DEFAULT_SECRET_LIFETIME_MS,
        },
      ],
      webRedirectUris: [...(options.consentRedirectUris ?? DEFAULT_CONSENT_REDIRECT_URIS)],
      spaRedirectUris: [],
      certificates: [],
      requiredResourceAccess: [
        { resourceAppId: EXCHANGE_ONLINE_APP_ID, roles: ['full_access_as_app'] },
        {
          resourceAppId: MICROSOFT_GRAPH_APP_ID,
          roles: [
            'User.Read.All',
            'GroupMember.Read.All',
            'Mail.ReadWrite',
            'Sites.Read.All',
            'Files.Read.All',
            'RoleManagement.Read.Directory',
          ],
        },
      ],
      identifierUris: [],
      oauth2Scopes: [],
      preAuthorizedClientIds: [],
      groupMembershipClaims: 'DirectoryRole',
      disabled: false,
    });
    for (const consentApp of Object.values(DEVELOPMENT_CONSENT_APPS)) {
      this.#apps.set(consentApp.clientId, {
        appId: consentApp.clientId,
        displayName: consentApp.displayName,
        secrets: [
          {
            id: consentApp.clientSecretId,
            value: consentApp.clientSecret,
            hint: consentApp.clientSecret.slice(0, 3),
            endDateTime: options.secretExpiresAt ?? options.now + DEFAULT_SECRET_LIFETIME_MS,
          },
        ],
        certificates: [],
        webRedirectUris: [...(options.consentRedirectUris ?? DEFAULT_CONSENT_REDIRECT_URIS)],
        spaRedirectUris: [],
        requiredResourceAccess: consentApp.requiredResourceAccess,
        identifierUris: [],
        oauth2Scopes: [],
        preAuthorizedClientIds: [],
        groupMembershipClaims: 'None',
        disabled: false,
      });
    }
    this.#apps.set(CLOUD_APP_SECURITY_API_CLIENT_ID, {
      appId: CLOUD_APP_SECURITY_API_CLIENT_ID,
      displayName: 'Cloud App Security API',
      secrets: [],
      certificates: [],
      webRedirectUris: [],
      spaRedirectUris: [...(options.tabRedirectUris ?? DEFAULT_TAB_REDIRECT_URIS)],
      requiredResourceAccess: [],
      identifierUris: [CLOUD_APP_SECURITY_API_ID_URI],
      oauth2Scopes: [ACCESS_AS_USER_SCOPE],
      preAuthorizedClientIds: [
        TEAMS_WEB_CLIENT_ID,
        TEAMS_DESKTOP_CLIENT_ID,
        CLOUD_APP_SECURITY_API_CLIENT_ID,
      ],
      // As our aad.signin.manifest.json asks: the API reads Global Administrator from `wids`.
      groupMembershipClaims: 'DirectoryRole',
      disabled: false,
    });
  }

  /** Every registration. */
  list(): AppRegistration[] {
    return [...this.#apps.values()];
  }

  /** A registration by client id (case-insensitive). */
  get(appId: string): AppRegistration | undefined {
    return this.#apps.get(appId.toLowerCase());
  }

  /** The registration that exposes an API under this Application ID URI or client id. */
  findByIdentifier(identifier: string): AppRegistration | undefined {
    const key = identifier.replace(/\/+$/, '').toLowerCase();
    return this.list().find(
      (app) =>
        app.identifierUris.length > 0 &&
        (app.appId === key || app.identifierUris.some((uri) => uri.toLowerCase() === key)),
    );
  }

  /** Compares in constant time; an expired secret is reported only when its value matched. */
  checkSecret(app: AppRegistration, presented: string | undefined, now: number): SecretCheck {
    if (!presented) return 'missing';
    const match = app.secrets.find((secret) => sameText(secret.value, presented));
    if (!match) return 'wrong';
    return match.endDateTime <= now ? 'expired' : 'valid';
  }

  /** Adds a new secret (and, unless `keepOld`, removes the others); returns it with its value. */
  rotateSecret(
    appId: string,
    options: { now: number; lifetimeMs?: number; keepOld?: boolean },
  ): ClientSecret | undefined {
    const app = this.get(appId);
    if (!app) return undefined;
    const value = `${randomBytes(3).toString('base64url').slice(0, 3)}8Q~${randomBytes(27).toString('base64url')}`;
    const secret: ClientSecret = {
      id: randomUUID(),
      value,
      hint: value.slice(0, 3),
      endDateTime: options.now + (options.lifetimeMs ?? DEFAULT_SECRET_LIFETIME_MS),
    };
    app.secrets = options.keepOld ? [...app.secrets, secret] : [secret];
    return secret;
  }

  /** Moves the expiry of one secret (or all) to `at`; returns false when nothing matched. */
  expireSecrets(appId: string, at: number, secretId?: string): boolean {
    const app = this.get(appId);
    if (!app) return false;
    const targets = app.secrets.filter((secret) => !secretId || secret.id === secretId);
    for (const secret of targets) secret.endDateTime = at;
    return targets.length > 0;
  }
}

/** Whether `uri` matches one registered redirect URI; the port of localhost URIs is ignored, as Entra does. */
export function isRegisteredRedirectUri(app: AppRegistration, uri: string): 'web' | 'spa' | undefined {
  if (app.webRedirectUris.some((registered) => redirectUrisMatch(registered, uri))) return 'web';
  if (app.spaRedirectUris.some((registered) => redirectUrisMatch(registered, uri))) return 'spa';
  return undefined;
}

/** Exact match, except that loopback hosts match on any port (RFC 8252 §7.3, Entra's localhost exception). */
export function redirectUrisMatch(registered: string, presented: string): boolean {
  if (registered === presented) return true;
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(presented);
  } catch {
    return false;
  }
  const loopback = (host: string): boolean =>
    host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  return (
    loopback(a.hostname) &&
    a.hostname === b.hostname &&
    a.protocol === b.protocol &&
    a.pathname === b.pathname &&
    a.search === b.search
  );
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Our app's enterprise application in one customer tenant, created by admin consent. */
export interface ServicePrincipal {
  /** Object id: the `oid` (and `sub`) of the app-only tokens issued in this tenant. */
  readonly id: string;
  readonly appId: string;
  readonly tenantId: string;
  readonly displayName: string;
  /** "Enabled for users to sign in": false makes token requests fail with AADSTS7000112. */
  accountEnabled: boolean;
  /** Granted application permissions: resource app id → role values. */
  readonly appRoleAssignments: Map<string, Set<string>>;
  /** Delegated permissions granted for all users (oauth2PermissionGrants): resource app id → scopes. */
  readonly delegatedGrants: Map<string, Set<string>>;
  readonly createdAt: number;
}

/** Service principals of every tenant, keyed by tenant id and app id. */
export class ServicePrincipalStore {
  readonly #byTenant = new Map<string, Map<string, ServicePrincipal>>();

  /** The service principal of `appId` in `tenantId`, if consent created one. */
  get(tenantId: string, appId: string): ServicePrincipal | undefined {
    return this.#byTenant.get(tenantId.toLowerCase())?.get(appId.toLowerCase());
  }

  /** Every service principal of one tenant. */
  list(tenantId: string): ServicePrincipal[] {
    return [...(this.#byTenant.get(tenantId.toLowerCase())?.values() ?? [])];
  }

  /** Creates the service principal if needed and adds the granted roles (consent accumulates, as in Entra). */
  grant(
    tenantId: string,
    app: AppRegistration,
    grants: ReadonlyMap<string, readonly string[]>,
    now: number,
    delegated: ReadonlyMap<string, readonly string[]> = new Map(),
  ): ServicePrincipal {
    const tenantKey = tenantId.toLowerCase();
    let principals = this.#byTenant.get(tenantKey);
    if (!principals) {
      principals = new Map();
      this.#byTenant.set(tenantKey, principals);
    }
    let principal = principals.get(app.appId);
    if (!principal) {
      principal = {
        id: randomUUID(),
        appId: app.appId,
        tenantId: tenantKey,
        displayName: app.displayName,
        accountEnabled: true,
        appRoleAssignments: new Map(),
        delegatedGrants: new Map(),
        createdAt: now,
      };
      principals.set(app.appId, principal);
    }
    for (const [resourceAppId, roles] of grants) {
      const assigned = principal.appRoleAssignments.get(resourceAppId) ?? new Set<string>();
      for (const role of roles) assigned.add(role);
      principal.appRoleAssignments.set(resourceAppId, assigned);
    }
    for (const [resourceAppId, scopes] of delegated) {
      const granted = principal.delegatedGrants.get(resourceAppId) ?? new Set<string>();
      for (const scope of scopes) granted.add(scope);
      principal.delegatedGrants.set(resourceAppId, granted);
    }
    return principal;
  }

  /** Puts a saved service principal back under its own id (the `oid` of its tokens), replacing any for that app and tenant. */
  restore(principal: ServicePrincipal): void {
    const tenantKey = principal.tenantId.toLowerCase();
    const principals = this.#byTenant.get(tenantKey) ?? new Map<string, ServicePrincipal>();
    principals.set(principal.appId.toLowerCase(), principal);
    this.#byTenant.set(tenantKey, principals);
  }

  /** Deletes the enterprise application (the next token request fails with AADSTS7000229). */
  remove(tenantId: string, appId: string): boolean {
    return this.#byTenant.get(tenantId.toLowerCase())?.delete(appId.toLowerCase()) ?? false;
  }

  /** Removes granted roles: all of them, all of one resource, or the listed ones; the principal stays. */
  removeRoles(tenantId: string, appId: string, resourceAppId?: string, roles?: readonly string[]): boolean {
    const principal = this.get(tenantId, appId);
    if (!principal) return false;
    for (const [resource, assigned] of principal.appRoleAssignments) {
      if (resourceAppId && resource !== resourceAppId) continue;
      if (!roles) assigned.clear();
      else for (const role of roles) assigned.delete(role);
    }
    return true;
  }

  /** Forgets every service principal of a tenant (tenant deleted or reset). */
  dropTenant(tenantId: string): void {
    this.#byTenant.delete(tenantId.toLowerCase());
  }
}
