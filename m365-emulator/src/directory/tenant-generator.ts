/**
 * Deterministic tenant generator: the same seed and sizes always give the same tenant, ids included,
 * so tests and bug reports can name objects. Users, groups and memberships draw from separate seeded
 * streams, so changing the group count leaves user ids untouched.
 */
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type EmulatedGroup,
  type EmulatedTenant,
  type EmulatedUser,
  type TenantSpec,
} from '../contracts.js';
import {
  EXCHANGE_ADMINISTRATOR_ROLE_ID,
  GIVEN_NAMES,
  GROUP_BLUEPRINTS,
  GROUP_WORDS,
  GUEST_DOMAINS,
  JOB_TITLES,
  LICENSE_SKUS,
  SECURITY_READER_ROLE_ID,
  SHARED_MAILBOXES,
  SURNAMES,
  USER_ADMINISTRATOR_ROLE_ID,
  type GroupKind,
} from './name-lists.js';
import { createSeededRandom, type SeededRandom } from './seeded-random.js';
import { groupRef, type DirectorySnapshot, type MemberRef } from './tenant-directory.js';

// Shared, frozen values: at 100k users one array per user per property would cost tens of MB.
// Mutating a user's arrays in place throws; changes go through `updateUser`, which replaces them.
const NO_ROLES = Object.freeze([]) as unknown as string[];
const NO_LICENSES = Object.freeze([]) as unknown as EmulatedUser['assignedLicenses'];
const LICENSE_ASSIGNMENTS = new Map(
  LICENSE_SKUS.map((skuId) => [
    skuId,
    Object.freeze([
      Object.freeze({ skuId, disabledPlans: NO_ROLES }),
    ]) as unknown as EmulatedUser['assignedLicenses'],
  ]),
);
const licensed = (skuId: string): EmulatedUser['assignedLicenses'] =>
  LICENSE_ASSIGNMENTS.get(skuId) ?? NO_LICENSES;

const COMPANY_NAMES = [
  'Northwind',
  'Tailspin',
  'Litware',
  'Woodgrove',
  'Proseware',
  'Lucerne',
  'Wingtip',
  'Alpine Ski',
  'Margie',
  'Relecloud',
];

/** Development passwords every generated tenant uses, derived from the tenant's display name. */
export interface TenantPasswords {
  /** Password of `admin@<domain>` (Global Administrator). */
  admin: string;
  /** Password of `user@<domain>` and every other enabled member account. */
  user: string;
}

/** Passwords of a tenant's generated accounts: `<Name>-Admin-1!` and `<Name>-User-1!` (Name = first word of the display name). */
export function developmentPasswordsFor(displayName: string): TenantPasswords {
  const word = (displayName.split(/\s+/)[0] ?? 'Tenant').replace(/[^A-Za-z0-9]/g, '') || 'Tenant';
  const name = word.charAt(0).toUpperCase() + word.slice(1);
  return { admin: `${name}-Admin-1!`, user: `${name}-User-1!` };
}

const localPartCache = new Map<string, string>();

/** Turns a name into the ASCII Entra accepts in a UPN local part (letters, digits, `'` `.` `-` `_`). */
export function toUpnLocalPart(text: string): string {
  let local = localPartCache.get(text);
  if (local === undefined) {
    local = transliterate(text);
    if (localPartCache.size < 10_000) localPartCache.set(text, local);
  }
  return local;
}

function transliterate(text: string): string {
  return text
    .replace(/ß/g, 'ss')
    .replace(/[Øø]/g, 'o')
    .replace(/[Þþ]/g, 'th')
    .replace(/[Ææ]/g, 'ae')
    .replace(/[Łł]/g, 'l')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9'._-]/g, '');
}

/** Resolves the tenant identity (id, name, domain) from a spec, deriving what is omitted from the seed. */
export function resolveTenant(spec: TenantSpec): EmulatedTenant {
  const random = createSeededRandom(`${spec.seed}/tenant`);
  const id = spec.id?.toLowerCase() ?? random.guid();
  const company = random.pick(COMPANY_NAMES);
  const displayName = spec.displayName ?? `${company} ${id.slice(0, 4).toUpperCase()}`;
  const defaultDomain = (
    spec.defaultDomain ?? `${toUpnLocalPart(company)}${id.slice(0, 6)}.onmicrosoft.com`
  ).toLowerCase();
  return {
    id,
    displayName,
    defaultDomain,
    verifiedDomains: [defaultDomain],
    seed: spec.seed,
    userCount: spec.users,
    groupCount: spec.groups,
  };
}

