/** Public surface of the Microsoft Graph area. */
export {
  createGraphHandler,
  GRAPH_APP_ID,
  GRAPH_JSON_CONTENT_TYPE,
  type GraphHandlerOptions,
} from './graph-handler.js';
export { describeGraphRoute } from './graph-routes.js';
export type { DeltaOptions } from './delta-query.js';
export { MAX_BATCH_REQUESTS } from './json-batch.js';
