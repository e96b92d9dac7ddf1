/**
 * Build of every `@spam/*` package (run from the package's folder: `tsup --config ../../tsup.config.ts`):
 * ESM + CJS + `.d.ts` of each entry of the package's `exports` map (`src/index.ts` for `"."`) into
 * `dist/`, tfjs-core and the package's dependencies left external. The CJS build starts with a
 * check that names the missing peer `@tensorflow/tfjs-core` (Node's ESM loader already names it in
 * its own error).
 */
import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

type Conditions = { import?: { default?: string }; require?: { default?: string } };
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  exports?: Record<string, Conditions | string>;
  peerDependencies?: Record<string, string>;
};
const range = pkg.peerDependencies?.['@tensorflow/tfjs-core'] ?? '';

const message =
  `${pkg.name} needs its peer dependency @tensorflow/tfjs-core (${range}), which is not installed. ` +
  'Install tfjs next to it: npm install @tensorflow/tfjs (or @tensorflow/tfjs-node / @tensorflow/tfjs-node-gpu).';

const cjsPeerCheck = [
  '"use strict";',
  'try { require.resolve("@tensorflow/tfjs-core"); } catch (e) {',
  `  if (e && e.code === "MODULE_NOT_FOUND") throw Object.assign(new Error(${JSON.stringify(message)}, { cause: e }), { code: "MODULE_NOT_FOUND" });`,
  '  throw e;',
  '}',
].join('\n');

/**
 * One entry per subpath of the package's `exports` map: `./dist/<name>.js` is built from
 * `src/<name>.ts` (so `"./node": {import: "./dist/node.js", ...}` builds `src/node.ts`).
 */
function entries(): string[] {
  const out = new Set<string>();
  for (const [subpath, target] of Object.entries(pkg.exports ?? { '.': { import: { default: './dist/index.js' } } })) {
    if (subpath === './package.json' || typeof target === 'string') continue;
    const file = target.import?.default ?? target.require?.default;
    const m = file && /^\.\/dist\/(.+)\.(js|cjs)$/.exec(file);
    if (!m) throw new Error(`${pkg.name}: exports['${subpath}'] does not point at ./dist/<name>.js`);
    out.add(`src/${m[1]}.ts`);
  }
  return [...out];
}

export default defineConfig({
  entry: entries(),
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // The package's own name too: a subpath entry that imports its main entry (`@spam/core/node` ->
  // `@spam/core`) shares its classes instead of bundling a second copy (which would break `instanceof`).
  external: ['@tensorflow/tfjs-core', pkg.name],
  banner: ({ format }) => (format === 'cjs' ? { js: cjsPeerCheck } : undefined),
});
