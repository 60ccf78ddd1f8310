/**
 * The synchronized directory per snapshot: a tenant's shared one (all-mode services) or a
 * selected-mode service's own. Upserts go through the backend's bulk writer
 * (`snapshot-bulk-writes.ts`); deletes are chunked so one Graph page stays within both drivers'
 * parameter limits; full rounds mark rows with their round and sweep the rest at the end.
 */
import type { Database, DirectoryGroupTable, DirectoryUserTable } from '../schema.js';
import type { SnapshotBulkWriter } from './snapshot-bulk-writes.js';
import type {
  DirectoryGroup,
  DirectoryMembership,
  DirectorySnapshotKey,
  DirectorySnapshotRepository,
  DirectorySnapshotRounds,
  DirectoryUser,
  GroupKind,
  SnapshotWriteCounts,
} from '@cas/core';
import type { Kysely } from 'kysely';

// 1,000 rows × at most 9 columns stays under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const CHUNK = 1_000;
const DEFAULT_LIST_LIMIT = 1_000;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Last entry per id wins: a page may mention an object twice, and one statement must not. */
function lastById<T extends { readonly id: string }>(items: readonly T[]): T[] {
  return [...new Map(items.map((item) => [item.id, item])).values()];
}

/** Directory snapshots over either backend. */
export class SqlDirectorySnapshotRepository implements DirectorySnapshotRepository {
  readonly #db: Kysely<Database>;
  readonly #bulk: SnapshotBulkWriter;

  /** `db` may be the root instance or a transaction; `bulk` writes pages the backend's fast way. */
  constructor(db: Kysely<Database>, bulk: SnapshotBulkWriter) {
    this.#db = db;
    this.#bulk = bulk;
  }

  async upsertUsers(
    key: DirectorySnapshotKey,
    users: readonly DirectoryUser[],
    round: string,
  ): Promise<SnapshotWriteCounts> {
    return this.#bulk.upsertUsers(this.#db, key, lastById(users), round);
  }

  async removeUsers(key: DirectorySnapshotKey, ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const chunk of chunks([...new Set(ids)])) {
      await this.#db
        .deleteFrom('directory_memberships')
        .where('tenant_id', '=', key.tenantId)
        .where('snapshot', '=', key.snapshot)
        .where('member_id', 'in', chunk)
        .execute();
      const result = await this.#db
        .deleteFrom('directory_users')
        .where('tenant_id', '=', key.tenantId)
        .where('snapshot', '=', key.snapshot)
        .where('id', 'in', chunk)
        .executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }

  async upsertGroups(
    key: DirectorySnapshotKey,
    groups: readonly DirectoryGroup[],
    round: string,
  ): Promise<SnapshotWriteCounts> {
    return this.#bulk.upsertGroups(this.#db, key, lastById(groups), round);
  }

  async removeGroups(key: DirectorySnapshotKey, ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const chunk of chunks([...new Set(ids)])) {
      await this.#db
        .deleteFrom('directory_memberships')
        .where('tenant_id', '=', key.tenantId)
        .where('snapshot', '=', key.snapshot)
        .where((eb) => eb.or([eb('group_id', 'in', chunk), eb('member_id', 'in', chunk)]))
        .execute();
      const result = await this.#db
        .deleteFrom('directory_groups')
        .where('tenant_id', '=', key.tenantId)
        .where('snapshot', '=', key.snapshot)
        .where('id', 'in', chunk)
        .executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }

  async addMemberships(
    key: DirectorySnapshotKey,
    memberships: readonly DirectoryMembership[],
    round: string,
  ): Promise<void> {
    const unique = [
      ...new Map(
        memberships.map((membership) => [`${membership.groupId}|${membership.memberId}`, membership]),
      ).values(),
    ];
    await this.#bulk.addMemberships(this.#db, key, unique, round);
  }

