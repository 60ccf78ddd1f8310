import { beforeAll, describe, expect, it } from 'vitest';
import { CONTOSO_SPEC, createDirectoryRegistry, FABRIKAM_SPEC } from '../directory/index.js';
import { CLOUD_APP_SECURITY_CLIENT_ID } from '../entra/app-registrations.js';
import { EntraService } from '../entra/entra-service.js';
import { createSigningKey, type SigningKey } from '../entra/signing-keys.js';
import { MICROSOFT_GRAPH_APP_ID } from '../entra/well-known-resources.js';
import { EmulatorState, parseSavedState, StateFormatError, type SavedState } from './emulator-state.js';
import type { TenantSpec } from '../contracts.js';

const NOW = Date.parse('2025-03-01T10:00:00Z');
const SMALL_SPEC: TenantSpec = { seed: 'tailspin', users: 12, groups: 3, displayName: 'Tailspin' };
let signingKey: SigningKey;

beforeAll(async () => {
  signingKey = await createSigningKey(NOW);
});

/** A fresh emulator state over freshly generated tenants, as `startEmulator` builds it. */
function emulatorOf(specs: readonly TenantSpec[] = [CONTOSO_SPEC, FABRIKAM_SPEC]) {
  const directories = createDirectoryRegistry({ initialTenants: specs, now: () => NOW });
  const entra = new EntraService({ directories, now: () => NOW, signingKey });
  return { directories, entra, state: new EmulatorState(directories, entra) };
}

/** What `state.json` would hold, read back as the next start reads it. */
function saveAndRead(state: EmulatorState): SavedState {
  const saved = state.capture();
  if (!saved) throw new Error('nothing captured');
  return parseSavedState(JSON.stringify(saved));
}

function contoso(emulator: ReturnType<typeof emulatorOf>) {
  const directory = emulator.directories.get(CONTOSO_SPEC.id as string);
  if (!directory) throw new Error('Contoso missing');
  return directory;
}

function groupNamed(directory: ReturnType<typeof contoso>, name: string) {
  const group = directory.groupSlots.find((record) => record?.group.displayName === name)?.group;
  if (!group) throw new Error(`no group ${name}`);
  return group;
}

/** Object ids of member references, to compare two directories. */
function memberIds(directory: ReturnType<typeof contoso>, refs: readonly number[] | undefined): string[] {
  return (refs ?? []).map((ref) => {
    const member = directory.resolveRef(ref);
    return (member?.kind === 'user' ? member.user.id : member?.group.id) ?? 'deleted';
  });
}

