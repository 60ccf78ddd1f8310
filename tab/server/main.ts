/** `node --import tsx tab/server/main.ts`: serves the tab build on https://localhost:53000. */
import { loadTabServerOptions, TabConfigError } from './tab-server-config.js';
import { startTabServer } from './tab-server.js';

try {
  const server = await startTabServer(loadTabServerOptions());
  console.log(`Cloud App Security tab: ${server.origin} (API proxied at ${server.origin}/api)`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof TabConfigError ? error.message : error);
  process.exit(1);
}
