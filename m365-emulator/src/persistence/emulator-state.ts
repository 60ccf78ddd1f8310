/**
 * The emulator's mutable state as `state.json` holds it, and how it is captured, put back at start
 * and reset.
 *
 * Why "the current value of only what differs" rather than a dump or a journal: generated tenants
 * are a pure function of their spec (same seed and sizes → same objects, same ids), so a dump would
 * write megabytes of users start-up regenerates anyway (100k in a large tenant), and a journal of
 * control calls would grow with every call ever made and still have to record the random ids of
 * created objects, principals and secrets. So the file holds: the tenants added or removed since
 * start-up, and for each tenant the users and groups its change log names (their current value,
 * or `null` when deleted; groups with the members added and removed, not the whole list, since
 * one deleted user touches every group it was in); every service principal (consent,
 * with its id, which is the `oid` of app-only tokens); and the app registrations whose secrets,
 * redirect URIs or enabled flag differ from start-up. Its size follows what changed, and start-up
 * generates the tenants as before, then applies those few objects.
 */
import { resolveTenant } from '../directory/tenant-generator.js';
import { GROUP_MEMBERSHIP_CLAIMS } from '../entra/app-registrations.js';
import type { EmulatedGroup, EmulatedTenant, EmulatedUser, TenantSpec } from '../contracts.js';
import type { InMemoryDirectoryRegistry, SavedGroup } from '../directory/index.js';
import type { AppRegistration, GroupMembershipClaims, ServicePrincipal } from '../entra/app-registrations.js';
import type { EntraService } from '../entra/entra-service.js';

/** Value of `format` in `state.json`, so a stray JSON file is not taken for saved state. */
export const STATE_FORMAT = 'cas-m365-emulator-state';
/** Version of the `state.json` layout; another version is moved aside, never guessed at. */
export const STATE_VERSION = 1;

/** Contents of `state.json`. */
export interface SavedState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /** Ids of tenants generated at start that are gone (deleted, or replaced by another spec). */
  removedTenants: string[];
  /** Tenants added since start-up, and tenants whose directory changed. */
  tenants: SavedTenant[];
  /** Every service principal of our apps in every tenant (what admin consent created). */
  servicePrincipals: SavedServicePrincipal[];
  /** App registrations that differ from start-up. */
  apps: SavedApp[];
}

/** A tenant's entry in `state.json`. */
export interface SavedTenant {
  id: string;
  /** The spec it is generated from; saved changes apply only to a tenant generated from the same spec. */
  spec: TenantSpec;
  /** True when it was added after start-up (it is generated from `spec` again at load). */
  added: boolean;
  /** Changed users by id; `null`: deleted. */
  users: Record<string, EmulatedUser | null>;
  /** Changed groups by id, with the net change of their direct members; `null`: deleted. */
  groups: Record<string, (EmulatedGroup & MembershipChange) | null>;
}

/** How a group's direct members (object ids) differ from generation. */
export interface MembershipChange {
  membersAdded: string[];
  membersRemoved: string[];
}

/** A service principal in `state.json`. */
export interface SavedServicePrincipal {
  id: string;
  appId: string;
  tenantId: string;
  displayName: string;
  accountEnabled: boolean;
  /** ISO 8601. */
  createdAt: string;
  /** Resource app id → granted role values, in grant order. */
  appRoleAssignments: Record<string, string[]>;
  /** Resource app id → delegated scopes granted for all users; absent in older files. */
  delegatedGrants?: Record<string, string[]>;
}

/** The mutable part of an app registration in `state.json`. */
export interface SavedApp {
  appId: string;
  disabled: boolean;
  /** Absent in files written before the emulator modelled it: the registration's own then holds. */
  groupMembershipClaims?: GroupMembershipClaims;
  webRedirectUris: string[];
  spaRedirectUris: string[];
  secrets: { id: string; value: string; hint: string; endDateTime: string }[];
}

/** What {@link EmulatorState.restore} put back, for the start-up banner. */
export interface RestoredStateSummary {
  servicePrincipals: number;
  tenantsAdded: number;
  tenantsRemoved: number;
  tenantsChanged: number;
  apps: number;
}

/** The saved file is not emulator state of a version this code reads. */
export class StateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFormatError';
  }
}

