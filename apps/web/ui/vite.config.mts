import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
// The UI reuses Plaza's pure libraries (contracts, tally, ledger, bundle…) from their sources.
const libs = readdirSync(here('../../../libs'));

export default defineConfig({
  root: here('.'),
  base: '/',
  resolve: {
    alias: [
      ...libs.map((name) => ({ find: new RegExp(`^@plaza/${name}$`), replacement: here(`../../../libs/${name}/src/index.ts`) })),
      // What the pure libs import from Node when the browser verifier (src/verify) loads them: synchronous SHA-256
      // for the recount, and pabulib's file helpers the browser never calls (see src/shims).
      { find: /^(node:)?crypto$/, replacement: here('src/shims/node-crypto.ts') },
      { find: /^(node:)?fs$/, replacement: here('src/shims/node-fs.ts') },
    ],
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: here('../../../dist/web'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // react-router's "use client" directive means nothing in a plain SPA bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  worker: { format: 'es' },
  server: {
    // `npx vite --config apps/web/ui/vite.config.mts` for UI work with hot reload against `npm start`'s services.
    port: 5173,
    proxy: {
      '/api/proposals': { target: 'http://127.0.0.1:3001', rewrite: (p) => p.replace(/^\/api\/proposals/, '') },
      '/api/voting': { target: 'http://127.0.0.1:3002', rewrite: (p) => p.replace(/^\/api\/voting/, '') },
      '/api/audit': { target: 'http://127.0.0.1:3003', rewrite: (p) => p.replace(/^\/api\/audit/, '') },
    },
  },
});
