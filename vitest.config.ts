import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@spam/core': src('core'),
      '@spam/priors': src('priors'),
      '@spam/laplace': src('laplace'),
      '@spam/prune': src('prune'),
      '@spam/structured/node': fileURLToPath(new URL('./packages/structured/src/node.ts', import.meta.url)),
      '@spam/structured': src('structured'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    setupFiles: ['test/setup-backend.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
