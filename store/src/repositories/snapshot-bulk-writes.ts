/**
 * The write path of a directory snapshot page, near each database's own speed (issue 16): a page of
 * up to 999 users or thousands of memberships is written in a few statements, not one built query
 * per thousand rows. SQLite: cached prepared multi-row statements on the raw handle (the caller's
 * transaction, the same connection). PostgreSQL: one `INSERT … SELECT FROM unnest(arrays) ON
 * CONFLICT` per table and page, whose text never changes, and which counts added and changed rows
 * against the state before it in the same statement; the page's commit does not wait for the WAL
 * flush. A membership already marked in this round,
 * and unchanged, is not written again.
 */
import { sql, type Kysely } from 'kysely';
import { inTransaction } from './transaction-scope.js';
import type { Database } from '../schema.js';
import type {
  DirectoryGroup,
  DirectoryMembership,
  DirectorySnapshotKey,
  DirectoryUser,
  SnapshotWriteCounts,
} from '@cas/core';
import type SqliteDatabase from 'better-sqlite3';

/** Writes the rows of one page; `db` is the caller's transaction (or the root). */
export interface SnapshotBulkWriter {
  upsertUsers(
    db: Kysely<Database>,
    key: DirectorySnapshotKey,
    users: readonly DirectoryUser[],
    round: string,
  ): Promise<SnapshotWriteCounts>;
  upsertGroups(
    db: Kysely<Database>,
    key: DirectorySnapshotKey,
    groups: readonly DirectoryGroup[],
    round: string,
  ): Promise<SnapshotWriteCounts>;
  addMemberships(
    db: Kysely<Database>,
    key: DirectorySnapshotKey,
    memberships: readonly DirectoryMembership[],
    round: string,
  ): Promise<void>;
}

/** Rows per SQLite multi-row statement: 64 × 11 parameters, far below SQLite's limit. */
const SQLITE_ROWS = 64;

const USER_COLUMNS =
  'tenant_id, snapshot, id, user_principal_name, display_name, mail, account_enabled, user_type, seen_round, has_mailbox, has_onedrive';
// A page that did not carry a user's licence plans (null) keeps what was stored (migration 0014).
const USER_UPSERT = `on conflict (tenant_id, snapshot, id) do update set
  user_principal_name = excluded.user_principal_name, display_name = excluded.display_name,
  mail = excluded.mail, account_enabled = excluded.account_enabled, user_type = excluded.user_type,
  seen_round = excluded.seen_round,
  has_mailbox = coalesce(excluded.has_mailbox, directory_users.has_mailbox),
  has_onedrive = coalesce(excluded.has_onedrive, directory_users.has_onedrive)`;

/** A user's licence flags as stored: 1, 0, or null when the page did not say. */
const flag = (value: boolean | undefined): number | null => (value === undefined ? null : value ? 1 : 0);
const GROUP_COLUMNS = 'tenant_id, snapshot, id, display_name, mail, kind, seen_round';
const GROUP_UPSERT = `on conflict (tenant_id, snapshot, id) do update set
  display_name = excluded.display_name, mail = excluded.mail, kind = excluded.kind,
  seen_round = excluded.seen_round`;
const MEMBERSHIP_COLUMNS = 'tenant_id, snapshot, group_id, member_id, member_type, seen_round';

