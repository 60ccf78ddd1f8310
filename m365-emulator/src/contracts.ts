/**
 * Seams between the emulator's two halves, agreed up front so they can be built side by side:
 * the directory + Microsoft Graph half (`directory/`, `graph/`, `throttling/`) and the
 * Entra ID + server half (`tls/`, `entra/`, `control/`, `server.ts`). Each half depends only on
 * these interfaces, never on the other half's files, and `server.ts` wires them together.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Directory role template id of Global Administrator (the `wids` value Entra puts in user tokens). */
export const GLOBAL_ADMINISTRATOR_ROLE_ID = '62e90394-69f5-4237-9190-012177145e10';

/** A tenant as the emulator knows it. */
export interface EmulatedTenant {
  /** Tenant id (GUID), the `tid` claim. */
  readonly id: string;
  readonly displayName: string;
  /** Initial domain, e.g. `contoso.onmicrosoft.com`; users' UPNs end with one of the verified domains. */
  readonly defaultDomain: string;
  readonly verifiedDomains: readonly string[];
  /** Generator inputs, so a reset reproduces the same directory. */
  readonly seed: string;
  readonly userCount: number;
  readonly groupCount: number;
}

/** A user with the Graph properties the product reads plus what sign-in needs. */
export interface EmulatedUser {
  readonly id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  assignedLicenses: { skuId: string; disabledPlans: string[] }[];
  /** `user` for a normal mailbox, `shared` for a shared mailbox, null for no mailbox. */
  mailboxType: 'user' | 'shared' | null;
  /** Directory role template ids (become `wids` in user tokens). */
  directoryRoleTemplateIds: string[];
  /** Development password for the sign-in page; null means the account cannot sign in interactively. */
  password: string | null;
}

/** A group of any kind: security, Microsoft 365 (`groupTypes: ['Unified']`) or distribution. */
export interface EmulatedGroup {
  readonly id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailEnabled: boolean;
  securityEnabled: boolean;
  groupTypes: string[];
}

/** What a control call may set on a new or changed user (ids are assigned by the directory). */
export type UserInput = Partial<Omit<EmulatedUser, 'id'>> & {
  userPrincipalName?: string;
  displayName?: string;
};
/** What a control call may set on a new or changed group. */
export type GroupInput = Partial<Omit<EmulatedGroup, 'id'>> & { displayName?: string };

/** One tenant's directory: reads for Entra (sign-in) and Graph, and mutations for the control API. */
export interface TenantDirectory {
  readonly tenant: EmulatedTenant;
  /** Case-insensitive UPN lookup. */
  findUserByUpn(upn: string): EmulatedUser | undefined;
  /** Lookup by object id or UPN, as `GET /users/{id|upn}` does. */
  getUser(idOrUpn: string): EmulatedUser | undefined;
  getGroup(id: string): EmulatedGroup | undefined;
  createUser(input: UserInput): EmulatedUser;
  updateUser(id: string, changes: UserInput): EmulatedUser | undefined;
  deleteUser(id: string): boolean;
  createGroup(input: GroupInput): EmulatedGroup;
  updateGroup(id: string, changes: GroupInput): EmulatedGroup | undefined;
  deleteGroup(id: string): boolean;
  /** Adds a user or group (by id) as a direct member of a group. */
  addMember(groupId: string, memberId: string): boolean;
  removeMember(groupId: string, memberId: string): boolean;
}

/** Options for generating a tenant deterministically. */
export interface TenantSpec {
  /** Same seed and size → same tenant, same ids. */
  seed: string;
  users: number;
  groups: number;
  /** Defaults derived from the seed when omitted. */
  id?: string;
  displayName?: string;
  defaultDomain?: string;
}

/** All tenants held by this emulator process. */
export interface DirectoryRegistry {
  list(): EmulatedTenant[];
  /** By tenant id or by any verified domain (case-insensitive). */
  get(idOrDomain: string): TenantDirectory | undefined;
  create(spec: TenantSpec): TenantDirectory;
  /** Regenerates the tenant from its seed and size, dropping every change since. */
  reset(tenantId: string): TenantDirectory | undefined;
  remove(tenantId: string): boolean;
}

/** Claims of an access token presented to Graph, after the Entra half verified it. */
export interface GraphCaller {
  /** Tenant the token was issued for. */
  tid: string;
  /** Client application id (`appid` in v1 tokens, `azp` in v2). */
  appId: string;
  /** Application permissions (app-only tokens); empty when the token has none. */
  roles: string[];
  /** Delegated scopes (user tokens); empty for app-only tokens. */
  scopes: string[];
  /** Signed-in user's object id for delegated tokens; undefined for app-only. */
  userId?: string;
}

/** Result of checking the bearer token on a Graph request. */
export type GraphTokenCheck =
  { ok: true; caller: GraphCaller } | { ok: false; code: 'InvalidAuthenticationToken'; message: string };

/** Verifies `Authorization: Bearer …` for Graph (signature, audience `https://graph.microsoft.com`, lifetime). */
export interface GraphTokenVerifier {
  verify(authorizationHeader: string | undefined): Promise<GraphTokenCheck>;
}

/** Counters the control API reports (`GET /_emulator/stats`). */
export interface EmulatorStats {
  /** Called once per request by the server, with a route label such as `GET /v1.0/users`. */
  recordRequest(route: string, status: number): void;
  /** Graph throttling reports resource units charged for a request. */
  recordResourceUnits(tenantId: string, appId: string, units: number): void;
  /** Graph throttling reports a 429 it sent. */
  recordThrottled(route: string): void;
}

/** One HTTP exchange as handed to each area's handler. */
export interface HttpContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Origin clients use to reach the emulator, e.g. `https://127.0.0.1:8443` (for absolute links). */
  readonly origin: string;
  /** Raw request body, already read (empty buffer when none). */
  readonly body: Buffer;
}

/** An area's request handler: returns true when it handled (answered) the request. */
export type AreaHandler = (ctx: HttpContext) => Promise<boolean>;