  async removeMemberships(
    key: DirectorySnapshotKey,
    memberships: readonly DirectoryMembership[],
  ): Promise<number> {
    let removed = 0;
    // Grouped by group so each statement is one `member_id in (…)` list.
    const byGroup = new Map<string, string[]>();
    for (const membership of memberships) {
      const members = byGroup.get(membership.groupId) ?? [];
      members.push(membership.memberId);
      byGroup.set(membership.groupId, members);
    }
    for (const [groupId, members] of byGroup) {
      for (const chunk of chunks(members)) {
        const result = await this.#db
          .deleteFrom('directory_memberships')
          .where('tenant_id', '=', key.tenantId)
          .where('snapshot', '=', key.snapshot)
          .where('group_id', '=', groupId)
          .where('member_id', 'in', chunk)
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
    }
    return removed;
  }

  async sweep(
    key: DirectorySnapshotKey,
    round: string,
  ): Promise<{ users: number; groups: number; memberships: number }> {
    const memberships = await this.#db
      .deleteFrom('directory_memberships')
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .where('seen_round', '<>', round)
      .executeTakeFirst();
    const users = await this.#db
      .deleteFrom('directory_users')
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .where('seen_round', '<>', round)
      .executeTakeFirst();
    const groups = await this.#db
      .deleteFrom('directory_groups')
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .where('seen_round', '<>', round)
      .executeTakeFirst();
    // A membership seen in this round may still point at a user or group the round did not see
    // (it vanished between pages): drop it, so the snapshot never refers to missing objects. One
    // uncorrelated `not in` per member type: both databases hash the ids once rather than
    // looking each membership's member up (profiled: 2.6 s of a 1.4 M-membership sweep before).
    let danglingCount = 0;
    for (const [memberType, table] of [
      ['user', 'directory_users'],
      ['group', 'directory_groups'],
    ] as const) {
      const dangling = await this.#db
        .deleteFrom('directory_memberships')
        .where('tenant_id', '=', key.tenantId)
        .where('snapshot', '=', key.snapshot)
        .where('member_type', '=', memberType)
        .where((eb) =>
          eb.not(
            eb(
              'member_id',
              'in',
              eb
                .selectFrom(table)
                .select(`${table}.id`)
                .where(`${table}.tenant_id`, '=', key.tenantId)
                .where(`${table}.snapshot`, '=', key.snapshot),
            ),
          ),
        )
        .executeTakeFirst();
      danglingCount += Number(dangling.numDeletedRows);
    }
    return {
      users: Number(users.numDeletedRows),
      groups: Number(groups.numDeletedRows),
      memberships: Number(memberships.numDeletedRows) + danglingCount,
    };
  }

  async listUsers(
    key: DirectorySnapshotKey,
    options: { after?: string; limit?: number } = {},
  ): Promise<DirectoryUser[]> {
    let query = this.#db
      .selectFrom('directory_users')
      .selectAll()
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .orderBy('id', 'asc')
      .limit(options.limit ?? DEFAULT_LIST_LIMIT);
    if (options.after !== undefined) query = query.where('id', '>', options.after);
    return (await query.execute()).map(userFromRow);
  }

  async listGroups(
    key: DirectorySnapshotKey,
    options: { after?: string; limit?: number } = {},
  ): Promise<DirectoryGroup[]> {
    let query = this.#db
      .selectFrom('directory_groups')
      .selectAll()
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .orderBy('id', 'asc')
      .limit(options.limit ?? DEFAULT_LIST_LIMIT);
    if (options.after !== undefined) query = query.where('id', '>', options.after);
    return (await query.execute()).map(groupFromRow);
  }

  async listMemberships(
    key: DirectorySnapshotKey,
    options: { after?: { groupId: string; memberId: string }; limit?: number } = {},
  ): Promise<DirectoryMembership[]> {
    let query = this.#db
      .selectFrom('directory_memberships')
      .select(['group_id', 'member_id', 'member_type'])
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .orderBy('group_id', 'asc')
      .orderBy('member_id', 'asc')
      .limit(options.limit ?? DEFAULT_LIST_LIMIT);
    const after = options.after;
    if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb('group_id', '>', after.groupId),
          eb.and([eb('group_id', '=', after.groupId), eb('member_id', '>', after.memberId)]),
        ]),
      );
    }
    return (await query.execute()).map((row) => ({
      groupId: row.group_id,
      memberId: row.member_id,
      memberType: row.member_type === 'group' ? 'group' : 'user',
    }));
  }

  async counts(key: DirectorySnapshotKey): Promise<{ users: number; groups: number; memberships: number }> {
    const count = async (table: 'directory_users' | 'directory_groups' | 'directory_memberships') => {
      const row = await this.#db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('count'))
        .where('tenant_id', '=', key.tenantId)
        .where('snapshot', '=', key.snapshot)
        .executeTakeFirstOrThrow();
      // PostgreSQL returns count(*) as a bigint string.
      return Number(row.count);
    };
    return {
      users: await count('directory_users'),
      groups: await count('directory_groups'),
      memberships: await count('directory_memberships'),
    };
  }

  async deltaLink(key: DirectorySnapshotKey, collection: 'users' | 'groups'): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('directory_delta_links')
      .select('link')
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .where('collection', '=', collection)
      .executeTakeFirst();
    return row?.link;
  }

  async setDeltaLink(
    key: DirectorySnapshotKey,
    collection: 'users' | 'groups',
    link: string | null,
    at: string,
  ): Promise<void> {
    if (link === null) {
      await this.#db
        .deleteFrom('directory_delta_links')
        .where('tenant_id', '=', key.tenantId)
        .where('snapshot', '=', key.snapshot)
        .where('collection', '=', collection)
        .execute();
      return;
    }
    await this.#db
      .insertInto('directory_delta_links')
      .values({ tenant_id: key.tenantId, snapshot: key.snapshot, collection, link, updated_at: at })
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'snapshot', 'collection']).doUpdateSet({ link, updated_at: at }),
      )
      .execute();
  }

  async rounds(key: DirectorySnapshotKey): Promise<DirectorySnapshotRounds> {
    const row = await this.#db
      .selectFrom('directory_snapshots')
      .select(['last_full_round_started_at', 'last_round_started_at'])
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .executeTakeFirst();
    return {
      lastFullRoundStartedAt: row?.last_full_round_started_at ?? null,
      lastRoundStartedAt: row?.last_round_started_at ?? null,
    };
  }

  async recordRound(
    key: DirectorySnapshotKey,
    round: { readonly full: boolean; readonly startedAt: string },
  ): Promise<void> {
    const full = round.full ? round.startedAt : null;
    await this.#db
      .insertInto('directory_snapshots')
      .values({
        tenant_id: key.tenantId,
        snapshot: key.snapshot,
        last_full_round_started_at: full,
        last_round_started_at: round.startedAt,
      })
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'snapshot']).doUpdateSet((eb) => ({
          last_round_started_at: eb.ref('excluded.last_round_started_at'),
          ...(round.full
            ? { last_full_round_started_at: eb.ref('excluded.last_full_round_started_at') }
            : {}),
        })),
      )
      .execute();
  }

  async countHoldings(key: DirectorySnapshotKey): Promise<{ mailboxes: number; oneDriveAccounts: number }> {
    // One pass over the snapshot's rows (its primary key prefix), both counts at once.
    const row = await this.#db
      .selectFrom('directory_users')
      .select((eb) => [
        eb.fn
          .sum<number | string | null>(eb.case().when('has_mailbox', '=', 1).then(1).else(0).end())
          .as('mailboxes'),
        eb.fn
          .sum<number | string | null>(eb.case().when('has_onedrive', '=', 1).then(1).else(0).end())
          .as('one_drive_accounts'),
      ])
      .where('tenant_id', '=', key.tenantId)
      .where('snapshot', '=', key.snapshot)
      .executeTakeFirst();
    return {
      mailboxes: Number(row?.mailboxes ?? 0),
      oneDriveAccounts: Number(row?.one_drive_accounts ?? 0),
    };
  }
}

function userFromRow(row: DirectoryUserTable): DirectoryUser {
  return {
    id: row.id,
    userPrincipalName: row.user_principal_name,
    displayName: row.display_name,
    mail: row.mail,
    accountEnabled: Number(row.account_enabled) === 1,
    userType: row.user_type === 'Guest' ? 'Guest' : 'Member',
  };
}

function groupFromRow(row: DirectoryGroupTable): DirectoryGroup {
  return { id: row.id, displayName: row.display_name, mail: row.mail, kind: row.kind as GroupKind };
}
