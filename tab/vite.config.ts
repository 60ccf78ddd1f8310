/** Vite build of the tab: React, workspace sources through the `source` condition, screens split into chunks. */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // @cas/core is consumed from its TypeScript sources, as everywhere else in the repository.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: { port: 53000, strictPort: true },
});
