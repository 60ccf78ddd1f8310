/**
 * Which token permissions open which Graph operations. Application permissions come from the
 * `roles` claim, delegated ones from `scp`; either list may satisfy a requirement.
 */
import type { GraphCaller } from '../contracts.js';

/** An operation class with the permissions that allow it (least privileged first). */
export type GraphOperation =
  | 'readUsers'
  | 'readGroups'
  | 'readMembers'
  | 'readOrganization'
  | 'readMe'
  | 'readMailboxSettings'
  | 'sendMail'
  | 'readRoleAssignments'
  | 'readSites'
  | 'readAllSites'
  | 'readDrives'
  | 'readMail';

const ALLOWED: Readonly<Record<GraphOperation, readonly string[]>> = {
  readUsers: [
    'User.ReadBasic.All',
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  readGroups: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'GroupMember.ReadWrite.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  readMembers: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'GroupMember.ReadWrite.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  readOrganization: [
    'Organization.Read.All',
    'Organization.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  readMe: [
    'User.Read',
    'User.ReadWrite',
    'User.ReadBasic.All',
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
  ],
  readMailboxSettings: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  sendMail: ['Mail.Send'],
  // Sites (SharePoint-backed): Sites.Read.All is the least privileged for reading site collections.
  readSites: ['Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'],
  // `getAllSites` lists every site of the organization: application permissions only (checked in the route).
  readAllSites: ['Sites.Read.All', 'Sites.ReadWrite.All'],
  // A user's drive: Files.Read.All is the least privileged; the Sites permissions open it too.
  readDrives: ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'],
  // Mail folders: the product holds Mail.ReadWrite for scanning and quarantine; the read ones suffice to look.
  readMail: ['Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
  // `GET /roleManagement/directory/roleAssignments`: the same list for application and delegated tokens.
  readRoleAssignments: [
    'RoleManagement.Read.Directory',
    'RoleManagement.Read.All',
    'Directory.Read.All',
    'RoleManagement.ReadWrite.Directory',
    'Directory.ReadWrite.All',
  ],
};

// Delegated calls to /organization also work with the basic sign-in scope.
const DELEGATED_EXTRA: Partial<Record<GraphOperation, readonly string[]>> = {
  readOrganization: ['User.Read'],
};

/** True when the caller's token carries a permission that allows the operation. */
export function isAllowed(caller: GraphCaller, operation: GraphOperation): boolean {
  const allowed = ALLOWED[operation];
  const lower = (values: readonly string[]): Set<string> =>
    new Set(values.map((value) => value.toLowerCase()));
  const roles = lower(caller.roles);
  const scopes = lower(caller.scopes);
  const delegatedExtra = DELEGATED_EXTRA[operation] ?? [];
  return (
    allowed.some(
      (permission) => roles.has(permission.toLowerCase()) || scopes.has(permission.toLowerCase()),
    ) || delegatedExtra.some((permission) => scopes.has(permission.toLowerCase()))
  );
}

/** True for a token issued to a signed-in user (delegated flow). */
export function isDelegated(caller: GraphCaller): boolean {
  return caller.userId !== undefined;
}
