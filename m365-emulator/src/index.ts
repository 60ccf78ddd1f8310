/** Public surface of the Microsoft 365 emulator. */
export * from './contracts.js';
export {
  ACCESS_AS_USER_SCOPE,
  CLOUD_APP_SECURITY_API_CLIENT_ID,
  CLOUD_APP_SECURITY_API_ID_URI,
  CLOUD_APP_SECURITY_CLIENT_ID,
  CLOUD_APP_SECURITY_CLIENT_SECRET,
  CLOUD_APP_SECURITY_CLIENT_SECRET_ID,
  CONSENT_APP_KEYS,
  DEFAULT_CONSENT_REDIRECT_URIS,
  DEVELOPMENT_CONSENT_APPS,
  DEFAULT_TAB_REDIRECT_URIS,
  PUBLISHER_TENANT_ID,
  TEAMS_DESKTOP_CLIENT_ID,
  TEAMS_WEB_CLIENT_ID,
  type ConsentAppKey,
  type DevelopmentConsentApp,
} from './entra/app-registrations.js';
export {
  aadsts,
  entraTimestamp,
  type AadstsCode,
  type AadstsError,
  type TokenErrorBody,
} from './entra/aadsts-errors.js';
export { GRAPH_TOKEN_MESSAGES } from './entra/graph-token-verifier.js';
export {
  EXCHANGE_ONLINE_APP_ID,
  EXCHANGE_ONLINE_RESOURCE,
  MICROSOFT_GRAPH_APP_ID,
  MICROSOFT_GRAPH_RESOURCE,
} from './entra/well-known-resources.js';
export type { FaultRule, FaultRuleInput } from './faults/fault-injector.js';
export { STATE_FILE_NAME, type RestoredStateSummary } from './persistence/index.js';
export type { StatsSnapshot } from './stats/request-stats.js';
export { ensureTlsMaterial, type TlsMaterial } from './tls/certificate-authority.js';
export { createClientCertificate, type ClientCertificate } from './tls/client-certificate.js';
export { DEFAULT_DATA_DIR, startEmulator, type EmulatorOptions, type RunningEmulator } from './server.js';
export {
  CONTOSO_ADMIN_PASSWORD,
  CONTOSO_ADMIN_UPN,
  CONTOSO_APOSTROPHE_UPN,
  CONTOSO_TENANT_ID,
  CONTOSO_USER_PASSWORD,
  CONTOSO_USER_UPN,
  FABRIKAM_ADMIN_PASSWORD,
  FABRIKAM_ADMIN_UPN,
  FABRIKAM_TENANT_ID,
  FABRIKAM_USER_PASSWORD,
  FABRIKAM_USER_UPN,
  developmentSignIns,
} from './directory/index.js';
export {
  MAX_DIRECTORY_SUBSCRIPTION_MINUTES,
  SUBSCRIPTIONS_PER_APP_AND_TENANT,
  type ChangeNotificationTimings,
  type DeliveryFaultInput,
} from './subscriptions/change-notifications.js';
