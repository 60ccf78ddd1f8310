export {
  ANY_GRAPH_APP,
  createAppTokenSource,
  DEFAULT_ENTRA_TIMEOUT_MS,
  type AppCredential,
  type AppToken,
  type AppTokenSource,
  type AppTokenSourceOptions,
  type CredentialExpiry,
  type TokenRequestApp,
} from './entra/app-token-source.js';
export {
  CONSENT_APP_ENV_PREFIXES,
  consentAppEnvironment,
  consentAppSecretVariables,
  consentAppVariables,
  everyConsentApp,
  readConsentAppCredentials,
  type ConsentAppCredentials,
} from './entra/app-credentials.js';
export { EntraError } from './entra/entra-error.js';
export { ENTRA_TIMEOUT_CODE } from './entra/entra-network-client.js';
export { createGraphDirectory, type GraphDirectoryOptions } from './graph/graph-directory.js';
export {
  createGraphTargets,
  createSessionSiteReader,
  type GraphTargetsOptions,
} from './graph/graph-targets.js';
export {
  createDirectoryRoleChecker,
  GLOBAL_ADMINISTRATOR_ROLE_DEFINITION_ID,
  type DirectoryRoleChecker,
  type DirectoryRoleCheckerOptions,
} from './graph/directory-roles.js';
export { DEFAULT_GRAPH_TIMEOUT_MS } from './graph/graph-client.js';
export { GRAPH_TIMEOUT_CODE, GraphError } from './graph/graph-error.js';
export {
  createGraphSyncClient,
  isDeltaExpired,
  type GraphBatchResponse,
  type GraphSyncClient,
  type GraphSyncClientOptions,
  type GraphSyncMeter,
  type GraphSyncSession,
} from './graph/graph-sync-client.js';
export {
  createGraphSubscriptions,
  type GraphSubscription,
  type GraphSubscriptions,
  type SubscriptionRequest,
} from './graph/graph-subscriptions.js';
export { createEwsProbe, type EwsProbeOptions, type EwsProbeResult } from './exchange/ews-probe.js';
