export * from './schemas.js';
export * from './route-contract.js';
export * from './openapi.js';
export * from './client.js';
export * from './fetch-transport.js';
export * as routes from './routes.js';
export { ROUTES } from './routes.js';
export * from './answer-check.js';
