// The workspace's package list, read from packages/*/package.json — the one source for every tool
// that needs it (vitest.config.ts aliases, typedoc.config.mjs, the pack / consumer / release
// scripts, the README-snippet test). tsconfig.json `paths` and the .changeset/config.json linked
// group cannot be computed: test/workspace-lists.test.ts checks them against this module.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Every `packages/<dir>` with a package.json (published and private), sorted by folder name. */
export function workspacePackages(root = ROOT) {
  const base = join(root, 'packages');
  return readdirSync(base)
    .filter((dir) => existsSync(join(base, dir, 'package.json')))
    .sort()
    .map((dir) => {
      const path = join(base, dir);
      return { dir, path, pkg: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) };
    });
}

/**
 * The published packages: `packages/<dir>` whose package.json is not `"private": true`, in
 * dependency order (a package after the sibling packages it depends on; ties by folder name).
 * Throws on a dependency cycle.
 */
export function publishedPackages(root = ROOT) {
  const all = workspacePackages(root).filter((p) => p.pkg.private !== true);
  const names = new Set(all.map((p) => p.pkg.name));
  const siblings = (p) => Object.keys({ ...p.pkg.dependencies, ...p.pkg.peerDependencies }).filter((n) => names.has(n) && n !== p.pkg.name);
  const ordered = [];
  const placed = new Set();
  while (ordered.length < all.length) {
    const next = all.find((p) => !placed.has(p.pkg.name) && siblings(p).every((n) => placed.has(n)));
    if (!next) {
      const left = all.filter((p) => !placed.has(p.pkg.name)).map((p) => p.pkg.name);
      throw new Error(`packages/: dependency cycle among ${left.join(', ')}`);
    }
    ordered.push(next);
    placed.add(next.pkg.name);
  }
  return ordered;
}

/**
 * The import specifiers of a package and the TypeScript source behind each: one per subpath of its
 * `exports` map, `./dist/<name>.js` built from `src/<name>.ts` (the rule of tsup.config.ts), e.g.
 * `[['@spam/structured', '<root>/packages/structured/src/index.ts'], ['@spam/structured/node', '…/src/node.ts']]`.
 * Throws when an export points elsewhere or its source file is missing.
 */
export function sourceEntries({ dir, path, pkg }) {
  const out = [];
  for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
    if (sub === './package.json') continue;
    const file = typeof target === 'string' ? target : (target?.import?.default ?? target?.require?.default ?? '');
    const m = /^\.\/dist\/(.+)\.(js|cjs)$/.exec(file);
    if (!m) throw new Error(`packages/${dir}/package.json: exports['${sub}'] does not point at ./dist/<name>.js`);
    const src = join(path, 'src', `${m[1]}.ts`);
    if (!existsSync(src))
      throw new Error(`packages/${dir}/package.json: exports['${sub}'] needs packages/${dir}/src/${m[1]}.ts, which does not exist`);
    out.push([sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`, src]);
  }
  return out;
}
