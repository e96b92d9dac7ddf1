// Vite config of the playground: the @spam/* imports resolve to the packages' TypeScript sources
// (as vitest.config.ts does, from scripts/lib/workspace.mjs), so no package build is needed; relative
// asset paths (base './') so the built folder works from any static host and sub-path; COOP/COEP on
// the dev and preview servers so the page is cross-origin isolated (SharedArrayBuffer: wasm threads).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { publishedPackages, sourceEntries } from '../../scripts/lib/workspace.mjs';

/** The headers a static host must send for wasm threads (see README.md). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const alias = publishedPackages().flatMap((p) =>
  sourceEntries(p).map(([specifier, file]) => ({ find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`), replacement: file })),
);

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias },
  // tfjs-backend-wasm starts its pthreads from `wasmFactoryThreadedSimd.toString()`: the factory's free
  // identifiers must keep their names, so the worker bundle is not minified (mangled or compressed, the
  // threads die with 'ReferenceError: e / _scriptDir is not defined'). The page's own bundle is minified.
  worker: { format: 'es', rolldownOptions: { output: { minify: false } } },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096, reportCompressedSize: false },
  server: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  preview: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
});
