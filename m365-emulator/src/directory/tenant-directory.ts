/**
 * In-memory directory of one tenant, kept compact for 100k-user tenants: users and groups live in
 * slot arrays (the slot number is the stable paging position; deleted objects leave a hole), Maps
 * index them by id and UPN, and memberships are plain integer arrays of member references rather
 * than Sets of strings. Transitive member lists are built lazily and dropped on the next change.
 */
import { randomUUID } from 'node:crypto';
import { ChangeLog, type DirectoryChange } from './change-log.js';
import type {
  EmulatedGroup,
  EmulatedTenant,
  EmulatedUser,
  GroupInput,
  TenantDirectory,
  UserInput,
} from '../contracts.js';

/**
 * A member reference: a user slot `i` is `i`, a group slot `j` is `~j` (negative). Integers keep
 * millions of memberships in a few megabytes.
 */
export type MemberRef = number;

/** Encodes a group slot as a member reference. */
export function groupRef(groupSlot: number): MemberRef {
  return ~groupSlot;
}

/** A group and its direct members. */
export interface GroupRecord {
  readonly group: EmulatedGroup;
  /** Direct member references, in insertion order. */
  readonly members: MemberRef[];
}

/** Why a mutation was refused. */
export type DirectoryErrorCode = 'invalidInput' | 'conflict' | 'notFound' | 'cycle';

/** Thrown by mutations that the contract types as returning an object (the control API maps `code`). */
export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

/** Everything the generator hands over to build a directory without logging changes. */
export interface DirectorySnapshot {
  readonly tenant: EmulatedTenant;
  readonly users: EmulatedUser[];
  readonly groups: EmulatedGroup[];
  /** Direct memberships per group index, as member references into `users` / `groups`. */
  readonly memberships: MemberRef[][];
}

/**
 * Users and groups that differ from the generated directory, as the emulator's saved state holds
 * them: `null` marks a deleted object; a group carries how its direct members changed.
 */
export interface SavedDirectoryObjects {
  readonly users: ReadonlyMap<string, EmulatedUser | null>;
  readonly groups: ReadonlyMap<string, SavedGroup | null>;
}

/**
 * A saved group and the net change of its direct members (object ids of users and groups), not the
 * whole list: deleting one user touches every group it was in, some with 100k members.
 */
export interface SavedGroup {
  readonly group: EmulatedGroup;
  /** Members now that were not members at generation (or at creation), in member order. */
  readonly membersAdded: readonly string[];
  /** Members at generation that are not members now. */
  readonly membersRemoved: readonly string[];
}

let epochCounter = 0;
const processNonce = randomUUID().slice(0, 8);

/** In-memory `TenantDirectory` with the extra reads Graph needs (slots, members, change log). */
export class InMemoryTenantDirectory implements TenantDirectory {
  readonly tenant: EmulatedTenant;
  /** Every mutation since generation; delta queries read it. */
  readonly changes: ChangeLog;
  readonly #userSlots: (EmulatedUser | undefined)[];
  readonly #groupSlots: (GroupRecord | undefined)[];
  readonly #userSlotById = new Map<string, number>();
  readonly #userSlotByUpn = new Map<string, number>();
  readonly #groupSlotById = new Map<string, number>();
  #membershipVersion = 0;
  #transitiveCache = new Map<number, { version: number; refs: MemberRef[] }>();
  #deltaEpoch = '';

