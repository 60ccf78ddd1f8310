export {
  createAppTokenSource,
  type AppToken,
  type AppTokenSource,
  type AppTokenSourceOptions,
  type TokenResource,
} from './entra/app-token-source.js';
export { EntraError } from './entra/entra-error.js';
export { createGraphDirectory, type GraphDirectoryOptions } from './graph/graph-directory.js';
export { GraphError } from './graph/graph-error.js';