describe('emulator state', () => {
  it('captures nothing while everything is as generated', () => {
    expect(emulatorOf().state.capture()).toBeUndefined();
  });

  it('puts directory changes back on a freshly generated tenant, ids and memberships included', () => {
    const before = emulatorOf();
    const directory = contoso(before);
    const admin = directory.findUserByUpn('admin@contoso.onmicrosoft.com');
    const user = directory.findUserByUpn('user@contoso.onmicrosoft.com');
    const apostrophe = directory.findUserByUpn("conor.o'neil@contoso.onmicrosoft.com");
    if (!admin || !user || !apostrophe) throw new Error('fixed users missing');
    // Two users swap UPNs: restoring them one by one would collide.
    directory.updateUser(user.id, { userPrincipalName: 'swap@contoso.onmicrosoft.com' });
    directory.updateUser(apostrophe.id, { userPrincipalName: 'user@contoso.onmicrosoft.com' });
    directory.updateUser(user.id, {
      userPrincipalName: "conor.o'neil@contoso.onmicrosoft.com",
      accountEnabled: false,
    });
    const hire = directory.createUser({ userPrincipalName: 'new.hire@contoso.onmicrosoft.com' });
    const team = directory.createGroup({ displayName: 'Persisted Team' });
    const sales = groupNamed(directory, 'Sales');
    directory.addMember(team.id, hire.id);
    directory.addMember(team.id, sales.id);
    directory.removeMember(groupNamed(directory, 'Executives').id, admin.id);
    directory.deleteGroup(groupNamed(directory, 'Marketing').id);
    const leaver = directory.userSlots.find(
      (candidate) => candidate && ![admin.id, user.id, apostrophe.id].includes(candidate.id),
    );
    if (!leaver) throw new Error('no user to delete');
    directory.deleteUser(leaver.id);
    const saved = saveAndRead(before.state);

    const after = emulatorOf();
    const summary = after.state.restore(saved, (message) => {
      throw new Error(message);
    });
    const restored = contoso(after);
    expect(summary).toMatchObject({ tenantsChanged: 1, tenantsAdded: 0, tenantsRemoved: 0 });
    expect(restored.findUserByUpn('user@contoso.onmicrosoft.com')?.id).toBe(apostrophe.id);
    expect(restored.findUserByUpn("conor.o'neil@contoso.onmicrosoft.com")).toMatchObject({
      id: user.id,
      accountEnabled: false,
    });
    expect(restored.findUserByUpn('swap@contoso.onmicrosoft.com')).toBeUndefined();
    expect(restored.getUser(hire.id)?.userPrincipalName).toBe('new.hire@contoso.onmicrosoft.com');
    expect(restored.getUser(leaver.id)).toBeUndefined();
    expect(restored.groupSlots.some((record) => record?.group.displayName === 'Marketing')).toBe(false);
    const teamMembers = memberIds(restored, restored.transitiveMembers(team.id));
    expect(teamMembers).toEqual(memberIds(directory, directory.transitiveMembers(team.id)));
    expect(teamMembers).toEqual(expect.arrayContaining([hire.id, sales.id]));
    expect(
      restored
        .directMembers(groupNamed(directory, 'Executives').id)
        ?.includes(restored.refOf(admin.id) ?? -1),
    ).toBe(false);
    // The restored tenant saves the same differences again (the next restart sees the same state).
    expect(after.state.capture()).toEqual(before.state.capture());
  });

  it('saves only the objects that changed, and membership changes rather than member lists', () => {
    const { directories, state } = emulatorOf([{ seed: 'large', users: 5000, groups: 40 }]);
    const [tenant] = directories.list();
    const directory = directories.get(tenant?.id ?? '');
    const someone = directory?.userSlots[4321];
    const leaver = directory?.userSlots[17];
    if (!directory || !someone || !leaver) throw new Error('tenant missing');
    const leaverRef = directory.refOf(leaver.id) ?? -1;
    const groupsOfLeaver = directory.groupSlots.filter((record) => record?.members.includes(leaverRef));
    const largest = Math.max(...groupsOfLeaver.map((record) => record?.members.length ?? 0));
    expect(largest).toBeGreaterThan(100);
    directory.updateUser(someone.id, { jobTitle: 'Auditor' });
    directory.deleteUser(leaver.id);

    const saved = state.capture();
    const changed = saved?.tenants[0];
    expect(changed?.users).toEqual({ [someone.id]: { ...someone, jobTitle: 'Auditor' }, [leaver.id]: null });
    expect(Object.values(changed?.groups ?? {})).toHaveLength(groupsOfLeaver.length);
    for (const group of Object.values(changed?.groups ?? {}))
      expect(group).toMatchObject({ membersAdded: [], membersRemoved: [leaver.id] });
    expect(JSON.stringify(saved).length).toBeLessThan(1_000 + 400 * groupsOfLeaver.length);
  });

  it('puts back added and removed tenants, consent with its principal id, and app changes', () => {
    const before = emulatorOf([CONTOSO_SPEC, FABRIKAM_SPEC, SMALL_SPEC]);
    const app = before.entra.apps.get(CLOUD_APP_SECURITY_CLIENT_ID);
    if (!app) throw new Error('app missing');
    const tailspin = before.directories.list().find((tenant) => tenant.displayName === 'Tailspin');
    before.directories.remove(tailspin?.id ?? '');
    const northwind = before.directories.create({ seed: 'northwind', users: 5, groups: 1 });
    const grants = new Map([[MICROSOFT_GRAPH_APP_ID, ['User.Read.All', 'GroupMember.Read.All']]]);
    const contosoPrincipal = before.entra.principals.grant(CONTOSO_SPEC.id as string, app, grants, NOW);
    before.entra.principals.grant(northwind.tenant.id, app, grants, NOW);
    before.entra.principals.removeRoles(northwind.tenant.id, app.appId);
    const secret = before.entra.apps.rotateSecret(app.appId, { now: NOW, keepOld: true });
    before.entra.apps.expireSecrets(app.appId, NOW - 1000, app.secrets[0]?.id);
    app.disabled = true;
    const saved = saveAndRead(before.state);
    expect(saved.removedTenants).toEqual([tailspin?.id]);
    expect(saved.apps.map((changed) => changed.appId)).toEqual([CLOUD_APP_SECURITY_CLIENT_ID]);

    const after = emulatorOf([CONTOSO_SPEC, FABRIKAM_SPEC, SMALL_SPEC]);
    const summary = after.state.restore(saved, (message) => {
      throw new Error(message);
    });
    expect(summary).toEqual({
      servicePrincipals: 2,
      tenantsAdded: 1,
      tenantsRemoved: 1,
      tenantsChanged: 0,
      apps: 1,
    });
    expect(after.directories.list().map((tenant) => tenant.displayName)).toEqual([
      'Contoso',
      'Fabrikam',
      northwind.tenant.displayName,
    ]);
    const principal = after.entra.principals.get(CONTOSO_SPEC.id as string, app.appId);
    expect(principal?.id).toBe(contosoPrincipal.id);
    expect([...(principal?.appRoleAssignments.get(MICROSOFT_GRAPH_APP_ID) ?? [])]).toEqual([
      'User.Read.All',
      'GroupMember.Read.All',
    ]);
    expect([
      ...(after.entra.principals
        .get(northwind.tenant.id, app.appId)
        ?.appRoleAssignments.get(MICROSOFT_GRAPH_APP_ID) ?? ['still granted']),
    ]).toEqual([]);
    const restoredApp = after.entra.apps.get(app.appId);
    expect(restoredApp?.disabled).toBe(true);
    if (!restoredApp) throw new Error('app missing');
    expect(after.entra.apps.checkSecret(restoredApp, secret?.value, NOW)).toBe('valid');
    expect(after.entra.apps.checkSecret(restoredApp, app.secrets[0]?.value, NOW)).toBe('expired');
    expect(after.state.capture()).toEqual(before.state.capture());

    after.state.resetToStart();
    expect(after.state.capture()).toBeUndefined();
    expect(after.directories.list().map((tenant) => tenant.displayName)).toEqual([
      'Contoso',
      'Fabrikam',
      'Tailspin',
    ]);
  });

  it('drops saved changes that no longer fit, with a warning each', () => {
    const before = emulatorOf();
    contoso(before).createUser({ userPrincipalName: 'kept.out@contoso.onmicrosoft.com' });
    const app = before.entra.apps.get(CLOUD_APP_SECURITY_CLIENT_ID);
    if (!app) throw new Error('app missing');
    before.entra.principals.grant(FABRIKAM_SPEC.id as string, app, new Map(), NOW);
    const saved = saveAndRead(before.state);

    // The next start generates Contoso at another size and has no Fabrikam.
    const after = emulatorOf([{ ...CONTOSO_SPEC, users: 100 }]);
    const warnings: string[] = [];
    after.state.restore(saved, (message) => warnings.push(message));
    expect(warnings).toEqual([
      expect.stringContaining(`Saved changes of tenant ${CONTOSO_SPEC.id}`),
      expect.stringContaining(`in tenant ${FABRIKAM_SPEC.id} was dropped`),
    ]);
    expect(contoso(after).findUserByUpn('kept.out@contoso.onmicrosoft.com')).toBeUndefined();
  });
});