interface FixedUser {
  local: string;
  given: string;
  surname: string;
  title: string;
  roles: string[];
  password: 'admin' | 'user';
}

// The first accounts of every tenant are fixed, so docs and tests can name them in any tenant.
const FIXED_USERS: readonly FixedUser[] = [
  {
    local: 'admin',
    given: 'Megan',
    surname: 'Bowen',
    title: 'IT Administrator',
    roles: [GLOBAL_ADMINISTRATOR_ROLE_ID],
    password: 'admin',
  },
  {
    local: 'user',
    given: 'Alex',
    surname: 'Wilber',
    title: 'Marketing Specialist',
    roles: [],
    password: 'user',
  },
  {
    local: "conor.o'neil",
    given: 'Conor',
    surname: "O'Neil",
    title: 'Sales Representative',
    roles: [],
    password: 'user',
  },
  {
    local: 'zoe.muller',
    given: 'Zoë',
    surname: 'Müller',
    title: 'Financial Analyst',
    roles: [],
    password: 'user',
  },
  {
    local: 'jose.nunez',
    given: 'José',
    surname: 'Núñez',
    title: 'Software Engineer',
    roles: [EXCHANGE_ADMINISTRATOR_ROLE_ID],
    password: 'user',
  },
  { local: 'asa.strom', given: 'Åsa', surname: 'Ström', title: 'HR Generalist', roles: [], password: 'user' },
  {
    local: "niamh.d'angelo",
    given: 'Niamh',
    surname: "D'Angelo",
    title: 'Legal Counsel',
    roles: [USER_ADMINISTRATOR_ROLE_ID],
    password: 'user',
  },
];

/** Which special account an index gets in small tenants, so even a 20-user tenant has each variety. */
type Variety = 'member' | 'guest' | 'shared' | 'disabled' | 'unlicensed';
const FORCED_VARIETY: Readonly<Record<number, Variety>> = {
  7: 'guest',
  8: 'shared',
  9: 'disabled',
  10: 'unlicensed',
  11: 'guest',
};

function chooseVariety(index: number, random: SeededRandom): Variety {
  const forced = FORCED_VARIETY[index];
  if (forced) return forced;
  const roll = random.next();
  if (roll < 0.03) return 'guest';
  if (roll < 0.05) return 'shared';
  if (roll < 0.09) return 'disabled';
  if (roll < 0.17) return 'unlicensed';
  return 'member';
}

