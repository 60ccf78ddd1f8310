/**
 * Test helpers: the emulator's directory as the snapshot should hold it, the snapshot as stored,
 * tenants protected as the API saves them, sync runs to request, and a silent logger.
 */
import { randomUUID } from 'node:crypto';
import {
  emptyProvisioning,
  groupKind,
  type DirectoryGroup,
  type DirectoryMembership,
  type DirectorySnapshotId,
  type DirectoryUser,
  type ServiceId,
  type Store,
  type SyncRun,
} from '@cas/core';
import { pino } from 'pino';
import type { RunningEmulator } from '@cas/m365-emulator';

/** A logger that writes nothing. */
export const silentLogger = pino({ level: 'silent' });

/** A directory as sorted plain data, for exact comparison. */
export interface DirectoryState {
  readonly users: DirectoryUser[];
  readonly groups: DirectoryGroup[];
  readonly memberships: DirectoryMembership[];
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byPair = (a: DirectoryMembership, b: DirectoryMembership) =>
  a.groupId === b.groupId ? (a.memberId < b.memberId ? -1 : 1) : a.groupId < b.groupId ? -1 : 1;

/** What the emulator's tenant holds, in the product's terms. */
export function emulatorDirectory(emulator: RunningEmulator, tenantId: string): DirectoryState {
  const directory = emulator.directories.get(tenantId) as unknown as {
    userSlots: readonly (
      | {
          id: string;
          userPrincipalName: string;
          displayName: string;
          mail: string | null;
          accountEnabled: boolean;
          userType: 'Member' | 'Guest';
        }
      | undefined
    )[];
    groupSlots: readonly (
      | {
          group: {
            id: string;
            displayName: string;
            mail: string | null;
            groupTypes: string[];
            mailEnabled: boolean;
            securityEnabled: boolean;
          };
          members: number[];
        }
      | undefined
    )[];
    resolveRef(
      ref: number,
    ): { kind: 'user'; user: { id: string } } | { kind: 'group'; group: { id: string } } | undefined;
  };
  const users: DirectoryUser[] = [];
  for (const user of directory.userSlots) {
    if (!user) continue;
    users.push({
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      mail: user.mail,
      accountEnabled: user.accountEnabled,
      userType: user.userType,
    });
  }
  const groups: DirectoryGroup[] = [];
  const memberships: DirectoryMembership[] = [];
  for (const record of directory.groupSlots) {
    if (!record) continue;
    groups.push({
      id: record.group.id,
      displayName: record.group.displayName,
      mail: record.group.mail,
      kind: groupKind(record.group),
    });
    for (const ref of record.members) {
      const member = directory.resolveRef(ref);
      if (member === undefined) continue;
      memberships.push({
        groupId: record.group.id,
        memberId: member.kind === 'user' ? member.user.id : member.group.id,
        memberType: member.kind,
      });
    }
  }
  return { users: users.sort(byId), groups: groups.sort(byId), memberships: memberships.sort(byPair) };
}

/** What the store's snapshot holds. */
export async function storedDirectory(
  store: Store,
  tenantId: string,
  snapshot: DirectorySnapshotId,
): Promise<DirectoryState> {
  const key = { tenantId, snapshot };
  const users: DirectoryUser[] = [];
  for (let page = await store.directorySnapshots.listUsers(key, { limit: 5_000 }); page.length > 0;) {
    users.push(...page);
    page = await store.directorySnapshots.listUsers(key, { limit: 5_000, after: page.at(-1)?.id ?? '' });
  }
  const groups = await store.directorySnapshots.listGroups(key, { limit: 100_000 });
  const memberships = await store.directorySnapshots.listMemberships(key, { limit: 1_000_000 });
  return { users: users.sort(byId), groups: groups.sort(byId), memberships: memberships.sort(byPair) };
}

/** A pending sync run as the API (or the scheduler) creates it. */
export function pendingRun(tenantId: string, overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: randomUUID(),
    tenantId,
    service: 'exchangeOnline',
    trigger: 'initial',
    scope: 'allUsersAndGroups',
    status: 'pending',
    requestedAt: new Date().toISOString(),
    requestedBy: { kind: 'system', component: 'test' },
    startedAt: null,
    finishedAt: null,
    added: 0,
    updated: 0,
    removed: 0,
    graphRequests: 0,
    error: null,
    cancelReason: null,
    missingTargets: [],
    protectedTargets: null,
    ...overrides,
  };
}

/**
 * Saves `tenantId` with `services` protected and synchronizing all users and groups, as Done
 * leaves it: a run of any other scope or service no longer applies and would be cancelled (R14).
 */
export async function protectAllUsers(
  store: Store,
  tenantId: string,
  services: readonly ServiceId[] = ['exchangeOnline'],
): Promise<void> {
  const before = (await store.provisioning.get(tenantId)) ?? emptyProvisioning(tenantId);
  const accounts = { ...before.services };
  for (const service of services) {
    accounts[service] = {
      ...accounts[service],
      status: 'protected',
      scope: 'allUsersAndGroups',
      targets: [],
      protectedAt: accounts[service].protectedAt ?? new Date().toISOString(),
    };
  }
  const saved = await store.provisioning.save({ ...before, services: accounts }, before.version);
  if (!saved.ok) throw new Error(`provisioning of ${tenantId} changed meanwhile`);
}

/**
 * Claims and executes an already requested run until it is no longer pending: a retry waits for
 * its (test-short) backoff before it may be claimed again. Returns the run as it ended.
 */
export async function settleRun(
  store: Store,
  executor: {
    lease(): Parameters<Store['syncJobs']['claimRun']>[2];
    execute(
      run: SyncRun,
      job: NonNullable<Awaited<ReturnType<Store['syncJobs']['claimRun']>>>['job'],
    ): Promise<unknown>;
  },
  run: SyncRun,
): Promise<SyncRun> {
  for (let claims = 0; ; claims += 1) {
    if (claims > 50) throw new Error(`run ${run.id} never finished (its tenant stays leased?)`);
    const claimed = await store.syncJobs.claimRun(run.tenantId, run.id, executor.lease());
    if (claimed !== undefined) await executor.execute(claimed.run, claimed.job);
    const after = await store.syncRuns.get(run.tenantId, run.id);
    if (after?.status !== 'pending') break;
    const retryAt = Date.parse((await store.syncJobs.get(run.id))?.nextAttemptAt ?? '') || Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, retryAt - Date.now() + 1)));
  }
  const finished = await store.syncRuns.get(run.tenantId, run.id);
  if (finished === undefined) throw new Error('run vanished');
  return finished;
}
