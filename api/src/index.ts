export { loadApiConfig, ConfigError, type ApiConfig } from './config.js';
export { createUserTokenValidator, type Principal, type TokenCheck } from './auth/user-token.js';
export { createApiServer, type ApiServerOptions } from './http/server.js';
export { healthRoutes } from './health/health-routes.js';