/** SQLite: prepared statements on the raw handle, cached per shape. */
export function sqliteBulkWriter(raw: SqliteDatabase.Database): SnapshotBulkWriter {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const prepared = (name: string, text: () => string) => {
    let statement = statements.get(name);
    if (statement === undefined) {
      statement = raw.prepare(text());
      statements.set(name, statement);
    }
    return statement;
  };
  const placeholders = (columns: number, rows: number) =>
    Array.from({ length: rows }, () => `(${Array.from({ length: columns }, () => '?').join(', ')})`).join(
      ', ',
    );
  /** Inserts `rows` (flat parameter lists) in statements of SQLITE_ROWS rows, then one per row. */
  const insertAll = (table: string, columns: string, count: number, tail: string, rows: unknown[][]) => {
    let index = 0;
    if (rows.length >= SQLITE_ROWS) {
      const many = prepared(
        `${table}:${SQLITE_ROWS}`,
        () => `insert into ${table} (${columns}) values ${placeholders(count, SQLITE_ROWS)} ${tail}`,
      );
      for (; index + SQLITE_ROWS <= rows.length; index += SQLITE_ROWS)
        many.run(rows.slice(index, index + SQLITE_ROWS).flat());
    }
    if (index < rows.length) {
      const one = prepared(
        `${table}:1`,
        () => `insert into ${table} (${columns}) values ${placeholders(count, 1)} ${tail}`,
      );
      for (; index < rows.length; index += 1) one.run(rows[index]);
    }
  };
  // Every write goes through a Kysely transaction (the caller's, or one opened here), so it holds
  // the single connection and can never slip into another caller's transaction.
  const locked = <T>(db: Kysely<Database>, work: () => T): Promise<T> =>
    inTransaction(db, () => Promise.resolve().then(work));

  return {
    upsertUsers(db, key, users, round) {
      return locked(db, () => {
        const existing = prepared(
          'users:existing',
          () =>
            'select user_principal_name, display_name, mail, account_enabled, user_type, has_mailbox, has_onedrive from directory_users where tenant_id = ? and snapshot = ? and id = ?',
        );
        let added = 0;
        let updated = 0;
        const rows: unknown[][] = [];
        for (const user of users) {
          const before = existing.get(key.tenantId, key.snapshot, user.id) as
            | {
                user_principal_name: string;
                display_name: string;
                mail: string | null;
                account_enabled: number;
                user_type: string;
                has_mailbox: number | null;
                has_onedrive: number | null;
              }
            | undefined;
          const enabled = user.accountEnabled ? 1 : 0;
          const mailbox = flag(user.holdings?.mailbox);
          const oneDrive = flag(user.holdings?.oneDrive);
          if (before === undefined) added += 1;
          else if (
            before.user_principal_name !== user.userPrincipalName ||
            before.display_name !== user.displayName ||
            before.mail !== user.mail ||
            Number(before.account_enabled) !== enabled ||
            before.user_type !== user.userType ||
            (mailbox !== null && before.has_mailbox !== mailbox) ||
            (oneDrive !== null && before.has_onedrive !== oneDrive)
          )
            updated += 1;
          rows.push([
            key.tenantId,
            key.snapshot,
            user.id,
            user.userPrincipalName,
            user.displayName,
            user.mail,
            enabled,
            user.userType,
            round,
            mailbox,
            oneDrive,
          ]);
        }
        insertAll('directory_users', USER_COLUMNS, 11, USER_UPSERT, rows);
        return { added, updated };
      });
    },

    upsertGroups(db, key, groups, round) {
      return locked(db, () => {
        const existing = prepared(
          'groups:existing',
          () =>
            'select display_name, mail, kind from directory_groups where tenant_id = ? and snapshot = ? and id = ?',
        );
        let added = 0;
        let updated = 0;
        const rows: unknown[][] = [];
        for (const group of groups) {
          const before = existing.get(key.tenantId, key.snapshot, group.id) as
            { display_name: string; mail: string | null; kind: string } | undefined;
          if (before === undefined) added += 1;
          else if (
            before.display_name !== group.displayName ||
            before.mail !== group.mail ||
            before.kind !== group.kind
          )
            updated += 1;
          rows.push([key.tenantId, key.snapshot, group.id, group.displayName, group.mail, group.kind, round]);
        }
        insertAll('directory_groups', GROUP_COLUMNS, 7, GROUP_UPSERT, rows);
        return { added, updated };
      });
    },

    addMemberships(db, key, memberships, round) {
      return locked(db, () => {
        const rows = memberships.map((membership) => [
          key.tenantId,
          key.snapshot,
          membership.groupId,
          membership.memberId,
          membership.memberType,
          round,
        ]);
        insertAll(
          'directory_memberships',
          MEMBERSHIP_COLUMNS,
          6,
          // Only a changed (or not yet marked) membership is written.
          `on conflict (tenant_id, snapshot, group_id, member_id) do update set
            member_type = excluded.member_type, seen_round = excluded.seen_round
            where directory_memberships.seen_round <> excluded.seen_round
               or directory_memberships.member_type <> excluded.member_type`,
          rows,
        );
      });
    },
  };
}

/**
 * A page's transaction need not wait for its WAL flush: if the database server crashed right after,
 * the page and its checkpoint are lost together and the run reads the page again; nothing else
 * commits in that transaction. Only inside a transaction (`set local` ends with it).
 */
async function asynchronousCommit(db: Kysely<Database>): Promise<void> {
  if (db.isTransaction) await sql`set local synchronous_commit = off`.execute(db);
}