function generateUsers(tenant: EmulatedTenant, count: number): EmulatedUser[] {
  const random = createSeededRandom(`${tenant.seed}/users`);
  const passwords = developmentPasswordsFor(tenant.displayName);
  const domain = tenant.defaultDomain;
  const usedLocals = new Map<string, number>();
  const uniqueLocal = (base: string): string => {
    const seen = usedLocals.get(base) ?? 0;
    usedLocals.set(base, seen + 1);
    return seen === 0 ? base : `${base}${seen + 1}`;
  };
  const users: EmulatedUser[] = [];
  let sharedIndex = 0;
  for (let index = 0; index < count; index++) {
    const id = random.guid();
    const fixed = FIXED_USERS[index];
    if (fixed) {
      usedLocals.set(fixed.local, 1);
      const upn = `${fixed.local}@${domain}`;
      users.push({
        id,
        userPrincipalName: upn,
        displayName: `${fixed.given} ${fixed.surname}`,
        givenName: fixed.given,
        surname: fixed.surname,
        mail: upn,
        jobTitle: fixed.title,
        accountEnabled: true,
        userType: 'Member',
        assignedLicenses: licensed(LICENSE_SKUS[1] as string),
        mailboxType: 'user',
        directoryRoleTemplateIds: fixed.roles.length > 0 ? [...fixed.roles] : NO_ROLES,
        password: passwords[fixed.password],
      });
      continue;
    }
    const variety = chooseVariety(index, random);
    const given = random.pick(GIVEN_NAMES);
    const surname = random.pick(SURNAMES);
    const title = random.pick(JOB_TITLES)[0];
    if (variety === 'shared') {
      const name = SHARED_MAILBOXES[sharedIndex % SHARED_MAILBOXES.length] as string;
      const round = Math.floor(sharedIndex / SHARED_MAILBOXES.length);
      sharedIndex += 1;
      const upn = `${uniqueLocal(toUpnLocalPart(name.replace(/\s+/g, '')))}@${domain}`;
      users.push({
        id,
        userPrincipalName: upn,
        displayName: round === 0 ? name : `${name} ${round + 1}`,
        givenName: null,
        surname: null,
        mail: upn,
        jobTitle: null,
        accountEnabled: false,
        userType: 'Member',
        assignedLicenses: NO_LICENSES,
        mailboxType: 'shared',
        directoryRoleTemplateIds: NO_ROLES,
        password: null,
      });
      continue;
    }
    const base = `${toUpnLocalPart(given)}.${toUpnLocalPart(surname)}`;
    if (variety === 'guest') {
      const homeDomain = random.pick(GUEST_DOMAINS);
      const guestKey = `${base}@${homeDomain}`;
      const seenGuest = usedLocals.get(guestKey) ?? 0;
      usedLocals.set(guestKey, seenGuest + 1);
      const externalMail = `${base}${seenGuest === 0 ? '' : seenGuest + 1}@${homeDomain}`;
      users.push({
        id,
        userPrincipalName: `${externalMail.replace('@', '_')}#EXT#@${domain}`,
        displayName: `${given} ${surname}`,
        givenName: given,
        surname,
        mail: externalMail,
        jobTitle: null,
        accountEnabled: true,
        userType: 'Guest',
        assignedLicenses: NO_LICENSES,
        mailboxType: null,
        directoryRoleTemplateIds: NO_ROLES,
        password: null,
      });
      continue;
    }
    const upn = `${uniqueLocal(base)}@${domain}`;
    const hasLicense = variety !== 'unlicensed';
    const roleRoll = random.next();
    const roles =
      roleRoll < 0.002
        ? [GLOBAL_ADMINISTRATOR_ROLE_ID]
        : roleRoll < 0.006
          ? [USER_ADMINISTRATOR_ROLE_ID]
          : roleRoll < 0.009
            ? [EXCHANGE_ADMINISTRATOR_ROLE_ID]
            : roleRoll < 0.012
              ? [SECURITY_READER_ROLE_ID]
              : NO_ROLES;
    users.push({
      id,
      userPrincipalName: upn,
      displayName: `${given} ${surname}`,
      givenName: given,
      surname,
      mail: hasLicense ? upn : null,
      jobTitle: title,
      accountEnabled: variety !== 'disabled',
      userType: 'Member',
      assignedLicenses: hasLicense ? licensed(random.pick(LICENSE_SKUS)) : NO_LICENSES,
      mailboxType: hasLicense ? 'user' : null,
      directoryRoleTemplateIds: roles,
      password: variety === 'disabled' ? null : passwords.user,
    });
  }
  return users;
}

interface GroupPlan {
  group: EmulatedGroup;
  kind: GroupKind;
  parent: number | undefined;
}

function groupFlags(kind: GroupKind): Pick<EmulatedGroup, 'mailEnabled' | 'securityEnabled' | 'groupTypes'> {
  switch (kind) {
    case 'microsoft365':
      return { mailEnabled: true, securityEnabled: false, groupTypes: ['Unified'] };
    case 'distribution':
      return { mailEnabled: true, securityEnabled: false, groupTypes: [] };
    case 'mailSecurity':
      return { mailEnabled: true, securityEnabled: true, groupTypes: [] };
    case 'security':
      return { mailEnabled: false, securityEnabled: true, groupTypes: [] };
  }
}

/** Nesting Entra allows: no Microsoft 365 groups on either side; distribution lists hold mail-enabled groups only. */
function canNest(child: GroupKind, parent: GroupKind): boolean {
  if (child === 'microsoft365' || parent === 'microsoft365') return false;
  if (parent === 'distribution') return child !== 'security';
  return child !== 'distribution';
}

function randomGroupName(random: SeededRandom): string {
  const first = random.pick(GROUP_WORDS);
  const second = random.pick(GROUP_WORDS);
  const separator = random.pick([' ', ' ', '-', '']);
  const suffix = random.chance(0.3)
    ? ` ${random.pick(['Team', 'Owners', 'Members', '2024', '2025', 'Leads'])}`
    : '';
  return first === second ? `${first}${suffix || ' Group'}` : `${first}${separator}${second}${suffix}`;
}