describe('parseSavedState', () => {
  const valid = {
    format: 'cas-m365-emulator-state',
    version: 1,
    removedTenants: [],
    tenants: [],
    servicePrincipals: [],
    apps: [],
  };
  it.each([
    ['not JSON', '{"format": "cas-m365-emulator-state", ', /not JSON/],
    ['another format', JSON.stringify({ ...valid, format: 'something-else' }), /format/],
    ['an unknown version', JSON.stringify({ ...valid, version: 2 }), /unknown version 2/],
    ['a list instead of an object', '[]', /not an object/],
    [
      'a user with a wrong field',
      JSON.stringify({
        ...valid,
        tenants: [
          {
            id: 'x',
            spec: { seed: 's', users: 1, groups: 0 },
            added: true,
            users: { u: { id: 'u', userPrincipalName: 'a@b', accountEnabled: 'yes' } },
            groups: {},
          },
        ],
      }),
      /tenants\[0\]\.users\.u\./,
    ],
    [
      'a secret without a date',
      JSON.stringify({
        ...valid,
        apps: [
          {
            appId: 'a',
            disabled: false,
            webRedirectUris: [],
            spaRedirectUris: [],
            secrets: [{ id: 'i', value: 'v', hint: 'v', endDateTime: 'soon' }],
          },
        ],
      }),
      /endDateTime is not a date/,
    ],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseSavedState(text)).toThrow(StateFormatError);
    expect(() => parseSavedState(text)).toThrow(message);
  });

  it('reads an empty but valid state', () => {
    expect(parseSavedState(JSON.stringify(valid))).toEqual(valid);
  });
});
