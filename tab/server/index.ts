/** The tab server's public surface (for `npm start` and the end-to-end tests). */
export {
  startTabServer,
  type RunningTabServer,
  type TabRuntimeConfig,
  type TabServerOptions,
} from './tab-server.js';
export { loadTabServerOptions, TabConfigError } from './tab-server-config.js';
