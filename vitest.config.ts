import { defineConfig } from 'vitest/config';
import { publishedPackages, sourceEntries } from './scripts/lib/workspace.mjs';

/**
 * Every published `@spam/*` import specifier (`@spam/core`, `@spam/structured/node`, ...) aliased to
 * its TypeScript source, read from the `exports` of each package's package.json (see
 * scripts/lib/workspace.mjs); exact matches, so `@spam/structured` does not capture
 * `@spam/structured/node`. The private `@spam/harness` exports its sources already and resolves
 * through the workspace link.
 */
const alias = publishedPackages().flatMap((p) =>
  sourceEntries(p).map(([specifier, file]) => ({ find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`), replacement: file })),
);

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    setupFiles: ['test/setup-backend.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
