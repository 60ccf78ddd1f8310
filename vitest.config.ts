import { defineConfig } from 'vitest/config';

// Workspace packages are resolved to their TypeScript sources (the `source` export condition),
// so tests never depend on a previous build.
const conditions = ['source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  // Vitest hands these to Node as `--conditions` for external packages too; listing `import`
  // there would make Node's `require` pick ESM builds (pg requiring pg-pool breaks), so only
  // `source` is added and Node chooses import/require itself.
  ssr: { resolve: { conditions: ['source', 'node', 'default'], externalConditions: ['source'] } },
  test: {
    include: [
      '*/src/**/*.test.ts',
      '*/test/**/*.test.ts',
      'scripts/**/*.test.ts',
      // The tab: component tests (jsdom, per file) and end-to-end tests in a real browser.
      'tab/src/**/*.test.tsx',
      'tab/e2e/**/*.test.ts',
      // The tab server (proxy, headers) against a real API and emulator.
      'tab/server/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Creates the Microsoft 365 emulator's CA and sets NODE_EXTRA_CA_CERTS before workers fork.
    globalSetup: ['./m365-emulator/test/global-setup.ts'],
  },
});
