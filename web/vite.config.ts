// Vite build of the dashboard: `npx vite build --config web/vite.config.ts` writes dist/web, which
// `flowwatch serve` serves; `npx vite --config web/vite.config.ts` runs it with /api proxied to a local serve.

import { defineConfig } from 'vite';

/** This folder, whatever directory Vite is started from. */
const root = decodeURIComponent(new URL('.', import.meta.url).pathname).replace(/^\/([A-Za-z]:)/, '$1');

export default defineConfig({
  root,
  base: './',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
});
