export { loadApiConfig, ConfigError, type ApiConfig } from './config.js';
export { createUserTokenValidator, type Principal, type TokenCheck } from './auth/user-token.js';
export {
  BOT_CREDENTIAL_AUDIENCE,
  BOT_CREDENTIAL_ISSUER,
  createAdministratorRoles,
  createBotCredentialValidator,
  createRequestAuthenticator,
  type AdminRoleChecker,
  type AdministratorRoles,
} from './auth/bot-credential.js';
export { createApiServer, type ApiServerOptions } from './http/server.js';
export { healthRoutes } from './health/health-routes.js';
export { buildRoutes, startApi, type ApiOverrides, type RunningApi } from './main.js';