/** PostgreSQL: one statement per table and page over parameter arrays. */
export function postgresBulkWriter(): SnapshotBulkWriter {
  return {
    async upsertUsers(db, key, users, round) {
      if (users.length === 0) return { added: 0, updated: 0 };
      await asynchronousCommit(db);
      const column = <T>(pick: (user: DirectoryUser) => T) => users.map(pick);
      // Every CTE sees the table as it was before the statement: `before` is the old state.
      const result = await sql<{ added: string; updated: string }>`
        with input as (
          select * from unnest(
            ${column((user) => user.id)}::text[], ${column((user) => user.userPrincipalName)}::text[],
            ${column((user) => user.displayName)}::text[], ${column((user) => user.mail)}::text[],
            ${column((user) => (user.accountEnabled ? 1 : 0))}::int[], ${column((user) => user.userType)}::text[],
            ${column((user) => flag(user.holdings?.mailbox))}::int[],
            ${column((user) => flag(user.holdings?.oneDrive))}::int[]
          ) as i(id, user_principal_name, display_name, mail, account_enabled, user_type, has_mailbox, has_onedrive)
        ),
        before as (
          select u.* from directory_users u
          where u.tenant_id = ${key.tenantId} and u.snapshot = ${key.snapshot}
            and u.id = any(${column((user) => user.id)}::text[])
        ),
        written as (
          insert into directory_users (${sql.raw(USER_COLUMNS)})
          select ${key.tenantId}, ${key.snapshot}, id, user_principal_name, display_name, mail,
            account_enabled, user_type, ${round}, has_mailbox, has_onedrive from input
          ${sql.raw(USER_UPSERT)}
        )
        select
          count(*) filter (where b.id is null) as added,
          count(*) filter (where b.id is not null and ((b.user_principal_name, b.display_name, b.mail,
            b.account_enabled, b.user_type) is distinct from (i.user_principal_name, i.display_name,
            i.mail, i.account_enabled, i.user_type)
            or (i.has_mailbox is not null and b.has_mailbox is distinct from i.has_mailbox)
            or (i.has_onedrive is not null and b.has_onedrive is distinct from i.has_onedrive))) as updated
        from input i left join before b on b.id = i.id
      `.execute(db);
      const row = result.rows[0];
      return { added: Number(row?.added ?? 0), updated: Number(row?.updated ?? 0) };
    },

    async upsertGroups(db, key, groups, round) {
      if (groups.length === 0) return { added: 0, updated: 0 };
      await asynchronousCommit(db);
      const column = <T>(pick: (group: DirectoryGroup) => T) => groups.map(pick);
      const result = await sql<{ added: string; updated: string }>`
        with input as (
          select * from unnest(
            ${column((group) => group.id)}::text[], ${column((group) => group.displayName)}::text[],
            ${column((group) => group.mail)}::text[], ${column((group) => group.kind)}::text[]
          ) as i(id, display_name, mail, kind)
        ),
        before as (
          select g.* from directory_groups g
          where g.tenant_id = ${key.tenantId} and g.snapshot = ${key.snapshot}
            and g.id = any(${column((group) => group.id)}::text[])
        ),
        written as (
          insert into directory_groups (${sql.raw(GROUP_COLUMNS)})
          select ${key.tenantId}, ${key.snapshot}, id, display_name, mail, kind, ${round} from input
          ${sql.raw(GROUP_UPSERT)}
        )
        select
          count(*) filter (where b.id is null) as added,
          count(*) filter (where b.id is not null and (b.display_name, b.mail, b.kind)
            is distinct from (i.display_name, i.mail, i.kind)) as updated
        from input i left join before b on b.id = i.id
      `.execute(db);
      const row = result.rows[0];
      return { added: Number(row?.added ?? 0), updated: Number(row?.updated ?? 0) };
    },

    async addMemberships(db, key, memberships, round) {
      if (memberships.length === 0) return;
      await asynchronousCommit(db);
      await sql`
        insert into directory_memberships (${sql.raw(MEMBERSHIP_COLUMNS)})
        select ${key.tenantId}, ${key.snapshot}, group_id, member_id, member_type, ${round}
        from unnest(
          ${memberships.map((each) => each.groupId)}::text[],
          ${memberships.map((each) => each.memberId)}::text[],
          ${memberships.map((each) => each.memberType)}::text[]
        ) as i(group_id, member_id, member_type)
        on conflict (tenant_id, snapshot, group_id, member_id) do update set
          member_type = excluded.member_type, seen_round = excluded.seen_round
          where directory_memberships.seen_round <> excluded.seen_round
             or directory_memberships.member_type <> excluded.member_type
      `.execute(db);
    },
  };
}
