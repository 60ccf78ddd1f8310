import { describe, expect, it } from 'vitest';
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from '../contracts.js';
import {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_APOSTROPHE_UPN,
  CONTOSO_SPEC,
  CONTOSO_USER_PASSWORD,
  CONTOSO_USER_UPN,
  FABRIKAM_ADMIN_PASSWORD,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_SPEC,
  createDevelopmentTenant,
} from './development-tenants.js';
import { createDirectoryRegistry } from './directory-registry.js';
import { InMemoryTenantDirectory } from './tenant-directory.js';
import { generateTenantSnapshot, toUpnLocalPart } from './tenant-generator.js';

const contoso = (): InMemoryTenantDirectory =>
  new InMemoryTenantDirectory(generateTenantSnapshot(createDevelopmentTenant()));
const users = (directory: InMemoryTenantDirectory) =>
  directory.userSlots.filter((user) => user !== undefined);
const groups = (directory: InMemoryTenantDirectory) =>
  directory.groupSlots.filter((record) => record !== undefined).map((record) => record.group);

describe('tenant generator', () => {
  it('produces the same ids and names from the same seed and size', () => {
    const a = generateTenantSnapshot({ seed: 'repeatable', users: 300, groups: 40 });
    const b = generateTenantSnapshot({ seed: 'repeatable', users: 300, groups: 40 });
    expect(b.tenant).toEqual(a.tenant);
    expect(b.users.map((user) => [user.id, user.userPrincipalName, user.displayName])).toEqual(
      a.users.map((user) => [user.id, user.userPrincipalName, user.displayName]),
    );
    expect(b.groups).toEqual(a.groups);
    expect(b.memberships).toEqual(a.memberships);
  });

  it('gives a different tenant for a different seed', () => {
    const a = generateTenantSnapshot({ seed: 'one', users: 50, groups: 5 });
    const b = generateTenantSnapshot({ seed: 'two', users: 50, groups: 5 });
    expect(a.tenant.id).not.toBe(b.tenant.id);
    expect(a.users[20]?.id).not.toBe(b.users[20]?.id);
  });

  it('keeps user ids when only the group count changes', () => {
    const a = generateTenantSnapshot({ seed: 'stable', users: 80, groups: 5 });
    const b = generateTenantSnapshot({ seed: 'stable', users: 80, groups: 30 });
    expect(b.users.map((user) => user.id)).toEqual(a.users.map((user) => user.id));
  });

  it('generates unique ids and UPNs at scale', () => {
    const snapshot = generateTenantSnapshot({ seed: 'unique', users: 5_000, groups: 500 });
    const ids = new Set([
      ...snapshot.users.map((user) => user.id),
      ...snapshot.groups.map((group) => group.id),
    ]);
    expect(ids.size).toBe(5_500);
    expect(new Set(snapshot.users.map((user) => user.userPrincipalName.toLowerCase())).size).toBe(5_000);
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(snapshot.users.filter((user) => !guid.test(user.id))).toEqual([]);
  });

  it.each([
    ['Zoë', 'zoe'],
    ['Müller', 'muller'],
    ["O'Neil", "o'neil"],
    ['Østergaard', 'ostergaard'],
    ['Þóra', 'thora'],
    ['Van der Berg', 'vanderberg'],
    ['Zieliński', 'zielinski'],
    ['Żak', 'zak'],
  ])('turns %s into the UPN local part %s', (name, local) => {
    expect(toUpnLocalPart(name)).toBe(local);
  });
});

