import { describe, expect, it } from 'vitest';
import { CONTOSO_SPEC } from './development-tenants.js';
import { createDirectoryRegistry } from './directory-registry.js';
import { DirectoryError } from './tenant-directory.js';

const setup = () => {
  const registry = createDirectoryRegistry({ initialTenants: [CONTOSO_SPEC] });
  const directory = registry.get(CONTOSO_SPEC.id as string);
  if (!directory) throw new Error('Contoso missing');
  return { registry, directory };
};

describe('tenant directory mutations', () => {
  it('records every mutation with an increasing sequence number', () => {
    const { directory } = setup();
    expect(directory.changes.lastSeq).toBe(0);
    const user = directory.createUser({
      userPrincipalName: "new.o'hara@contoso.onmicrosoft.com",
      displayName: "New O'Hara",
    });
    const group = directory.createGroup({ displayName: 'Finance Nordics' });
    directory.addMember(group.id, user.id);
    directory.updateUser(user.id, { jobTitle: 'Auditor' });
    directory.removeMember(group.id, user.id);
    directory.deleteGroup(group.id);
    const kinds = directory.changes.between(0).map((change) => [change.seq, change.kind]);
    expect(kinds).toEqual([
      [1, 'user-created'],
      [2, 'group-created'],
      [3, 'member-added'],
      [4, 'user-updated'],
      [5, 'member-removed'],
      [6, 'group-deleted'],
    ]);
    expect(directory.changes.between(4).map((change) => change.seq)).toEqual([5, 6]);
  });

  it('removes a deleted user from every group and logs those removals', () => {
    const { directory } = setup();
    const user = directory.findUserByUpn('user@contoso.onmicrosoft.com');
    if (!user) throw new Error('user missing');
    const memberOf = directory.groupSlots.filter((record) =>
      record?.members.includes(directory.refOf(user.id) as number),
    );
    expect(memberOf.length).toBeGreaterThan(0);
    expect(directory.deleteUser(user.userPrincipalName)).toBe(true);
    expect(directory.getUser(user.id)).toBeUndefined();
    const removals = directory.changes.between(0).filter((change) => change.kind === 'member-removed');
    expect(removals).toHaveLength(memberOf.length);
    expect(directory.changes.between(0).at(-1)).toMatchObject({
      kind: 'user-deleted',
      objectId: user.id,
      restorable: true,
    });
  });

  it('refuses a nesting that would create a cycle', () => {
    const { directory } = setup();
    const finance = directory.groupSlots.find((record) => record?.group.displayName === 'Finance')?.group;
    const emea = directory.groupSlots.find((record) => record?.group.displayName === 'Finance EMEA')?.group;
    expect(() => directory.addMember(emea?.id ?? '', finance?.id ?? '')).toThrow(DirectoryError);
    expect(() => directory.addMember(finance?.id ?? '', finance?.id ?? '')).toThrow(DirectoryError);
  });

  it('rejects a duplicate UPN', () => {
    const { directory } = setup();
    expect(() => directory.createUser({ userPrincipalName: 'ADMIN@contoso.onmicrosoft.com' })).toThrow(
      /already exists/,
    );
  });

  it('finds users by id or UPN, case-insensitively', () => {
    const { directory } = setup();
    const admin = directory.findUserByUpn('admin@contoso.onmicrosoft.com');
    expect(directory.getUser(admin?.id.toUpperCase() ?? '')).toBe(admin);
    expect(directory.getUser('Admin@Contoso.onmicrosoft.com')).toBe(admin);
  });
});

describe('directory registry', () => {
  it('resets a tenant to its generated state with a new delta epoch', () => {
    const { registry, directory } = setup();
    const epoch = directory.deltaEpoch;
    directory.createUser({ userPrincipalName: 'temp@contoso.onmicrosoft.com' });
    const reset = registry.reset(directory.tenant.id);
    expect(reset?.findUserByUpn('temp@contoso.onmicrosoft.com')).toBeUndefined();
    expect(reset?.changes.lastSeq).toBe(0);
    expect(reset?.deltaEpoch).not.toBe(epoch);
    expect(registry.get('contoso.onmicrosoft.com')).toBe(reset);
  });

  it('lists, refuses duplicates and removes tenants', () => {
    const { registry } = setup();
    expect(() => registry.create(CONTOSO_SPEC)).toThrow(DirectoryError);
    const extra = registry.create({ seed: 'extra', users: 10, groups: 2 });
    expect(registry.list().map((tenant) => tenant.id)).toEqual([CONTOSO_SPEC.id, extra.tenant.id]);
    expect(registry.remove(extra.tenant.id)).toBe(true);
    expect(registry.get(extra.tenant.defaultDomain)).toBeUndefined();
  });

  it('forces delta tokens to expire on demand', () => {
    const { directory } = setup();
    const epoch = directory.deltaEpoch;
    directory.expireDeltaTokens();
    expect(directory.deltaEpoch).not.toBe(epoch);
  });
});
