/**
 * Vite build of the tab: React, workspace sources through the `source` condition, screens split
 * into chunks, the consent start page (`/consent-start.html`, where Teams' authentication window
 * starts on our own domain) as a second page, and teams-js's browser bundle copied to
 * `/teams-js/MicrosoftTeams.min.js` for the API's consent callback page (inside Teams it answers
 * through teams-js loaded from our origin).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Where the consent callback page (api/src/consent/consent-page.ts) loads teams-js from. */
export const TEAMS_JS_FILE = 'teams-js/MicrosoftTeams.min.js';

/** Serves (dev) and emits (build) the installed teams-js UMD bundle, the same version the tab uses. */
function teamsJsBrowserBundle(): Plugin {
  const packageJson = createRequire(import.meta.url).resolve('@microsoft/teams-js/package.json');
  const source = join(dirname(packageJson), 'dist', 'umd', 'MicrosoftTeams.min.js');
  return {
    name: 'cas-teams-js-browser-bundle',
    configureServer(server) {
      server.middlewares.use(`/${TEAMS_JS_FILE}`, (_request, response) => {
        response.setHeader('Content-Type', 'text/javascript; charset=utf-8');
        response.end(readFileSync(source));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: TEAMS_JS_FILE, source: readFileSync(source) });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), teamsJsBrowserBundle()],
  // @cas/core is consumed from its TypeScript sources, as everywhere else in the repository.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      input: {
        index: join(import.meta.dirname, 'index.html'),
        'consent-start': join(import.meta.dirname, 'consent-start.html'),
      },
    },
  },
  server: { port: 53000, strictPort: true },
});