  constructor(snapshot: DirectorySnapshot, now: () => number = Date.now) {
    this.tenant = snapshot.tenant;
    this.changes = new ChangeLog(now);
    this.expireDeltaTokens();
    this.#userSlots = snapshot.users;
    this.#groupSlots = snapshot.groups.map((group, index) => ({
      group,
      members: snapshot.memberships[index] ?? [],
    }));
    this.#userSlots.forEach((user, slot) => {
      if (!user) return;
      this.#userSlotById.set(user.id, slot);
      this.#userSlotByUpn.set(user.userPrincipalName.toLowerCase(), slot);
    });
    this.#groupSlots.forEach((record, slot) => {
      if (record) this.#groupSlotById.set(record.group.id, slot);
    });
  }

  /** Changes whenever delta tokens issued so far must stop working (reset, or forced expiry). */
  get deltaEpoch(): string {
    return this.#deltaEpoch;
  }

  /** Invalidates every delta token issued for this tenant, as if the sync state had expired. */
  expireDeltaTokens(): void {
    epochCounter += 1;
    this.#deltaEpoch = `${processNonce}.${epochCounter}`;
  }

  /** Current number of users (the throttling quota depends on it). */
  get userCount(): number {
    return this.#userSlotById.size;
  }

  /** Current number of groups. */
  get groupCount(): number {
    return this.#groupSlotById.size;
  }

  /** Users by slot (paging order); deleted users leave `undefined`. Read-only view. */
  get userSlots(): readonly (EmulatedUser | undefined)[] {
    return this.#userSlots;
  }

  /** Groups by slot (paging order); deleted groups leave `undefined`. Read-only view. */
  get groupSlots(): readonly (GroupRecord | undefined)[] {
    return this.#groupSlots;
  }

  findUserByUpn(upn: string): EmulatedUser | undefined {
    const slot = this.#userSlotByUpn.get(upn.toLowerCase());
    return slot === undefined ? undefined : this.#userSlots[slot];
  }

  getUser(idOrUpn: string): EmulatedUser | undefined {
    const slot = this.#userSlotOf(idOrUpn);
    return slot === undefined ? undefined : this.#userSlots[slot];
  }

  getGroup(id: string): EmulatedGroup | undefined {
    return this.groupRecord(id)?.group;
  }

  /** The group with its members, by object id. */
  groupRecord(id: string): GroupRecord | undefined {
    const slot = this.#groupSlotById.get(id.toLowerCase());
    return slot === undefined ? undefined : this.#groupSlots[slot];
  }

  /** The member reference of an object id, or undefined when no such user or group exists. */
  refOf(id: string): MemberRef | undefined {
    const key = id.toLowerCase();
    const userSlot = this.#userSlotById.get(key);
    if (userSlot !== undefined) return userSlot;
    const groupSlot = this.#groupSlotById.get(key);
    return groupSlot === undefined ? undefined : groupRef(groupSlot);
  }

  /** The user or group a member reference points at (undefined once deleted). */
  resolveRef(
    ref: MemberRef,
  ): { kind: 'user'; user: EmulatedUser } | { kind: 'group'; group: EmulatedGroup } | undefined {
    if (ref >= 0) {
      const user = this.#userSlots[ref];
      return user ? { kind: 'user', user } : undefined;
    }
    const record = this.#groupSlots[~ref];
    return record ? { kind: 'group', group: record.group } : undefined;
  }

  /** Direct member references of a group, or undefined when the group does not exist. */
  directMembers(groupId: string): readonly MemberRef[] | undefined {
    return this.groupRecord(groupId)?.members;
  }

  /** Members of a group and of every group nested in it, each once (nested groups included, as Graph does). */
  transitiveMembers(groupId: string): readonly MemberRef[] | undefined {
    const slot = this.#groupSlotById.get(groupId.toLowerCase());
    if (slot === undefined) return undefined;
    return this.#transitiveOfSlot(slot);
  }

  #transitiveOfSlot(slot: number): MemberRef[] {
    const cached = this.#transitiveCache.get(slot);
    if (cached && cached.version === this.#membershipVersion) return cached.refs;
    const seen = new Set<MemberRef>();
    const refs: MemberRef[] = [];
    const pending: number[] = [slot];
    for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
      for (const ref of this.#groupSlots[current]?.members ?? []) {
        if (seen.has(ref)) continue;
        seen.add(ref);
        refs.push(ref);
        if (ref < 0) pending.push(~ref);
      }
    }
    this.#transitiveCache.set(slot, { version: this.#membershipVersion, refs });
    return refs;
  }

  createUser(input: UserInput): EmulatedUser {
    const upn = input.userPrincipalName?.trim();
    if (!upn || !upn.includes('@'))
      throw new DirectoryError('invalidInput', 'userPrincipalName is required.');
    if (this.#userSlotByUpn.has(upn.toLowerCase())) {
      throw new DirectoryError(
        'conflict',
        'Another object with the same value for property userPrincipalName already exists.',
      );
    }
    const user: EmulatedUser = {
      id: randomUUID(),
      userPrincipalName: upn,
      displayName: input.displayName ?? upn.split('@')[0] ?? upn,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      mail: input.mail === undefined ? upn : input.mail,
      jobTitle: input.jobTitle ?? null,
      accountEnabled: input.accountEnabled ?? true,
      userType: input.userType ?? 'Member',
      assignedLicenses: input.assignedLicenses ?? [],
      mailboxType: input.mailboxType === undefined ? 'user' : input.mailboxType,
      directoryRoleTemplateIds: input.directoryRoleTemplateIds ?? [],
      password: input.password ?? null,
    };
    const slot = this.#userSlots.length;
    this.#userSlots.push(user);
    this.#userSlotById.set(user.id, slot);
    this.#userSlotByUpn.set(upn.toLowerCase(), slot);
    this.changes.append({ kind: 'user-created', objectId: user.id });
    return user;
  }

  updateUser(id: string, changes: UserInput): EmulatedUser | undefined {
    const slot = this.#userSlotOf(id);
    const user = slot === undefined ? undefined : this.#userSlots[slot];
    if (slot === undefined || !user) return undefined;
    const newUpn = changes.userPrincipalName?.trim();
    if (newUpn !== undefined && newUpn.toLowerCase() !== user.userPrincipalName.toLowerCase()) {
      if (!newUpn.includes('@'))
        throw new DirectoryError('invalidInput', 'userPrincipalName must contain a domain.');
      if (this.#userSlotByUpn.has(newUpn.toLowerCase())) {
        throw new DirectoryError(
          'conflict',
          'Another object with the same value for property userPrincipalName already exists.',
        );
      }
      this.#userSlotByUpn.delete(user.userPrincipalName.toLowerCase());
      this.#userSlotByUpn.set(newUpn.toLowerCase(), slot);
    }
    const writable = user as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(changes)) {
      if (value !== undefined && key !== 'id' && key in user) writable[key] = value;
    }
    if (newUpn !== undefined) user.userPrincipalName = newUpn;
    this.changes.append({ kind: 'user-updated', objectId: user.id });
    return user;
  }

  deleteUser(id: string): boolean {
    const slot = this.#userSlotOf(id);
    const user = slot === undefined ? undefined : this.#userSlots[slot];
    if (slot === undefined || !user) return false;
    this.#removeFromAllGroups(slot, user.id, 'user');
    this.#userSlots[slot] = undefined;
    this.#userSlotById.delete(user.id);
    this.#userSlotByUpn.delete(user.userPrincipalName.toLowerCase());
    // Entra soft-deletes users (restorable for 30 days), which delta reports as reason "changed".
    this.changes.append({ kind: 'user-deleted', objectId: user.id, restorable: true });
    return true;
  }

  createGroup(input: GroupInput): EmulatedGroup {
    const displayName = input.displayName?.trim();
    if (!displayName) throw new DirectoryError('invalidInput', 'displayName is required.');
    const group: EmulatedGroup = {
      id: randomUUID(),
      displayName,
      description: input.description ?? null,
      mail: input.mail ?? null,
      mailEnabled: input.mailEnabled ?? false,
      securityEnabled: input.securityEnabled ?? true,
      groupTypes: input.groupTypes ?? [],
    };
    const slot = this.#groupSlots.length;
    this.#groupSlots.push({ group, members: [] });
    this.#groupSlotById.set(group.id, slot);
    this.changes.append({ kind: 'group-created', objectId: group.id });
    return group;
  }

  updateGroup(id: string, changes: GroupInput): EmulatedGroup | undefined {
    const record = this.groupRecord(id);
    if (!record) return undefined;
    const writable = record.group as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(changes)) {
      if (value !== undefined && key !== 'id' && key in record.group) writable[key] = value;
    }
    this.changes.append({ kind: 'group-updated', objectId: record.group.id });
    return record.group;
  }

  deleteGroup(id: string): boolean {
    const slot = this.#groupSlotById.get(id.toLowerCase());
    const record = slot === undefined ? undefined : this.#groupSlots[slot];
    if (slot === undefined || !record) return false;
    this.#removeFromAllGroups(groupRef(slot), record.group.id, 'group');
    this.#groupSlots[slot] = undefined;
    this.#groupSlotById.delete(record.group.id);
    this.#membershipVersion += 1;
    // Only Microsoft 365 groups go to deleted items; security and distribution groups are gone for good.
    const restorable = record.group.groupTypes.includes('Unified');
    this.changes.append({ kind: 'group-deleted', objectId: record.group.id, restorable });
    return true;
  }

  addMember(groupId: string, memberId: string): boolean {
    const slot = this.#groupSlotById.get(groupId.toLowerCase());
    const record = slot === undefined ? undefined : this.#groupSlots[slot];
    const ref = this.refOf(memberId);
    if (slot === undefined || !record || ref === undefined) return false;
    if (record.members.includes(ref)) return false;
    if (ref < 0 && (~ref === slot || this.#transitiveOfSlot(~ref).includes(groupRef(slot)))) {
      throw new DirectoryError('cycle', 'Adding this group would create a circular membership.');
    }
    record.members.push(ref);
    this.#membershipVersion += 1;
    this.changes.append({
      kind: 'member-added',
      objectId: record.group.id,
      memberId: memberId.toLowerCase(),
      memberType: ref < 0 ? 'group' : 'user',
    });
    return true;
  }

  removeMember(groupId: string, memberId: string): boolean {
    const record = this.groupRecord(groupId);
    const ref = this.refOf(memberId);
    if (!record || ref === undefined) return false;
    const position = record.members.indexOf(ref);
    if (position < 0) return false;
    record.members.splice(position, 1);
    this.#membershipVersion += 1;
    this.changes.append({
      kind: 'member-removed',
      objectId: record.group.id,
      memberId: memberId.toLowerCase(),
      memberType: ref < 0 ? 'group' : 'user',
    });
    return true;
  }

  /**
   * Every user and group a mutation touched since generation, as it is now (`null`: deleted). The
   * change log names them, so this costs what changed, not the size of the tenant.
   */
  changedObjects(): SavedDirectoryObjects {
    const userIds = new Set<string>();
    // Per group, the first logged membership change of each member: a first "added" means it was
    // not a member at generation, a first "removed" that it was.
    const firstChange = new Map<string, Map<string, DirectoryChange['kind']>>();
    for (const change of this.changes.between(0)) {
      if (change.kind.startsWith('user-')) {
        userIds.add(change.objectId);
        continue;
      }
      const members = firstChange.get(change.objectId) ?? new Map<string, DirectoryChange['kind']>();
      firstChange.set(change.objectId, members);
      if (change.memberId && !members.has(change.memberId)) members.set(change.memberId, change.kind);
    }
    const users = new Map<string, EmulatedUser | null>();
    for (const id of userIds) {
      const slot = this.#userSlotById.get(id);
      users.set(id, (slot === undefined ? undefined : this.#userSlots[slot]) ?? null);
    }
    const groups = new Map<string, SavedGroup | null>();
    for (const [id, changed] of firstChange) {
      const record = this.groupRecord(id);
      if (!record) {
        groups.set(id, null);
        continue;
      }
      const current = this.#memberIds(record.members);
      const present = new Set(current);
      groups.set(id, {
        group: record.group,
        membersAdded: current.filter((member) => changed.get(member) === 'member-added'),
        membersRemoved: [...changed]
          .filter(([member, first]) => first === 'member-removed' && !present.has(member))
          .map(([member]) => member),
      });
    }
    return { users, groups };
  }

  /**
   * Puts saved objects back on top of the generated directory: deletes the ones saved as deleted,
   * upserts users and groups under their saved ids, then replays the saved groups' membership
   * changes. Each step is logged like any change, so the next {@link changedObjects} includes
   * them again.
   */
  restoreObjects(saved: SavedDirectoryObjects): void {
    // Deletions first: the UPNs they free may belong to restored users.
    for (const [id, user] of saved.users) if (user === null) this.deleteUser(id);
    for (const [id, group] of saved.groups) if (group === null) this.deleteGroup(id);

    const users = [...saved.users].flatMap(([id, user]) => (user ? [{ ...user, id: id.toLowerCase() }] : []));
    // Unindex the current UPNs of all of them before indexing the saved ones: two renamed users
    // may have swapped UPNs.
    for (const user of users) {
      const slot = this.#userSlotById.get(user.id);
      const current = slot === undefined ? undefined : this.#userSlots[slot];
      if (current) this.#userSlotByUpn.delete(current.userPrincipalName.toLowerCase());
    }
    for (const user of users) {
      let slot = this.#userSlotById.get(user.id);
      if (slot === undefined) {
        slot = this.#userSlots.length;
        this.#userSlots.push(user);
        this.#userSlotById.set(user.id, slot);
        this.changes.append({ kind: 'user-created', objectId: user.id });
      } else {
        this.#userSlots[slot] = user;
        this.changes.append({ kind: 'user-updated', objectId: user.id });
      }
      this.#userSlotByUpn.set(user.userPrincipalName.toLowerCase(), slot);
    }

    const groups = [...saved.groups].flatMap(([id, group]) =>
      group ? [{ ...group, group: { ...group.group, id: id.toLowerCase() } }] : [],
    );
    for (const { group } of groups) {
      const slot = this.#groupSlotById.get(group.id);
      if (slot === undefined) {
        this.#groupSlotById.set(group.id, this.#groupSlots.length);
        this.#groupSlots.push({ group, members: [] });
        this.changes.append({ kind: 'group-created', objectId: group.id });
      } else {
        this.#groupSlots[slot] = { group, members: this.#groupSlots[slot]?.members ?? [] };
        this.changes.append({ kind: 'group-updated', objectId: group.id });
      }
    }
    // Memberships last: members may be users and groups restored above. Members that no longer
    // exist are skipped (removeMember/addMember answer false).
    for (const { group, membersAdded, membersRemoved } of groups) {
      for (const member of membersRemoved) this.removeMember(group.id, member);
      for (const member of membersAdded) {
        try {
          this.addMember(group.id, member);
        } catch (error) {
          if (!(error instanceof DirectoryError)) throw error;
        }
      }
    }
  }

  #memberIds(refs: readonly MemberRef[]): string[] {
    const ids: string[] = [];
    for (const ref of refs) {
      const member = this.resolveRef(ref);
      if (member) ids.push(member.kind === 'user' ? member.user.id : member.group.id);
    }
    return ids;
  }

  #userSlotOf(idOrUpn: string): number | undefined {
    const key = idOrUpn.toLowerCase();
    return this.#userSlotById.get(key) ?? this.#userSlotByUpn.get(key);
  }

  #removeFromAllGroups(ref: MemberRef, memberId: string, memberType: 'user' | 'group'): void {
    for (const record of this.#groupSlots) {
      if (!record) continue;
      const position = record.members.indexOf(ref);
      if (position < 0) continue;
      record.members.splice(position, 1);
      this.#membershipVersion += 1;
      this.changes.append({ kind: 'member-removed', objectId: record.group.id, memberId, memberType });
    }
  }
}
