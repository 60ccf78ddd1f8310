/** Public surface of the directory area (tenants, generator, development tenants). */
export { ChangeLog, type DirectoryChange, type DirectoryChangeKind } from './change-log.js';
export * from './development-tenants.js';
export {
  createDirectoryRegistry,
  type DirectoryRegistryOptions,
  type InMemoryDirectoryRegistry,
} from './directory-registry.js';
export {
  EXCHANGE_ADMINISTRATOR_ROLE_ID,
  SECURITY_READER_ROLE_ID,
  USER_ADMINISTRATOR_ROLE_ID,
} from './name-lists.js';
export {
  DirectoryError,
  InMemoryTenantDirectory,
  type DirectoryErrorCode,
  type DirectorySnapshot,
  groupRef,
  type GroupRecord,
  type MemberRef,
  type SavedDirectoryObjects,
  type SavedGroup,
} from './tenant-directory.js';
export {
  developmentPasswordsFor,
  generateTenantSnapshot,
  resolveTenant,
  toUpnLocalPart,
  type TenantPasswords,
} from './tenant-generator.js';