describe('development tenant Contoso', () => {
  const directory = contoso();

  it('has about 60 users and 12 groups on contoso.onmicrosoft.com', () => {
    expect(directory.tenant).toMatchObject({
      id: CONTOSO_SPEC.id,
      displayName: 'Contoso',
      defaultDomain: 'contoso.onmicrosoft.com',
    });
    expect(users(directory)).toHaveLength(60);
    expect(groups(directory)).toHaveLength(12);
  });

  it('has a Global Administrator and a non-admin user with the documented passwords', () => {
    const admin = directory.findUserByUpn(CONTOSO_ADMIN_UPN);
    expect(admin?.directoryRoleTemplateIds).toContain(GLOBAL_ADMINISTRATOR_ROLE_ID);
    expect(admin?.password).toBe('Contoso-Admin-1!');
    expect(CONTOSO_ADMIN_PASSWORD).toBe('Contoso-Admin-1!');
    const user = directory.findUserByUpn(CONTOSO_USER_UPN.toUpperCase());
    expect(user?.directoryRoleTemplateIds).toEqual([]);
    expect(user?.password).toBe(CONTOSO_USER_PASSWORD);
    expect(CONTOSO_USER_PASSWORD).toBe('Contoso-User-1!');
  });

  it('has a user with an apostrophe in the UPN and Unicode display names', () => {
    expect(directory.findUserByUpn(CONTOSO_APOSTROPHE_UPN)?.displayName).toBe("Conor O'Neil");
    const names = users(directory).map((user) => user.displayName);
    expect(names).toEqual(expect.arrayContaining(['Zoë Müller', 'José Núñez', 'Åsa Ström']));
    for (const user of users(directory))
      expect(user.userPrincipalName).toMatch(/^[A-Za-z0-9'._#-]+@contoso\.onmicrosoft\.com$/);
  });

  it('has guests, shared mailboxes, disabled and unlicensed accounts', () => {
    const all = users(directory);
    const guests = all.filter((user) => user.userType === 'Guest');
    expect(guests.length).toBeGreaterThan(0);
    for (const guest of guests) {
      expect(guest.userPrincipalName).toMatch(/^[^@]+_[^@]+#EXT#@contoso\.onmicrosoft\.com$/);
      expect(guest.password).toBeNull();
    }
    const shared = all.filter((user) => user.mailboxType === 'shared');
    expect(shared.length).toBeGreaterThan(0);
    for (const mailbox of shared)
      expect(mailbox).toMatchObject({ accountEnabled: false, password: null, assignedLicenses: [] });
    expect(all.some((user) => !user.accountEnabled && user.mailboxType === 'user')).toBe(true);
    expect(
      all.some(
        (user) =>
          user.userType === 'Member' && user.assignedLicenses.length === 0 && user.mailboxType === null,
      ),
    ).toBe(true);
    expect(all.some((user) => user.jobTitle !== null)).toBe(true);
  });

  it('has groups of every kind with shared name prefixes', () => {
    const all = groups(directory);
    expect(all.map((group) => group.displayName)).toEqual(
      expect.arrayContaining(['Finance', 'Finance EMEA', 'Fin-Ops', 'Sales', 'Sales Europe']),
    );
    expect(
      all.some((group) => group.securityEnabled && !group.mailEnabled && group.groupTypes.length === 0),
    ).toBe(true);
    expect(all.some((group) => group.groupTypes.includes('Unified') && group.mailEnabled && group.mail)).toBe(
      true,
    );
    expect(
      all.some(
        (group) => group.mailEnabled && !group.securityEnabled && !group.groupTypes.includes('Unified'),
      ),
    ).toBe(true);
  });

  it('nests groups without cycles', () => {
    const finance = groups(directory).find((group) => group.displayName === 'Finance');
    const emea = groups(directory).find((group) => group.displayName === 'Finance EMEA');
    const direct = directory.directMembers(finance?.id ?? '') ?? [];
    expect(direct.some((ref) => directory.resolveRef(ref)?.kind === 'group')).toBe(true);
    const transitive = directory.transitiveMembers(finance?.id ?? '') ?? [];
    const emeaMembers = directory.directMembers(emea?.id ?? '') ?? [];
    expect(transitive.length).toBeGreaterThan(direct.length);
    for (const ref of emeaMembers) expect(transitive).toContain(ref);
    for (const group of groups(directory)) {
      expect(
        (directory.transitiveMembers(group.id) ?? []).map((ref) => directory.resolveRef(ref)),
      ).not.toContainEqual({ kind: 'group', group });
    }
  });
});

describe('development tenant Fabrikam', () => {
  it('has its own admin and is found by domain', () => {
    const registry = createDirectoryRegistry({ initialTenants: [CONTOSO_SPEC, FABRIKAM_SPEC] });
    const fabrikam = registry.get('FABRIKAM.onmicrosoft.com');
    expect(fabrikam?.tenant.id).toBe(FABRIKAM_SPEC.id);
    expect(fabrikam?.findUserByUpn(FABRIKAM_ADMIN_UPN)?.password).toBe(FABRIKAM_ADMIN_PASSWORD);
    expect(FABRIKAM_ADMIN_PASSWORD).toBe('Fabrikam-Admin-1!');
    expect(fabrikam?.findUserByUpn(CONTOSO_ADMIN_UPN)).toBeUndefined();
  });
});
