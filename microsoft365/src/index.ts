export {
  createAppTokenSource,
  type AppToken,
  type AppTokenSource,
  type AppTokenSourceOptions,
  type TokenResource,
} from './entra/app-token-source.js';
export { EntraError } from './entra/entra-error.js';
export { createGraphDirectory, type GraphDirectoryOptions } from './graph/graph-directory.js';
export {
  createDirectoryRoleChecker,
  GLOBAL_ADMINISTRATOR_ROLE_DEFINITION_ID,
  type DirectoryRoleChecker,
  type DirectoryRoleCheckerOptions,
} from './graph/directory-roles.js';
export { GraphError } from './graph/graph-error.js';
export {
  createGraphSyncClient,
  isDeltaExpired,
  type GraphBatchResponse,
  type GraphSyncClient,
  type GraphSyncClientOptions,
  type GraphSyncMeter,
  type GraphSyncSession,
} from './graph/graph-sync-client.js';