function generateGroups(tenant: EmulatedTenant, count: number): GroupPlan[] {
  const random = createSeededRandom(`${tenant.seed}/groups`);
  const usedNames = new Map<string, number>();
  const usedNicknames = new Set<string>();
  const plans: GroupPlan[] = [];
  const nestable: number[] = [];
  for (let index = 0; index < count; index++) {
    const id = random.guid();
    const blueprint = GROUP_BLUEPRINTS[index];
    let name: string;
    let kind: GroupKind;
    let parent: number | undefined;
    let description: string | null;
    if (blueprint) {
      ({ name, kind, parent, description } = blueprint);
    } else {
      const base = randomGroupName(random);
      const seen = usedNames.get(base) ?? 0;
      usedNames.set(base, seen + 1);
      name = seen === 0 ? base : `${base} ${seen + 1}`;
      const roll = random.next();
      kind =
        roll < 0.4
          ? 'security'
          : roll < 0.75
            ? 'microsoft365'
            : roll < 0.95
              ? 'distribution'
              : 'mailSecurity';
      description = random.chance(0.7)
        ? `${name} (${kind === 'microsoft365' ? 'Microsoft 365 group' : `${kind} group`})`
        : null;
      if (nestable.length > 0 && random.chance(0.15)) {
        const candidate = nestable[random.int(nestable.length)] as number;
        const candidateKind = plans[candidate]?.kind;
        if (candidateKind && canNest(kind, candidateKind)) parent = candidate;
      }
    }
    usedNames.set(name, Math.max(usedNames.get(name) ?? 0, 1));
    const flags = groupFlags(kind);
    let mail: string | null = null;
    if (flags.mailEnabled) {
      const baseNick = toUpnLocalPart(name.replace(/[\s&]+/g, '')) || 'group';
      let nick = baseNick;
      for (let n = 2; usedNicknames.has(nick); n++) nick = `${baseNick}${n}`;
      usedNicknames.add(nick);
      mail = `${nick}@${tenant.defaultDomain}`;
    }
    plans.push({ group: { id, displayName: name, description, mail, ...flags }, kind, parent });
    if (kind !== 'microsoft365') nestable.push(index);
  }
  return plans;
}

function generateMemberships(
  tenant: EmulatedTenant,
  users: EmulatedUser[],
  plans: GroupPlan[],
): MemberRef[][] {
  const random = createSeededRandom(`${tenant.seed}/memberships`);
  const memberships: MemberRef[][] = plans.map(() => []);
  const userCount = users.length;
  if (userCount === 0) return memberships;
  // Marks which users the current group already holds, without allocating a Set per group.
  const stamp = new Int32Array(userCount);
  // Skewed sizes: most groups are small, a few are large, like real directories.
  const cap = Math.max(2, Math.min(Math.ceil(userCount * 0.3), 800));
  plans.forEach((plan, index) => {
    const members = memberships[index] as MemberRef[];
    if (plan.group.displayName === 'All Company') {
      users.forEach((user, slot) => {
        if (user.userType === 'Member' && user.mailboxType !== 'shared') members.push(slot);
      });
      return;
    }
    const size = Math.min(userCount, 2 + Math.floor(random.next() ** 5 * cap));
    for (let attempts = 0; members.length < size && attempts < size * 4; attempts++) {
      const slot = random.int(userCount);
      if (stamp[slot] === index + 1) continue;
      stamp[slot] = index + 1;
      members.push(slot);
    }
  });
  const addFixed = (userSlot: number, groupIndex: number): void => {
    const members = memberships[groupIndex];
    if (userSlot < userCount && members && !members.includes(userSlot)) members.push(userSlot);
  };
  addFixed(0, 8); // admin in IT Security (nested in Engineering)
  addFixed(0, 9); // admin in Executives
  addFixed(1, 4); // user in Sales Europe (nested in Sales)
  addFixed(1, 6); // user in Marketing
  addFixed(2, 3); // Conor O'Neil in Sales
  addFixed(3, 1); // Zoë Müller in Finance EMEA
  plans.forEach((plan, index) => {
    if (plan.parent !== undefined) memberships[plan.parent]?.push(groupRef(index));
  });
  return memberships;
}

/** Generates a tenant's full directory content from its spec (pure; same spec → same snapshot). */
export function generateTenantSnapshot(spec: TenantSpec): DirectorySnapshot {
  const tenant = resolveTenant(spec);
  const users = generateUsers(tenant, Math.max(0, Math.floor(spec.users)));
  const plans = generateGroups(tenant, Math.max(0, Math.floor(spec.groups)));
  const memberships = generateMemberships(tenant, users, plans);
  return { tenant, users, groups: plans.map((plan) => plan.group), memberships };
}
