import { defineConfig, type Plugin } from 'vite';
import { sizeBudget } from './scripts/size-budget.mjs';

/**
 * The Content-Security-Policy the playground is served with: WebAssembly compilation for sql.js
 * ('wasm-unsafe-eval') and nothing beyond the page's own origin.
 */
const DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];
export const CONTENT_SECURITY_POLICY = DIRECTIVES.join('; ');

/**
 * The same policy in the built page, so `dist/` keeps it however it is served. A <meta> policy
 * cannot say frame-ancestors (browsers ignore it there, with a console message), so that one
 * comes only from the server's header. Not in `vite` dev mode, whose client injects inline styles.
 */
const cspMeta: Plugin = {
  name: 'cutover-lab-csp-meta',
  apply: 'build',
  transformIndexHtml: () => [
    { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors')).join('; ') }, injectTo: 'head-prepend' },
  ],
};

export default defineConfig({
  // sizeBudget: the build fails when the page's initial JavaScript is over package.json's sizeBudget.
  plugins: [cspMeta, sizeBudget()],
  build: { target: 'es2022', sourcemap: true },
  worker: { format: 'es' },
  preview: {
    port: 4173,
    strictPort: true,
    headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY },
  },
});
