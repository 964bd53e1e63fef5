import { defineConfig } from 'vite';

/** The web console: built into dist/ and served by the api app at / (apps/api/src/console.ts). */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // No public/ dir: the api app serves only index.html and assets/.
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Everything as files: the CSP allows no data: scripts or styles, and no inline ones.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
});