/** Captures, restores and resets the emulator's mutable state relative to how it started. */
export class EmulatorState {
  readonly #directories: InMemoryDirectoryRegistry;
  readonly #entra: EntraService;
  readonly #initialSpecs: ReadonlyMap<string, TenantSpec>;
  readonly #initialApps: ReadonlyMap<string, string>;

  /** Remembers the start-up tenants and app registrations; construct it before anything changes. */
  constructor(directories: InMemoryDirectoryRegistry, entra: EntraService) {
    this.#directories = directories;
    this.#entra = entra;
    this.#initialSpecs = new Map(
      directories.list().flatMap((tenant) => {
        const spec = directories.specOf(tenant.id);
        return spec ? [[tenant.id, spec] as const] : [];
      }),
    );
    this.#initialApps = new Map(entra.apps.list().map((app) => [app.appId, JSON.stringify(saveApp(app))]));
  }

  /** The state as `state.json` holds it, or undefined when nothing differs from start-up. */
  capture(): SavedState | undefined {
    const directories = this.#directories;
    const removedTenants = [...this.#initialSpecs]
      .filter(([id, spec]) => !sameSpec(directories.specOf(id), spec))
      .map(([id]) => id);
    const tenants: SavedTenant[] = [];
    const servicePrincipals: SavedServicePrincipal[] = [];
    for (const tenant of directories.list()) {
      const directory = directories.get(tenant.id);
      const spec = directories.specOf(tenant.id);
      if (!directory || !spec) continue;
      const added = !sameSpec(this.#initialSpecs.get(tenant.id), spec);
      const changed = directory.changedObjects();
      if (added || changed.users.size > 0 || changed.groups.size > 0) {
        tenants.push({
          id: tenant.id,
          spec,
          added,
          users: Object.fromEntries(changed.users),
          groups: Object.fromEntries(
            [...changed.groups].map(([id, saved]) => [
              id,
              saved && {
                ...saved.group,
                membersAdded: [...saved.membersAdded],
                membersRemoved: [...saved.membersRemoved],
              },
            ]),
          ),
        });
      }
      servicePrincipals.push(...this.#entra.principals.list(tenant.id).map(savePrincipal));
    }
    const apps = this.#entra.apps
      .list()
      .map(saveApp)
      .filter((app) => this.#initialApps.get(app.appId) !== JSON.stringify(app));
    const empty = removedTenants.length + tenants.length + servicePrincipals.length + apps.length === 0;
    return empty
      ? undefined
      : { format: STATE_FORMAT, version: STATE_VERSION, removedTenants, tenants, servicePrincipals, apps };
  }

  /**
   * Applies saved state on top of the start-up state. What no longer fits (a tenant now generated
   * from another spec, an app or tenant that does not exist) is skipped with a warning.
   */
  restore(state: SavedState, warn: (message: string) => void): RestoredStateSummary {
    const directories = this.#directories;
    const principals = this.#entra.principals;
    const summary: RestoredStateSummary = {
      servicePrincipals: 0,
      tenantsAdded: 0,
      tenantsRemoved: 0,
      tenantsChanged: 0,
      apps: 0,
    };
    for (const id of state.removedTenants) {
      if (!directories.get(id)) continue;
      principals.dropTenant(id);
      directories.remove(id);
      summary.tenantsRemoved += 1;
    }
    for (const saved of state.tenants) {
      const current = directories.specOf(saved.id);
      if (saved.added && !sameSpec(current, saved.spec)) {
        if (current) {
          principals.dropTenant(saved.id);
          directories.remove(saved.id);
        }
        try {
          directories.create(saved.spec);
          summary.tenantsAdded += 1;
        } catch (error) {
          warn(`Saved tenant ${saved.id} was not added again: ${messageOf(error)}`);
          continue;
        }
      } else if (!sameSpec(current, saved.spec)) {
        warn(
          `Saved changes of tenant ${saved.id} were dropped: it is not generated from the same spec any more.`,
        );
        continue;
      }
      const directory = directories.get(saved.id);
      const users = Object.entries(saved.users);
      const groups = Object.entries(saved.groups);
      if (!directory || users.length + groups.length === 0) continue;
      directory.restoreObjects({
        users: new Map(users),
        groups: new Map(
          groups.map(([id, group]): [string, SavedGroup | null] => {
            if (!group) return [id, null];
            const { membersAdded, membersRemoved, ...properties } = group;
            return [id, { group: properties, membersAdded, membersRemoved }];
          }),
        ),
      });
      summary.tenantsChanged += 1;
    }
    for (const saved of state.servicePrincipals) {
      const app = this.#entra.apps.get(saved.appId);
      if (!app || !directories.get(saved.tenantId)) {
        warn(
          `Saved consent of app ${saved.appId} in tenant ${saved.tenantId} was dropped: no such app or tenant.`,
        );
        continue;
      }
      principals.restore({
        id: saved.id,
        appId: app.appId,
        tenantId: saved.tenantId.toLowerCase(),
        displayName: saved.displayName,
        accountEnabled: saved.accountEnabled,
        appRoleAssignments: new Map(
          Object.entries(saved.appRoleAssignments).map(([resource, roles]) => [resource, new Set(roles)]),
        ),
        delegatedGrants: new Map(
          Object.entries(saved.delegatedGrants ?? {}).map(([resource, scopes]) => [
            resource,
            new Set(scopes),
          ]),
        ),
        createdAt: Date.parse(saved.createdAt),
      });
      summary.servicePrincipals += 1;
    }
    for (const saved of state.apps) {
      const app = this.#entra.apps.get(saved.appId);
      if (!app) {
        warn(`Saved changes of app ${saved.appId} were dropped: no such app registration.`);
        continue;
      }
      app.disabled = saved.disabled;
      if (saved.groupMembershipClaims !== undefined) app.groupMembershipClaims = saved.groupMembershipClaims;
      app.webRedirectUris = [...saved.webRedirectUris];
      app.spaRedirectUris = [...saved.spaRedirectUris];
      app.secrets = saved.secrets.map((secret) => ({
        ...secret,
        endDateTime: Date.parse(secret.endDateTime),
      }));
      summary.apps += 1;
    }
    return summary;
  }

  /**
   * Back to start-up: tenants added since are removed, removed ones generated again, changed ones
   * regenerated from their seed; every service principal is dropped and app registrations restored.
   */
  resetToStart(): EmulatedTenant[] {
    const directories = this.#directories;
    for (const tenant of directories.list()) {
      this.#entra.principals.dropTenant(tenant.id);
      if (!sameSpec(this.#initialSpecs.get(tenant.id), directories.specOf(tenant.id)))
        directories.remove(tenant.id);
    }
    for (const [id, spec] of this.#initialSpecs) {
      const directory = directories.get(id);
      if (!directory) directories.create(spec);
      // Untouched tenants are kept: regenerating a 100k-user tenant costs about a second.
      else if (directory.changes.lastSeq > 0) directories.reset(id);
    }
    this.#entra.apps.reset();
    return directories.list();
  }
}

/** Parses and checks `state.json`; throws {@link StateFormatError} when it is not state this version reads. */
export function parseSavedState(text: string): SavedState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StateFormatError(`not JSON (${messageOf(error)})`);
  }
  const root = record(value, 'the file');
  if (root.format !== STATE_FORMAT) throw new StateFormatError(`format is not '${STATE_FORMAT}'`);
  if (root.version !== STATE_VERSION)
    throw new StateFormatError(
      `unknown version ${JSON.stringify(root.version)} (this emulator reads ${STATE_VERSION})`,
    );
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    removedTenants: stringList(root.removedTenants, 'removedTenants'),
    tenants: list(root.tenants, 'tenants', readTenant),
    servicePrincipals: list(root.servicePrincipals, 'servicePrincipals', readPrincipal),
    apps: list(root.apps, 'apps', readApp),
  };
}

/** Same spec means the same generated tenant (id, names, domain, seed and sizes). */
function sameSpec(a: TenantSpec | undefined, b: TenantSpec | undefined): boolean {
  if (!a || !b) return false;
  return JSON.stringify(resolveTenant(a)) === JSON.stringify(resolveTenant(b));
}

function savePrincipal(principal: ServicePrincipal): SavedServicePrincipal {
  return {
    id: principal.id,
    appId: principal.appId,
    tenantId: principal.tenantId,
    displayName: principal.displayName,
    accountEnabled: principal.accountEnabled,
    createdAt: new Date(principal.createdAt).toISOString(),
    appRoleAssignments: Object.fromEntries(
      [...principal.appRoleAssignments].map(([resource, roles]) => [resource, [...roles]]),
    ),
    ...(principal.delegatedGrants.size === 0
      ? {}
      : {
          delegatedGrants: Object.fromEntries(
            [...principal.delegatedGrants].map(([resource, scopes]) => [resource, [...scopes]]),
          ),
        }),
  };
}

function saveApp(app: AppRegistration): SavedApp {
  return {
    appId: app.appId,
    disabled: app.disabled,
    groupMembershipClaims: app.groupMembershipClaims,
    webRedirectUris: [...app.webRedirectUris],
    spaRedirectUris: [...app.spaRedirectUris],
    secrets: app.secrets.map((secret) => ({
      id: secret.id,
      value: secret.value,
      hint: secret.hint,
      endDateTime: new Date(secret.endDateTime).toISOString(),
    })),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Readers: every field is checked, so a hand-edited or truncated file is refused as a whole
// rather than half-applied.

type Fields = Record<string, unknown>;

function record(value: unknown, where: string): Fields {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new StateFormatError(`${where} is not an object`);
  return value as Fields;
}

function list<T>(value: unknown, where: string, read: (item: unknown, where: string) => T): T[] {
  if (!Array.isArray(value)) throw new StateFormatError(`${where} is not a list`);
  return value.map((item, index) => read(item, `${where}[${index}]`));
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new StateFormatError(`${where} is not a string`);
  return value;
}

function optionalText(value: unknown, where: string): string | undefined {
  return value === undefined ? undefined : text(value, where);
}

function nullableText(value: unknown, where: string): string | null {
  return value === null ? null : text(value, where);
}

function flag(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw new StateFormatError(`${where} is not true or false`);
  return value;
}

function groupMembershipClaims(value: unknown, where: string): GroupMembershipClaims {
  const known = GROUP_MEMBERSHIP_CLAIMS.find((claims) => claims === value);
  if (known === undefined)
    throw new StateFormatError(`${where} is not one of ${GROUP_MEMBERSHIP_CLAIMS.join(', ')}`);
  return known;
}

function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new StateFormatError(`${where} is not a count`);
  return value;
}

function instant(value: unknown, where: string): string {
  const iso = text(value, where);
  if (Number.isNaN(Date.parse(iso))) throw new StateFormatError(`${where} is not a date`);
  return iso;
}

function stringList(value: unknown, where: string): string[] {
  return list(value, where, text);
}

function oneOf<T extends string | null>(value: unknown, allowed: readonly T[], where: string): T {
  if (!allowed.includes(value as T))
    throw new StateFormatError(`${where} is not one of ${allowed.join(', ')}`);
  return value as T;
}

function byId<T>(
  value: unknown,
  where: string,
  read: (item: unknown, where: string) => T,
): Record<string, T | null> {
  const entries = Object.entries(record(value, where));
  return Object.fromEntries(
    entries.map(([id, item]) => [id, item === null ? null : read(item, `${where}.${id}`)]),
  );
}

function readTenant(value: unknown, where: string): SavedTenant {
  const tenant = record(value, where);
  const spec = record(tenant.spec, `${where}.spec`);
  return {
    id: text(tenant.id, `${where}.id`).toLowerCase(),
    spec: {
      seed: text(spec.seed, `${where}.spec.seed`),
      users: count(spec.users, `${where}.spec.users`),
      groups: count(spec.groups, `${where}.spec.groups`),
      id: optionalText(spec.id, `${where}.spec.id`),
      displayName: optionalText(spec.displayName, `${where}.spec.displayName`),
      defaultDomain: optionalText(spec.defaultDomain, `${where}.spec.defaultDomain`),
    },
    added: flag(tenant.added, `${where}.added`),
    users: byId(tenant.users, `${where}.users`, readUser),
    groups: byId(tenant.groups, `${where}.groups`, readGroup),
  };
}

function readUser(value: unknown, where: string): EmulatedUser {
  const user = record(value, where);
  return {
    id: text(user.id, `${where}.id`),
    userPrincipalName: text(user.userPrincipalName, `${where}.userPrincipalName`),
    displayName: text(user.displayName, `${where}.displayName`),
    givenName: nullableText(user.givenName, `${where}.givenName`),
    surname: nullableText(user.surname, `${where}.surname`),
    mail: nullableText(user.mail, `${where}.mail`),
    jobTitle: nullableText(user.jobTitle, `${where}.jobTitle`),
    accountEnabled: flag(user.accountEnabled, `${where}.accountEnabled`),
    userType: oneOf(user.userType, ['Member', 'Guest'] as const, `${where}.userType`),
    assignedLicenses: list(user.assignedLicenses, `${where}.assignedLicenses`, (item, at) => {
      const license = record(item, at);
      return {
        skuId: text(license.skuId, `${at}.skuId`),
        disabledPlans: stringList(license.disabledPlans, `${at}.disabledPlans`),
      };
    }),
    mailboxType: oneOf(user.mailboxType, ['user', 'shared', null] as const, `${where}.mailboxType`),
    directoryRoleTemplateIds: stringList(user.directoryRoleTemplateIds, `${where}.directoryRoleTemplateIds`),
    password: nullableText(user.password, `${where}.password`),
  };
}

function readGroup(value: unknown, where: string): EmulatedGroup & MembershipChange {
  const group = record(value, where);
  return {
    id: text(group.id, `${where}.id`),
    displayName: text(group.displayName, `${where}.displayName`),
    description: nullableText(group.description, `${where}.description`),
    mail: nullableText(group.mail, `${where}.mail`),
    mailEnabled: flag(group.mailEnabled, `${where}.mailEnabled`),
    securityEnabled: flag(group.securityEnabled, `${where}.securityEnabled`),
    groupTypes: stringList(group.groupTypes, `${where}.groupTypes`),
    membersAdded: stringList(group.membersAdded, `${where}.membersAdded`),
    membersRemoved: stringList(group.membersRemoved, `${where}.membersRemoved`),
  };
}

function readPrincipal(value: unknown, where: string): SavedServicePrincipal {
  const principal = record(value, where);
  return {
    id: text(principal.id, `${where}.id`),
    appId: text(principal.appId, `${where}.appId`),
    tenantId: text(principal.tenantId, `${where}.tenantId`),
    displayName: text(principal.displayName, `${where}.displayName`),
    accountEnabled: flag(principal.accountEnabled, `${where}.accountEnabled`),
    createdAt: instant(principal.createdAt, `${where}.createdAt`),
    appRoleAssignments: Object.fromEntries(
      Object.entries(record(principal.appRoleAssignments, `${where}.appRoleAssignments`)).map(
        ([resource, roles]) => [resource, stringList(roles, `${where}.appRoleAssignments.${resource}`)],
      ),
    ),
    ...(principal.delegatedGrants === undefined
      ? {}
      : {
          delegatedGrants: Object.fromEntries(
            Object.entries(record(principal.delegatedGrants, `${where}.delegatedGrants`)).map(
              ([resource, scopes]) => [resource, stringList(scopes, `${where}.delegatedGrants.${resource}`)],
            ),
          ),
        }),
  };
}

function readApp(value: unknown, where: string): SavedApp {
  const app = record(value, where);
  return {
    appId: text(app.appId, `${where}.appId`),
    disabled: flag(app.disabled, `${where}.disabled`),
    ...(app.groupMembershipClaims === undefined
      ? {}
      : {
          groupMembershipClaims: groupMembershipClaims(
            app.groupMembershipClaims,
            `${where}.groupMembershipClaims`,
          ),
        }),
    webRedirectUris: stringList(app.webRedirectUris, `${where}.webRedirectUris`),
    spaRedirectUris: stringList(app.spaRedirectUris, `${where}.spaRedirectUris`),
    secrets: list(app.secrets, `${where}.secrets`, (item, at) => {
      const secret = record(item, at);
      return {
        id: text(secret.id, `${at}.id`),
        value: text(secret.value, `${at}.value`),
        hint: text(secret.hint, `${at}.hint`),
        endDateTime: instant(secret.endDateTime, `${at}.endDateTime`),
      };
    }),
  };
}
