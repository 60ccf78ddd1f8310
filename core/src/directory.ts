/**
 * The directory port: what the product reads from a tenant's Microsoft Entra directory (through
 * Microsoft Graph in production, the emulator locally). The API's target picker and the sync
 * engine use it; one adapter implements it.
 */
import type { UserServiceHoldings } from './service-targets.js';

/** A directory user with the properties the product keeps. */
export interface DirectoryUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mail: string | null;
  readonly accountEnabled: boolean;
  readonly userType: 'Member' | 'Guest';
  /**
   * What the user's licences give them (from `assignedPlans`), when the Graph read carried it: the
   * sync stores it so mailboxes and OneDrive accounts are counted without another request. Absent
   * when unknown (a delta entry reports at least the changed properties): the stored value stays.
   */
  readonly holdings?: UserServiceHoldings;
}

/** The kinds of group an admin can pick users from. */
export type GroupKind = 'microsoft365' | 'security' | 'mailEnabledSecurity' | 'distribution';

/** A directory group with the properties the product shows and keeps. */
export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
  readonly mail: string | null;
  readonly kind: GroupKind;
}

/** One page of a group's users (nested groups flattened). */
export interface GroupUsersPage {
  readonly users: readonly DirectoryUser[];
  /** True when the group has more users than were returned. */
  readonly more: boolean;
}

/** Reads a tenant's directory. Implementations throw their own error class on failure. */
export interface DirectoryReader {
  /** The user with exactly this UPN, or undefined when the tenant has none. */
  findUserByPrincipalName(tenantId: string, userPrincipalName: string): Promise<DirectoryUser | undefined>;
  /** Groups whose display name (or a word of it) starts with the query, as Graph `$search` matches. */
  searchGroups(tenantId: string, query: string, options: { limit: number }): Promise<DirectoryGroup[]>;
  /** Users of a group including members of nested groups. */
  listGroupUsers(tenantId: string, groupId: string, options: { limit: number }): Promise<GroupUsersPage>;
  /** Number of users in the tenant (for the scope preview of "all users and groups"). */
  countUsers(tenantId: string): Promise<number>;
  /**
   * The users with these object ids, one entry per id in order (undefined when the tenant has no
   * such user), read in Graph `$batch` requests of 20 (for verifying Selected Targets on Done).
   */
  findUsersByIds(tenantId: string, ids: readonly string[]): Promise<(DirectoryUser | undefined)[]>;
}

/** Classifies a Graph group by the flags Graph reports (Microsoft 365 groups carry `Unified`). */
export function groupKind(flags: {
  groupTypes?: readonly string[] | null;
  mailEnabled?: boolean | null;
  securityEnabled?: boolean | null;
}): GroupKind {
  if (flags.groupTypes?.includes('Unified')) return 'microsoft365';
  if (flags.securityEnabled) return flags.mailEnabled ? 'mailEnabledSecurity' : 'security';
  return 'distribution';
}
