import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The web app: plain TypeScript and CSS in src/web, built into web-dist/ which `vodkit serve` serves at /. */
export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./web-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // hls.js is most of the bundle; one file keeps the page a single round trip.
    chunkSizeWarningLimit: 1000,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/media': 'http://127.0.0.1:8080',
      '/s3': 'http://127.0.0.1:8080',
    },
  },
});
